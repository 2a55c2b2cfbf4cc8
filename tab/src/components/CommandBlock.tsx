/**
 * A PowerShell command the admin runs, shown verbatim with a copy button. Teams' iframe may block
 * the Clipboard API (permissions policy): then the command is selected and the admin is told to
 * press Ctrl+C, rather than the button failing silently.
 */
import { useRef, useState } from 'react';
import { Button, makeStyles, tokens, Text } from '@fluentui/react-components';
import { CheckmarkRegular, CopyRegular } from '@fluentui/react-icons';

const useStyles = makeStyles({
  // The label and the Copy button share a row, so the command gets the box's full width. When the
  // label would be squeezed (a phone), Copy moves under it, to the right, just above the command.
  head: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    columnGap: tokens.spacingHorizontalS,
    marginBottom: tokens.spacingVerticalXS,
  },
  label: { margin: 0, minWidth: 0, flex: '1 1 16em' },
  copy: { flexShrink: 0, marginLeft: 'auto' },
  code: {
    margin: 0,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    backgroundColor: tokens.colorNeutralBackground3,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    lineHeight: tokens.lineHeightBase300,
    // Wrapped at spaces first; a long id breaks only when nothing else fits. Copy takes the original.
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    color: tokens.colorNeutralForeground1,
  },
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
      <div className={styles.head}>
        <Text as="p" size={200} weight="semibold" className={styles.label} id={`${id}-label`}>
          {label}
        </Text>
        <Button
          className={styles.copy}
          appearance="subtle"
          icon={copied ? <CheckmarkRegular /> : <CopyRegular />}
          aria-describedby={`${id}-label`}
          onClick={() => void copy()}
        >
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
      <pre ref={code} className={styles.code} aria-labelledby={`${id}-label`} data-testid={id} tabIndex={0}>
        {command}
      </pre>
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
