/**
 * The connection's status page: what is connected, how, when and by whom, which rooms are
 * reachable, the EWS allow list (Exchange Online), and re-verify / re-consent / disconnect.
 */
import {
  Badge,
  Button,
  Card,
  CardHeader,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
  typographyStyles,
} from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type {
  HealthView,
  IntegrationStatus,
  IntegrationStatusView,
  IntegrationView,
} from '../../../api/src/http/contract';
import { ErrorMessage } from '../components/ErrorMessage';
import { StepHeading } from '../components/StepHeading';
import { formatDateTime } from '../verification/format';
import { roomsFromVerification, roomsSummary } from '../verification/rooms';
import { VerificationChecklist } from '../verification/VerificationChecklist';
import { DisconnectDialog } from './DisconnectDialog';
import { EwsAllowList } from './EwsAllowList';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXL },
  card: { padding: tokens.spacingHorizontalL },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'minmax(140px, max-content) 1fr',
    columnGap: tokens.spacingHorizontalXXL,
    rowGap: tokens.spacingVerticalS,
    margin: 0,
  },
  term: { ...typographyStyles.body1, color: tokens.colorNeutralForeground2 },
  value: { ...typographyStyles.body1, margin: 0, overflowWrap: 'anywhere' },
  secondary: { color: tokens.colorNeutralForeground2 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

const STATUS_BADGE: Record<
  IntegrationStatus,
  { text: string; color: 'success' | 'warning' | 'danger' | 'informative' }
> = {
  verified: { text: 'Connected', color: 'success' },
  pending: { text: 'Waiting for Microsoft 365', color: 'warning' },
  verifying: { text: 'Verifying', color: 'informative' },
  pending_consent: { text: 'Consent not granted', color: 'warning' },
  failed: { text: 'Needs attention', color: 'danger' },
  disconnected: { text: 'Disconnected', color: 'informative' },
};

const HEALTH_TEXT: Record<HealthView['state'], string> = {
  healthy: 'Healthy',
  degraded: 'Degraded',
  failing: 'Failing',
};

function methodText(integration: IntegrationView): string {
  return integration.method === 'modern'
    ? 'Exchange Online · Modern Authentication (admin consent, certificate)'
    : 'Exchange Server · Basic Authentication (service account)';
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  const styles = useStyles();
  return (
    <>
      <dt className={styles.term}>{term}</dt>
      <dd className={styles.value}>{children}</dd>
    </>
  );
}

export function Connected({
  status,
  onReverify,
  onReconnect,
  onDisconnect,
  onDisconnected,
}: {
  status: IntegrationStatusView & { integration: IntegrationView };
  onReverify: () => void;
  onReconnect: () => void;
  onDisconnect: () => Promise<void>;
  onDisconnected: () => void;
}) {
  const styles = useStyles();
  const { integration, latestVerification: verification, appId, health } = status;
  const badge = STATUS_BADGE[integration.status];
  const rooms = roomsFromVerification(verification);
  const healthy = integration.status === 'verified';
  return (
    <section className={styles.root} aria-labelledby="connected-heading">
      <StepHeading
        description={
          healthy
            ? 'Exchange Connect can read and book calendars in your organisation. It checks the connection regularly and alerts admins in Teams when something changes.'
            : 'The last check of this connection did not succeed. Fix the cause below, then verify again.'
        }
      >
        <span id="connected-heading">
          {healthy ? 'Exchange is connected' : 'Exchange connection needs attention'}
        </span>
      </StepHeading>
      {!healthy && integration.lastError ? (
        <ErrorMessage
          error={{
            title: 'The last check failed',
            message: integration.lastError.message,
            code: integration.lastError.code,
            remediation: integration.lastError.remediation,
          }}
          onRetry={onReverify}
          retryLabel="Verify again"
        />
      ) : null}
      <Card className={styles.card}>
        <CardHeader
          header={
            <Text as="h3" size={400} weight="semibold" style={{ margin: 0 }}>
              Connection
            </Text>
          }
        />
        <dl className={styles.facts} data-testid="connection-facts">
          <Fact term="Status">
            <Badge color={badge.color} appearance="filled" data-testid="status-badge">
              {badge.text}
            </Badge>
          </Fact>
          <Fact term="Method">{methodText(integration)}</Fact>
          <Fact term="Verified mailbox">{integration.verifiedMailbox ?? '—'}</Fact>
          <Fact term="Verified">{formatDateTime(integration.verifiedAt)}</Fact>
          <Fact term="Connected by">
            {integration.consentedBy ?? '—'}
            {integration.consentedAt ? ` on ${formatDateTime(integration.consentedAt)}` : ''}
          </Fact>
          {integration.method === 'basic' ? (
            <Fact term="EWS endpoint">{integration.ewsUrl ?? '—'}</Fact>
          ) : null}
          {integration.method === 'basic' ? (
            <Fact term="Service account">{integration.serviceAccount ?? '—'}</Fact>
          ) : null}
          <Fact term="Health">
            {health
              ? `${HEALTH_TEXT[health.state]} · last check ${formatDateTime(health.lastRunAt)} · next ${formatDateTime(health.nextRunAt)}`
              : 'Not checked yet'}
          </Fact>
          <Fact term="Last verification">
            {verification ? `${formatDateTime(verification.finishedAt)} · ${verification.outcome}` : '—'}
          </Fact>
        </dl>
      </Card>
      {!healthy && verification ? (
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
      {rooms ? (
        <Card className={styles.card}>
          <CardHeader
            header={
              <Text as="h3" size={400} weight="semibold" style={{ margin: 0 }}>
                Meeting rooms
              </Text>
            }
            description={
              <Text size={200} className={styles.secondary}>
                {roomsSummary(rooms)}
              </Text>
            }
          />
          {rooms.rooms.length > 0 ? (
            <Table size="small" aria-label="Meeting rooms and calendar access" data-testid="rooms-table">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Room</TableHeaderCell>
                  <TableHeaderCell>Address</TableHeaderCell>
                  <TableHeaderCell>Calendar access</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {rooms.rooms.map((room) => (
                  <TableRow key={room.address}>
                    <TableCell>{room.name}</TableCell>
                    <TableCell>{room.address}</TableCell>
                    <TableCell>
                      {room.reachable ? (
                        <Badge color="success" appearance="tint">
                          Reachable
                        </Badge>
                      ) : (
                        <Badge color="danger" appearance="tint">
                          {`Not reachable${room.code ? ` (${room.code})` : ''}`}
                        </Badge>
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : null}
        </Card>
      ) : null}
      {integration.method === 'modern' ? (
        <Card className={styles.card}>
          <EwsAllowList
            appId={appId}
            integration={integration}
            verification={verification}
            allowListCheck={health?.checks.find((c) => c.check === 'ewsAllowList')}
          />
        </Card>
      ) : null}
      <div className={styles.actions}>
        <Button appearance="primary" onClick={onReverify}>
          Verify again
        </Button>
        <Button onClick={onReconnect}>
          {integration.method === 'modern' ? 'Grant consent again' : 'Update password'}
        </Button>
        <DisconnectDialog
          method={integration.method}
          disconnect={onDisconnect}
          onDisconnected={onDisconnected}
        />
      </div>
    </section>
  );
}
