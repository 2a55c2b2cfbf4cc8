/**
 * Exchange Online's EWS allow list: whether Exchange Connect got through, the exact command that
 * keeps it on the list, and the two dates that matter.
 */
import { Badge, makeStyles, Text, tokens } from '@fluentui/react-components';
import type { HealthCheckView, IntegrationView, VerificationView } from '../../../api/src/http/contract';
import {
  EWS_DEFAULT_OFF_DATE,
  EWS_SHUTDOWN_DATE,
  ewsAllowListCommand,
} from '../../../api/src/powershell-commands';
import { CommandBlock } from '../components/CommandBlock';
import { formatDateTime } from '../verification/format';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  row: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  secondary: { color: tokens.colorNeutralForeground2 },
});

function longDate(isoDate: string): string {
  return new Date(`${isoDate}T00:00:00Z`).toLocaleDateString('en-US', {
    dateStyle: 'long',
    timeZone: 'UTC',
  });
}

export function EwsAllowList({
  appId,
  integration,
  verification,
  allowListCheck,
}: {
  appId: string;
  integration: IntegrationView;
  verification: VerificationView | null;
  /** The scheduled health check of the allow list, when one has run. */
  allowListCheck?: HealthCheckView | undefined;
}) {
  const styles = useStyles();
  const blocked =
    allowListCheck?.status === 'fail' ||
    integration.lastError?.kind === 'ews_blocked' ||
    verification?.diagnostic?.kind === 'ews_blocked';
  const reached =
    allowListCheck?.status === 'ok' ||
    (verification?.steps.some((s) => s.name === 'mailbox' && s.status === 'ok') ?? false);
  return (
    <div className={styles.root} data-testid="ews-allow-list">
      <div className={styles.row}>
        <Text weight="semibold" size={300}>
          EWS allow list
        </Text>
        {blocked ? (
          <Badge color="danger" appearance="filled">
            Blocked
          </Badge>
        ) : reached ? (
          <Badge color="success" appearance="tint">
            Allowed
          </Badge>
        ) : (
          <Badge color="informative" appearance="tint">
            Not checked
          </Badge>
        )}
      </div>
      <Text size={300} className={styles.secondary}>
        {blocked
          ? 'Exchange Online refused Exchange Web Services to Exchange Connect: it is not on your organisation’s EWS allow list. Run the command below, then verify again.'
          : reached
            ? `Exchange Connect reached Exchange Web Services on ${formatDateTime(verification?.finishedAt)}. If your organisation restricts EWS to an allow list, keep Exchange Connect on it with the command below.`
            : 'Exchange Connect has not reached Exchange Web Services yet. If your organisation restricts EWS to an allow list, add Exchange Connect with the command below.'}
      </Text>
      <CommandBlock
        id="ews-allow-list-command"
        label="Exchange Online PowerShell:"
        command={ewsAllowListCommand(appId)}
      />
      <Text size={200} className={styles.secondary}>
        Since {longDate(EWS_DEFAULT_OFF_DATE)}, Exchange Online turns EWS off by default for apps that are not
        on the allow list. Microsoft switches EWS in Exchange Online off for good on{' '}
        {longDate(EWS_SHUTDOWN_DATE)}.
      </Text>
    </div>
  );
}
