/**
 * The live checklist of a verification: steps fill in as the server streams them, a spinner on
 * the one running now, then each result, duration and, for a failure, Microsoft's code and what
 * to do about it.
 */
import { makeStyles, mergeClasses, Spinner, Text, tokens } from '@fluentui/react-components';
import {
  CheckmarkCircleFilled,
  CircleRegular,
  ClockFilled,
  DismissCircleFilled,
} from '@fluentui/react-icons';
import type { StepView } from '../../../api/src/http/contract';
import {
  expectedSteps,
  stepLabel,
  STEP_STATUS_TEXT,
  type ConnectionKind,
  type StepName,
} from './step-labels';
import { formatDuration } from './format';
import { roomsFromStep, roomsSummary } from './rooms';
import { NARROW } from '../components/layout';

const useStyles = makeStyles({
  list: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column' },
  row: {
    display: 'grid',
    gridTemplateColumns: '24px minmax(0, 1fr) auto',
    columnGap: tokens.spacingHorizontalM,
    alignItems: 'start',
    padding: `${tokens.spacingVerticalM} 0`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    // On a phone the duration goes under the step, so the step's name keeps the width.
    [NARROW]: { gridTemplateColumns: '24px minmax(0, 1fr)' },
  },
  rowFailed: {
    backgroundColor: tokens.colorPaletteRedBackground1,
    // Bleed the tint into the margin so the icons stay aligned with the other rows.
    paddingLeft: tokens.spacingHorizontalS,
    paddingRight: tokens.spacingHorizontalS,
    marginLeft: `calc(-1 * ${tokens.spacingHorizontalS})`,
    marginRight: `calc(-1 * ${tokens.spacingHorizontalS})`,
    borderRadius: tokens.borderRadiusMedium,
  },
  rowPending: {
    backgroundColor: tokens.colorPaletteYellowBackground1,
    // Bleed the tint into the margin so the icons stay aligned with the other rows.
    paddingLeft: tokens.spacingHorizontalS,
    paddingRight: tokens.spacingHorizontalS,
    marginLeft: `calc(-1 * ${tokens.spacingHorizontalS})`,
    marginRight: `calc(-1 * ${tokens.spacingHorizontalS})`,
    borderRadius: tokens.borderRadiusMedium,
  },
  // Remedies quote PowerShell with long unbroken parameters: wrap them rather than widen the page.
  remediation: {
    color: tokens.colorNeutralForeground1,
    marginTop: tokens.spacingVerticalXS,
    overflowWrap: 'anywhere',
  },
  icon: { fontSize: '20px', display: 'flex', paddingTop: '1px' },
  ok: { color: tokens.colorPaletteGreenForeground1 },
  failed: { color: tokens.colorPaletteRedForeground1 },
  pending: { color: tokens.colorPaletteDarkOrangeForeground1 },
  waiting: { color: tokens.colorNeutralForeground3 },
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, minWidth: 0 },
  // Labels carry mailbox addresses and permission names: they wrap anywhere rather than stick out.
  label: { overflowWrap: 'anywhere' },
  secondary: { color: tokens.colorNeutralForeground2, overflowWrap: 'anywhere' },
  code: { fontFamily: tokens.fontFamilyMonospace },
  duration: {
    color: tokens.colorNeutralForeground3,
    whiteSpace: 'nowrap',
    [NARROW]: { gridColumn: 2 },
  },
});

/** `queued`: not reached yet in a running verification; `waiting`: never reached. */
type RowState = 'running' | 'queued' | 'ok' | 'failed' | 'pending' | 'skipped' | 'waiting';

function stepDetail(step: StepView | undefined, kind: ConnectionKind): string | undefined {
  if (!step) return undefined;
  if (step.status !== 'ok') return step.message;
  const detail = step.detail ?? {};
  switch (step.name) {
    case 'endpoint':
      return typeof detail.url === 'string' ? detail.url : undefined;
    case 'token':
      return 'Signed in with the Exchange Connect certificate.';
    case 'permission':
      return Array.isArray(detail.roles) && detail.roles.length > 0
        ? `Granted: ${detail.roles.join(', ')}.`
        : 'Granted.';
    case 'credentials':
      if (typeof detail.serviceAccount !== 'string') return undefined;
      // Entered credentials are proven by the mailbox step; only then do they reach Key Vault.
      return detail.password === 'entered'
        ? `${detail.serviceAccount}: password as entered, checked by opening the mailbox next.`
        : `${detail.serviceAccount}: password read from Key Vault.`;
    case 'scope':
      return typeof detail.outside === 'string'
        ? `${detail.outside} was refused (${String(detail.code ?? 'ErrorAccessDenied')}).`
        : undefined;
    case 'keyVault':
      return 'Verified, then stored; the password never reaches the Exchange Connect database.';
    case 'mailbox':
      return typeof detail.calendar === 'string'
        ? `Calendar opened (${detail.calendar}).`
        : 'Calendar opened.';
    case 'rooms': {
      const rooms = roomsFromStep(step);
      return rooms ? roomsSummary(rooms, kind) : undefined;
    }
  }
}

function StatusIcon({ state }: { state: RowState }) {
  const styles = useStyles();
  switch (state) {
    case 'running':
      return <Spinner size="extra-tiny" aria-hidden="true" />;
    case 'ok':
      return <CheckmarkCircleFilled className={styles.ok} aria-hidden="true" />;
    case 'failed':
      return <DismissCircleFilled className={styles.failed} aria-hidden="true" />;
    case 'pending':
      return <ClockFilled className={styles.pending} aria-hidden="true" />;
    case 'queued':
    case 'skipped':
    case 'waiting':
      return <CircleRegular className={styles.waiting} aria-hidden="true" />;
  }
}

const STATE_TEXT: Record<RowState, string> = {
  ...STEP_STATUS_TEXT,
  running: 'Checking',
  queued: 'Not started yet',
  waiting: 'Not checked',
};

/** What a screen reader hears when a step settles. */
export function stepAnnouncement(step: StepView, kind: ConnectionKind, mailbox: string): string {
  const code = step.code && step.status !== 'ok' ? ` (${step.code})` : '';
  return `${stepLabel(step.name, kind, mailbox)}: ${STATE_TEXT[step.status]}${code}.`;
}

/** The step running now: the first one not settled, unless the run already stopped at a failure. */
function runningStep(expected: StepName[], steps: StepView[]): StepName | undefined {
  if (steps.some((s) => s.status === 'failed' || s.status === 'pending')) return undefined;
  const settled = new Set(steps.map((s) => s.name));
  return expected.find((name) => !settled.has(name));
}

function rowState(
  name: StepName,
  step: StepView | undefined,
  running: boolean,
  current?: StepName,
): RowState {
  if (step) return step.status;
  if (!running) return 'waiting';
  return name === current ? 'running' : 'queued';
}

export function VerificationChecklist({
  kind,
  mailbox,
  steps,
  running,
  scopeProof = false,
  newCredentials = false,
}: {
  kind: ConnectionKind;
  mailbox: string;
  steps: StepView[];
  running: boolean;
  /** Proving the room-only scope: the scope step is expected too. */
  scopeProof?: boolean;
  /** New Basic credentials: the Key Vault step follows a verified trial. */
  newCredentials?: boolean;
}) {
  const styles = useStyles();
  const byName = new Map<StepName, StepView>(steps.map((s) => [s.name, s]));
  const expected = expectedSteps(kind, { scopeProof, newCredentials });
  const names = [...expected, ...steps.map((s) => s.name).filter((n) => !expected.includes(n))];
  const current = running ? runningStep(expected, steps) : undefined;
  return (
    <ol className={styles.list} aria-label="Verification steps" aria-busy={running} data-testid="checklist">
      {names.map((name) => {
        const step = byName.get(name);
        const state = rowState(name, step, running, current);
        const detail = stepDetail(step, kind);
        return (
          <li
            key={name}
            className={mergeClasses(
              styles.row,
              state === 'failed' && styles.rowFailed,
              state === 'pending' && styles.rowPending,
            )}
            data-step={name}
            data-state={state}
          >
            <span className={styles.icon}>
              <StatusIcon state={state} />
            </span>
            <div className={styles.body}>
              <Text size={300} weight="semibold" className={styles.label}>
                {stepLabel(name, kind, mailbox)}
                <span style={{ position: 'absolute', left: '-10000px' }}>{`: ${STATE_TEXT[state]}`}</span>
              </Text>
              {detail || state === 'skipped' || state === 'waiting' ? (
                <Text size={200} className={styles.secondary}>
                  {detail ?? 'Not checked'}
                </Text>
              ) : null}
              {step?.code && step.status !== 'ok' ? (
                <Text size={200} className={styles.secondary}>
                  Error code: <span className={styles.code}>{step.code}</span>
                </Text>
              ) : null}
              {step?.remediation && step.status !== 'ok' ? (
                <Text size={300} className={styles.remediation} data-testid={`remediation-${name}`}>
                  {step.remediation}
                </Text>
              ) : null}
            </div>
            <Text size={200} className={styles.duration}>
              {step ? formatDuration(step.durationMs) : state === 'running' ? 'Checking…' : ''}
            </Text>
          </li>
        );
      })}
    </ol>
  );
}
