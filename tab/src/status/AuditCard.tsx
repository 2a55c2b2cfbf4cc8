/**
 * Who did what to the connection: admin actions and verification outcomes, newest first, with the
 * tab's automatic re-checks folded into one line each.
 */
import { useEffect, useState } from 'react';
import { Card, CardHeader, makeStyles, Spinner, Text, tokens } from '@fluentui/react-components';
import type { AuditView } from '../../../api/src/http/contract';
import { formatDateTime } from '../verification/format';
import { useCardListStyles } from './card-list-styles';

const useStyles = makeStyles({
  secondary: { color: tokens.colorNeutralForeground2, overflowWrap: 'anywhere' },
});

type Entry = AuditView['entries'][number];

const ACTIONS: Record<string, string> = {
  'consent.start': 'Opened admin consent',
  'consent.complete': 'Admin consent',
  'integration.connect.basic': 'Connected Exchange Server',
  'integration.password.update': 'Updated the service account password',
  'integration.verify': 'Verified',
  'integration.verification_mailbox.change': 'Chose the verification mailbox',
  'integration.scope.prove': 'Proved the room-only scope',
  'integration.disconnect': 'Disconnected',
};

/** Actions whose target is a mailbox; the others target the connection's internal id, noise here. */
const MAILBOX_TARGETS = new Set([
  'integration.verify',
  'integration.verification_mailbox.change',
  'integration.scope.prove',
]);

function describe(e: Entry): string {
  const what = ACTIONS[e.action] ?? e.action;
  const result =
    e.result === 'failure'
      ? ` — failed${e.code ? ` (${e.code})` : ''}`
      : e.outcome && e.outcome !== 'verified'
        ? ` — ${e.outcome}`
        : '';
  const target = e.target && MAILBOX_TARGETS.has(e.action) ? ` ${e.target}` : '';
  if (e.count !== undefined) {
    return `Automatic re-check${e.count > 1 ? `s ×${e.count}` : ''} of${target || ' the connection'}${result}`;
  }
  return `${what}${target}${result}`;
}

export function AuditCard({ load }: { load: () => Promise<AuditView> }) {
  const styles = useStyles();
  const listStyles = useCardListStyles();
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    load().then(
      (view) => !cancelled && setEntries(view.entries.slice(0, 20)),
      (e: unknown) => !cancelled && setFailed(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [load]);
  return (
    <Card className={listStyles.card} data-testid="audit-card">
      <CardHeader
        header={
          <Text as="h3" size={400} weight="semibold" style={{ margin: 0 }}>
            Activity
          </Text>
        }
        description={
          <Text size={200} className={styles.secondary}>
            Changes to the connection and verifications, newest first.
          </Text>
        }
      />
      {failed ? <Text role="alert">{`The activity could not load: ${failed}`}</Text> : null}
      {!entries && !failed ? <Spinner size="tiny" label="Loading activity…" /> : null}
      {entries ? (
        <ul className={listStyles.list} aria-label="Activity on the Exchange connection">
          {entries.map((e) => (
            <li
              key={`${e.at}-${e.action}-${e.actorUpn}`}
              className={listStyles.row}
              data-testid="audit-entry"
            >
              <Text size={300}>{describe(e)}</Text>
              <Text size={200} className={styles.secondary}>
                {`${e.actorUpn} · ${formatDateTime(e.at)}${e.since && e.count && e.count > 1 ? ` (since ${formatDateTime(e.since)})` : ''}`}
              </Text>
            </li>
          ))}
        </ul>
      ) : null}
    </Card>
  );
}
