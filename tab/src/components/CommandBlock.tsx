/** A PowerShell command the admin runs, shown verbatim with a copy button. */
import { useState } from 'react';
import { Button, makeStyles, tokens, Text, Tooltip } from '@fluentui/react-components';
import { CheckmarkRegular, CopyRegular } from '@fluentui/react-icons';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    backgroundColor: tokens.colorNeutralBackground3,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  code: {
    flexGrow: 1,
    margin: 0,
    paddingTop: '5px',
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    lineHeight: tokens.lineHeightBase300,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    color: tokens.colorNeutralForeground1,
  },
  label: { display: 'block', marginBottom: tokens.spacingVerticalXS },
});

export function CommandBlock({ command, label, id }: { command: string; label: string; id: string }) {
  const styles = useStyles();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // Clipboard blocked by the host frame: the command stays selectable.
      setCopied(false);
    }
  };
  return (
    <div>
      <Text as="p" size={200} weight="semibold" className={styles.label} id={`${id}-label`}>
        {label}
      </Text>
      <div className={styles.root}>
        <pre className={styles.code} aria-labelledby={`${id}-label`} data-testid={id} tabIndex={0}>
          {command}
        </pre>
        <Tooltip content={copied ? 'Copied' : 'Copy command'} relationship="label">
          <Button
            appearance="subtle"
            icon={copied ? <CheckmarkRegular /> : <CopyRegular />}
            onClick={() => void copy()}
          />
        </Tooltip>
      </div>
      <span aria-live="polite" style={{ position: 'absolute', left: '-10000px' }}>
        {copied ? 'Command copied' : ''}
      </span>
    </div>
  );
}
