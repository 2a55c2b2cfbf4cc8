/**
 * The connection's status page, rendered from the one status the API computes (the bot and the CLI
 * show the same): the headline and its cause, notes, what is connected and how, the rooms with
 * their remedies, the least-privilege step, the activity log, and the actions that exist here.
 */
import { useState, type ReactNode } from 'react';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  Text,
  tokens,
  typographyStyles,
} from '@fluentui/react-components';
import type {
  AuditView,
  ConnectionStatusView,
  IntegrationStatusView,
  IntegrationView,
} from '../../../api/src/http/contract';
import { ErrorMessage } from '../components/ErrorMessage';
import { minWidthUpTo, NARROW } from '../components/layout';
import { usePlaceholderStyles } from '../components/placeholder';
import { StepHeading } from '../components/StepHeading';
import { DisconnectDialog } from '../steps/DisconnectDialog';
import { EwsAllowList } from '../steps/EwsAllowList';
import { formatDateTime } from '../verification/format';
import { VerificationChecklist } from '../verification/VerificationChecklist';
import { AuditCard } from './AuditCard';
import { RoomsCard } from './RoomsCard';
import { RoomScopeCard } from './RoomScopeCard';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXL, minWidth: 0 },
  headline: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  card: { padding: tokens.spacingHorizontalL, minWidth: 0 },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'minmax(120px, max-content) minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalXXL,
    rowGap: tokens.spacingVerticalS,
    margin: 0,
    // A side panel or a phone: one column, each value under its term.
    [NARROW]: { gridTemplateColumns: 'minmax(0, 1fr)', rowGap: tokens.spacingVerticalXXS },
  },
  term: { ...typographyStyles.body1, color: tokens.colorNeutralForeground2 },
  value: {
    ...typographyStyles.body1,
    margin: 0,
    overflowWrap: 'anywhere',
    [NARROW]: { marginBottom: tokens.spacingVerticalS },
  },
  secondary: { color: tokens.colorNeutralForeground2 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  choose: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'flex-end' },
  chooseField: { flexGrow: 1, minWidth: minWidthUpTo(200) },
});

type Status = IntegrationStatusView & { integration: IntegrationView };
type Headline = ConnectionStatusView['headline'];

const BADGE: Record<Headline, string> = {
  healthy: 'Healthy',
  checking: 'Connected',
  degraded: 'Warnings',
  failing: 'Failing',
  needs_attention: 'Needs attention',
  pending: 'Waiting for Microsoft 365',
  connecting: 'Verifying',
  not_connected: 'Not connected',
};

const BADGE_COLOUR = {
  success: 'success',
  warning: 'warning',
  danger: 'danger',
  neutral: 'informative',
} as const;

const NOTE_INTENT = {
  admin_left: 'info',
  ews_retiring: 'warning',
  ews_ended: 'error',
  room_scope: 'success',
  certificate_expiring: 'warning',
  earlier_verification_failed: 'info',
} as const;

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function Fact({ term, children }: { term: string; children: ReactNode }) {
  const styles = useStyles();
  return (
    <>
      <dt className={styles.term}>{term}</dt>
      <dd className={styles.value}>{children}</dd>
    </>
  );
}

export interface StatusActions {
  /** Verify with the stored mailbox, or try another one the admin chose. */
  verify: (mailbox?: string) => void;
  consentAgain: () => void;
  moveToGraph: () => void;
  updatePassword: () => void;
  changeDetails: () => void;
  proveScope: (proof: { room: string; outside: string }) => void;
  recheck: () => Promise<void>;
  loadAudit: () => Promise<AuditView>;
  disconnect: () => Promise<void>;
  onDisconnected: () => void;
}

export function StatusPage({ status, me, actions }: { status: Status; me: string; actions: StatusActions }) {
  const styles = useStyles();
  const placeholder = usePlaceholderStyles();
  const { integration, latestVerification: verification, appId, health } = status;
  const view = status.status;
  const [mailbox, setMailbox] = useState('');
  const graph = integration.method === 'modern' && integration.protocol === 'graph';
  const legacyEws = integration.method === 'modern' && integration.protocol === 'ews';
  const fix = view.cause
    ? integration.method === 'basic' && view.cause.code !== 'ErrorImpersonateUserDenied'
      ? { label: 'Update password', run: actions.updatePassword }
      : { label: 'Verify again', run: () => actions.verify() }
    : undefined;
  return (
    <section className={styles.root} aria-labelledby="status-heading">
      <StepHeading description={view.summary}>
        <span id="status-heading">{view.title}</span>
      </StepHeading>
      <div className={styles.headline}>
        <Badge
          color={BADGE_COLOUR[view.tone]}
          appearance="filled"
          data-testid="status-badge"
          data-headline={view.headline}
        >
          {BADGE[view.headline]}
        </Badge>
        {view.connection ? (
          <Text size={300} className={styles.secondary}>
            {view.connection}
          </Text>
        ) : null}
      </div>
      {view.cause ? (
        <ErrorMessage
          intent={view.tone === 'warning' ? 'warning' : 'error'}
          error={{
            title: `${view.cause.label}: ${view.cause.source === 'health' ? 'health check' : 'last verification'}`,
            message: view.cause.message,
            code: view.cause.code,
            remediation: view.cause.remediation,
          }}
          {...(fix ? { onRetry: fix.run, retryLabel: fix.label } : {})}
        />
      ) : null}
      {view.notes.map((note) => (
        <MessageBar
          key={note.kind}
          intent={NOTE_INTENT[note.kind]}
          layout="multiline"
          data-testid={`note-${note.kind}`}
        >
          <MessageBarBody>{note.text}</MessageBarBody>
          {note.kind === 'ews_retiring' || note.kind === 'ews_ended' ? (
            <MessageBarActions>
              <Button onClick={actions.moveToGraph}>Move to Microsoft Graph</Button>
            </MessageBarActions>
          ) : null}
        </MessageBar>
      ))}
      <Card className={styles.card}>
        <CardHeader
          header={
            <Text as="h3" size={400} weight="semibold" style={{ margin: 0 }}>
              Connection
            </Text>
          }
        />
        <dl className={styles.facts} data-testid="connection-facts">
          <Fact term="Connection">{view.connection ?? '—'}</Fact>
          <Fact term="Verification mailbox">
            {integration.verificationMailbox ?? integration.verifiedMailbox ?? '—'}
            {integration.verificationMailboxChosenBy
              ? ` · chosen by ${integration.verificationMailboxChosenBy} on ${formatDateTime(integration.verificationMailboxChosenAt)}`
              : ''}
          </Fact>
          <Fact term="Last verified">{formatDateTime(integration.verifiedAt)}</Fact>
          {integration.consentedBy ? (
            <Fact term="Consent granted by">
              {`${integration.consentedBy} on ${formatDateTime(integration.consentedAt)}`}
            </Fact>
          ) : null}
          {integration.method === 'basic' ? (
            <Fact term="EWS endpoint">{integration.ewsUrl ?? '—'}</Fact>
          ) : null}
          {integration.method === 'basic' ? (
            <Fact term="Service account">{integration.serviceAccount ?? '—'}</Fact>
          ) : null}
          <Fact term="Health checks">
            {health?.lastRunAt
              ? `Last ${formatDateTime(health.lastRunAt)} · next ${formatDateTime(health.nextRunAt)}`
              : 'Not checked yet'}
          </Fact>
          {view.certificate ? (
            <Fact term="App certificate expires">
              {`${formatDateTime(view.certificate.notAfter)} (${view.certificate.daysLeft} days)`}
            </Fact>
          ) : null}
        </dl>
      </Card>
      <Card className={styles.card}>
        <CardHeader
          header={
            <Text as="h3" size={400} weight="semibold" style={{ margin: 0 }}>
              Verify with another mailbox
            </Text>
          }
          description={
            <Text size={200} className={styles.secondary}>
              {integration.accessScope === 'rooms'
                ? 'Limited to room mailboxes, verification opens a room. Pick another room if you like.'
                : 'Verification opens the mailbox of the admin who connected, or a room mailbox you pick. A mailbox that verifies becomes the one used from then on, with your name on the choice.'}
            </Text>
          }
        />
        <div className={styles.choose}>
          <Field label="Mailbox or room mailbox" className={styles.chooseField}>
            <Input
              className={placeholder.input}
              type="email"
              value={mailbox}
              onChange={(_, d) => setMailbox(d.value.trim())}
              placeholder="room.name@your-domain"
              data-testid="verify-mailbox"
            />
          </Field>
          <Button disabled={!EMAIL.test(mailbox)} onClick={() => actions.verify(mailbox)}>
            Verify with this mailbox
          </Button>
        </div>
      </Card>
      <RoomsCard rooms={view.rooms} recheck={actions.recheck} />
      {graph ? (
        <RoomScopeCard
          appId={appId}
          integration={integration}
          suggestedRoom={view.rooms.find((r) => r.reachable)?.address}
          me={me}
          onProve={actions.proveScope}
        />
      ) : null}
      {legacyEws ? (
        <Card className={styles.card}>
          <EwsAllowList
            appId={appId}
            integration={integration}
            verification={verification}
            allowListCheck={health?.checks.find((c) => c.check === 'ewsAllowList')}
          />
        </Card>
      ) : null}
      {verification ? (
        <Card className={styles.card}>
          <CardHeader
            header={
              <Text as="h3" size={400} weight="semibold" style={{ margin: 0 }}>
                Last verification
              </Text>
            }
            description={
              <Text size={200} className={styles.secondary}>
                {`${formatDateTime(verification.finishedAt)} · mailbox ${verification.mailbox}`}
              </Text>
            }
          />
          <VerificationChecklist
            kind={integration}
            mailbox={verification.mailbox}
            steps={verification.steps}
            running={false}
          />
        </Card>
      ) : null}
      <AuditCard load={actions.loadAudit} />
      <div className={styles.actions}>
        <Button appearance="primary" onClick={() => actions.verify()}>
          Verify again
        </Button>
        {integration.method === 'modern' ? (
          <Button onClick={actions.consentAgain}>Grant consent again</Button>
        ) : (
          <>
            <Button onClick={actions.updatePassword}>Update password</Button>
            <Button onClick={actions.changeDetails}>Change connection details</Button>
          </>
        )}
        <DisconnectDialog
          method={integration.method}
          disconnect={actions.disconnect}
          onDisconnected={actions.onDisconnected}
        />
      </div>
    </section>
  );
}
