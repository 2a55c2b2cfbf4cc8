/**
 * Step 3: runs the verification and shows its checklist, step by step as the server streams them.
 * "pending" (Microsoft 365 still applying the consent) re-checks by itself after the server's
 * retryAfterMs; "verified" hands over.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  tokens,
} from '@fluentui/react-components';
import type { StepView, VerificationView } from '../../../api/src/http/contract';
import { ewsAllowListCommand } from '../../../api/src/powershell-commands';
import { ApiError, type StepListener } from '../api/client';
import { useAnnounce } from '../components/Announcer';
import { CommandBlock } from '../components/CommandBlock';
import { ErrorMessage, type ReadableError } from '../components/ErrorMessage';
import { StepHeading } from '../components/StepHeading';
import { stepLabel, type ConnectionKind } from '../verification/step-labels';
import { stepAnnouncement, VerificationChecklist } from '../verification/VerificationChecklist';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXL },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
});

type Phase =
  | { kind: 'running' }
  | { kind: 'pending'; nextCheckAt: number; attempt: number }
  | { kind: 'failed' }
  | { kind: 'verified' }
  | { kind: 'error'; error: ReadableError };

/** One verification request, telling `onStep` each step as it settles. */
type Attempt = (onStep: StepListener) => Promise<VerificationView>;

function requestError(error: unknown, newCredentials: boolean): ReadableError {
  if (error instanceof ApiError && newCredentials && error.status >= 400 && error.status < 500) {
    return {
      title: 'The new details did not verify, so nothing was changed',
      message: error.message,
      ...(error.microsoftCode ? { code: error.microsoftCode } : {}),
      ...(error.remediation ? { remediation: error.remediation } : {}),
    };
  }
  if (error instanceof ApiError) {
    return {
      title: 'Verification could not run',
      message: error.message,
      ...(error.microsoftCode ? { code: error.microsoftCode } : {}),
      ...(error.remediation ? { remediation: error.remediation } : {}),
    };
  }
  return {
    title: 'Verification could not run',
    message: error instanceof Error ? error.message : String(error),
  };
}

function failedTitle(view: VerificationView | null, kind: ConnectionKind, mailbox: string): string {
  const failed = view?.steps.find((s) => s.status === 'failed');
  if (!failed) return 'Verification failed';
  return `Verification failed: ${stepLabel(failed.name, kind, view?.mailbox ?? mailbox).replace(/^./, (c) => c.toLowerCase())}`;
}

function useSecondsUntil(at: number | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === undefined) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [at]);
  return at === undefined ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}

export function VerifyStep({
  kind,
  mailbox,
  appId,
  start,
  recheck,
  onVerified,
  fixLabel,
  onFix,
  scopeProof = false,
  newCredentials = false,
}: {
  kind: ConnectionKind;
  mailbox: string;
  appId: string;
  /** The first attempt (connect with Basic, or verify after consent). */
  start: Attempt;
  /**
   * A re-check; `attempt` counts the re-checks while pending (the server backs off), `automatic`
   * says the timer, not the admin, asked (the audit log summarises those).
   */
  recheck: (attempt: number, automatic: boolean, onStep: StepListener) => Promise<VerificationView>;
  /** Proving the room-only scope rather than verifying. */
  scopeProof?: boolean;
  /** New Basic credentials: a refusal means nothing was stored, and the fix is the form. */
  newCredentials?: boolean;
  onVerified: (view: VerificationView) => void;
  fixLabel: string;
  onFix: () => void;
}) {
  const styles = useStyles();
  const announce = useAnnounce();
  const [phase, setPhase] = useState<Phase>({ kind: 'running' });
  const [view, setView] = useState<VerificationView | null>(null);
  const [liveSteps, setLiveSteps] = useState<StepView[]>([]);
  const mounted = useRef(true);
  const pendingChecks = useRef(0);
  const latestAttempt = useRef(0);

  /** Waits for one attempt and shows its outcome, unless a newer attempt replaced it. */
  const settle = useCallback(
    async (attempt: Promise<VerificationView>, isCurrent: () => boolean) => {
      let result: VerificationView;
      try {
        result = await attempt;
      } catch (e) {
        if (!isCurrent()) return;
        const error = requestError(e, newCredentials);
        setPhase({ kind: 'error', error });
        announce(`${error.title}. ${error.message}`);
        return;
      }
      if (!isCurrent()) return;
      setView(result);
      if (result.outcome === 'verified') {
        setPhase({ kind: 'verified' });
        announce('Verified. Exchange is connected.');
        onVerified(result);
      } else if (result.outcome === 'pending') {
        const waitMs = result.retryAfterMs ?? 10_000;
        pendingChecks.current += 1;
        setPhase({ kind: 'pending', nextCheckAt: Date.now() + waitMs, attempt: pendingChecks.current });
        announce('Waiting for Microsoft 365 to apply the consent. Exchange Connect checks again by itself.');
      } else {
        setPhase({ kind: 'failed' });
        const failed = result.steps.find((s) => s.status === 'failed');
        announce(
          `Verification failed${failed?.code ? ` with ${failed.code}` : ''}. ${result.diagnostic?.message ?? ''}`,
        );
      }
    },
    [announce, newCredentials, onVerified],
  );

  /** Sends one attempt; each step it streams fills in its row and is announced. */
  const launch = useCallback(
    (attempt: Attempt) => {
      const id = ++latestAttempt.current;
      const isCurrent = () => mounted.current && latestAttempt.current === id;
      const onStep = (step: StepView) => {
        if (!isCurrent()) return;
        setLiveSteps((settled) => [...settled, step]);
        announce(stepAnnouncement(step, kind, mailbox));
      };
      void settle(attempt(onStep), isCurrent);
    },
    [announce, kind, mailbox, settle],
  );

  /** A new attempt: the checklist starts again from the first step. */
  const run = useCallback(
    (attempt: Attempt) => {
      setPhase({ kind: 'running' });
      setView(null);
      setLiveSteps([]);
      announce('Verifying the connection to Exchange…');
      launch(attempt);
    },
    [announce, launch],
  );

  // While pending, check again by itself once the server's retryAfterMs has passed.
  useEffect(() => {
    if (phase.kind !== 'pending') return;
    const { attempt, nextCheckAt } = phase;
    const timer = setTimeout(
      () => run((onStep) => recheck(attempt, true, onStep)),
      Math.max(0, nextCheckAt - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [phase, run, recheck]);

  useEffect(() => {
    mounted.current = true;
    // launch() sets state only as the request streams and answers, never synchronously.
    launch(start);
    return () => {
      mounted.current = false;
    };
    // The first attempt runs once per mount; later attempts come from the buttons and the timer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const secondsLeft = useSecondsUntil(phase.kind === 'pending' ? phase.nextCheckAt : undefined);
  const diagnostic = view?.diagnostic;

  return (
    <section className={styles.root} aria-labelledby="verify-heading">
      <StepHeading
        description={
          scopeProof
            ? `Exchange Connect opens the room ${mailbox}, then must be refused a mailbox outside the room-only scope.`
            : 'Exchange Connect opens the mailbox the way it will in production, step by step.'
        }
      >
        <span id="verify-heading">{scopeProof ? 'Prove the room-only scope' : 'Verify the connection'}</span>
      </StepHeading>
      {phase.kind === 'pending' ? (
        <MessageBar intent="info" layout="multiline" data-testid="pending-message">
          <MessageBarBody>
            <MessageBarTitle>Waiting for Microsoft 365 to apply the consent</MessageBarTitle>
            Consent was granted. Microsoft 365 usually needs a few minutes before the permission takes effect;
            Exchange Connect checks again by itself{secondsLeft > 0 ? ` in ${secondsLeft} s` : ''}. You can
            keep this tab open or come back later.
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {phase.kind === 'failed' && diagnostic?.kind !== 'ews_blocked' ? (
        <MessageBar intent="error" layout="multiline" data-testid="verify-failed">
          <MessageBarBody>
            <MessageBarTitle>{failedTitle(view, kind, mailbox)}</MessageBarTitle>
            {diagnostic?.message ?? 'See the failed step below for the cause and how to fix it.'}
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {phase.kind === 'failed' && diagnostic?.kind === 'ews_blocked' ? (
        <MessageBar intent="error" layout="multiline" data-testid="ews-blocked">
          <MessageBarBody>
            <MessageBarTitle>
              Your organisation blocks Exchange Web Services for Exchange Connect
            </MessageBarTitle>
            Add Exchange Connect to the EWS allow list in Exchange Online PowerShell, then verify again.
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {phase.kind === 'failed' && diagnostic?.kind === 'ews_blocked' ? (
        <CommandBlock
          id="ews-allow-command"
          label="Run in Exchange Online PowerShell:"
          command={ewsAllowListCommand(appId)}
        />
      ) : null}
      {phase.kind === 'error' ? (
        // New credentials that did not verify were not stored: the fix is the form, not a retry.
        <ErrorMessage
          error={phase.error}
          {...(newCredentials ? {} : { onRetry: () => run((onStep) => recheck(0, false, onStep)) })}
        />
      ) : null}
      <VerificationChecklist
        kind={kind}
        scopeProof={scopeProof}
        newCredentials={newCredentials}
        mailbox={view?.mailbox ?? mailbox}
        steps={view?.steps ?? liveSteps}
        running={phase.kind === 'running'}
      />
      <div className={styles.actions}>
        {phase.kind === 'failed' || phase.kind === 'pending' ? (
          <Button
            appearance="primary"
            onClick={() => run((onStep) => recheck(pendingChecks.current, false, onStep))}
          >
            {phase.kind === 'pending' ? 'Check now' : 'Verify again'}
          </Button>
        ) : null}
        {phase.kind !== 'running' && phase.kind !== 'verified' ? (
          <Button onClick={onFix}>{fixLabel}</Button>
        ) : null}
        {phase.kind === 'running' ? <Spinner size="tiny" label="Verifying…" /> : null}
      </div>
    </section>
  );
}
