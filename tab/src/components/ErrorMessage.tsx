/** A failure the admin can act on: what happened, Microsoft's code, what to do, and a retry. */
import type { ReactNode } from 'react';
import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Text,
  tokens,
} from '@fluentui/react-components';

const useStyles = makeStyles({
  line: { display: 'block', margin: `${tokens.spacingVerticalXS} 0 0` },
});

export interface ReadableError {
  title: string;
  message: string;
  code?: string;
  remediation?: string;
}

export function ErrorMessage({
  error,
  onRetry,
  retryLabel = 'Try again',
  intent = 'error',
  children,
}: {
  error: ReadableError;
  onRetry?: () => void;
  retryLabel?: string;
  intent?: 'error' | 'warning';
  children?: ReactNode;
}) {
  const styles = useStyles();
  return (
    <MessageBar intent={intent} layout="multiline" data-testid="error-message">
      <MessageBarBody>
        <MessageBarTitle>{error.title}</MessageBarTitle>
        {error.message}
        {error.code ? (
          <Text as="p" size={200} className={styles.line}>
            Error code: <code>{error.code}</code>
          </Text>
        ) : null}
        {error.remediation ? (
          <Text as="p" size={300} className={styles.line}>
            {error.remediation}
          </Text>
        ) : null}
        {children}
      </MessageBarBody>
      {onRetry ? (
        <MessageBarActions>
          <Button onClick={onRetry}>{retryLabel}</Button>
        </MessageBarActions>
      ) : null}
    </MessageBar>
  );
}
