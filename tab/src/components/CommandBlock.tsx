/**
 * A PowerShell command the admin runs, shown verbatim with a copy button. Teams' iframe may block
 * the Clipboard API (permissions policy): then the command is selected and the admin is told to
 * press Ctrl+C, rather than the button failing silently.
 */
import { useRef, useState } from 'react';
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
  fallback: { display: 'block', marginTop: tokens.spacingVerticalXS, color: tokens.colorNeutralForeground2 },
});

type CopyState = 'idle' | 'copied' | 'selected';

/** Selects the element's text, as a copy the admin finishes with the keyboard. */
function selectText(element: HTMLElement | null): boolean {
  const selection = element ? window.getSelection() : null;
  if (!element || !selection) return false;
  const range = document.createRange();
  range.selectNodeContents(element);
  selection.removeAllRanges();
  selection.addRange(range);
  element.focus();
  return true;
}

export function CommandBlock({ command, label, id }: { command: string; label: string; id: string }) {
  const styles = useStyles();
  const [state, setState] = useState<CopyState>('idle');
  const code = useRef<HTMLPreElement>(null);
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(command);
      setState('copied');
      setTimeout(() => setState('idle'), 2000);
    } catch {
      setState(selectText(code.current) ? 'selected' : 'idle');
    }
  };
  const copied = state === 'copied';
  return (
    <div>
      <Text as="p" size={200} weight="semibold" className={styles.label} id={`${id}-label`}>
        {label}
      </Text>
      <div className={styles.root}>
        <pre ref={code} className={styles.code} aria-labelledby={`${id}-label`} data-testid={id} tabIndex={0}>
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
      {state === 'selected' ? (
        <Text size={200} className={styles.fallback} data-testid={`${id}-copy-fallback`}>
          Teams does not let this page copy for you: the command is selected, press Ctrl+C (⌘C on a Mac).
        </Text>
      ) : null}
      <span aria-live="polite" style={{ position: 'absolute', left: '-10000px' }}>
        {copied
          ? 'Command copied'
          : state === 'selected'
            ? 'Command selected: press Control C to copy it'
            : ''}
      </span>
    </div>
  );
}
