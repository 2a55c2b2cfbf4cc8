/**
 * The rooms the platform uses, each with the newest word on it (a health run's sample or the last
 * verification), the remedy for one that cannot be read, and a re-check. Rows are stacked blocks,
 * not a table, so they fit a 320 px side panel without scrolling sideways.
 */
import { useState } from 'react';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  makeStyles,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import type { ConnectionStatusView } from '../../../api/src/http/contract';
import { formatDateTime } from '../verification/format';
import { useCardListStyles } from './card-list-styles';

const useStyles = makeStyles({
  head: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  name: { overflowWrap: 'anywhere' },
  secondary: { color: tokens.colorNeutralForeground2, overflowWrap: 'anywhere' },
  actions: {
    display: 'flex',
    gap: tokens.spacingHorizontalS,
    alignItems: 'center',
    marginTop: tokens.spacingVerticalM,
  },
});

type Room = ConnectionStatusView['rooms'][number];

function summary(rooms: Room[]): string {
  const unreachable = rooms.filter((r) => !r.reachable).length;
  if (rooms.length === 0) return 'No rooms found yet.';
  if (unreachable === 0) return `All ${rooms.length} rooms can be read.`;
  return `${unreachable} of ${rooms.length} rooms cannot be read.`;
}

export function RoomsCard({ rooms, recheck }: { rooms: Room[]; recheck: () => Promise<void> }) {
  const styles = useStyles();
  const listStyles = useCardListStyles();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setFailed(null);
    try {
      await recheck();
    } catch (e) {
      setFailed(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card className={listStyles.card} data-testid="rooms-card">
      <CardHeader
        header={
          <Text as="h3" size={400} weight="semibold" style={{ margin: 0 }}>
            Meeting rooms
          </Text>
        }
        description={
          <Text size={200} className={styles.secondary}>
            {summary(rooms)}
          </Text>
        }
      />
      {rooms.length > 0 ? (
        <ul
          className={listStyles.list}
          aria-label="Meeting rooms and calendar access"
          data-testid="rooms-list"
        >
          {rooms.map((room) => (
            <li
              key={room.address}
              className={listStyles.row}
              data-room={room.address}
              data-reachable={room.reachable}
            >
              <div className={styles.head}>
                <Text weight="semibold" className={styles.name}>
                  {room.name ?? room.address}
                </Text>
                <Badge color={room.reachable ? 'success' : 'danger'} appearance="tint">
                  {room.reachable ? 'Calendar readable' : `Not readable${room.code ? ` (${room.code})` : ''}`}
                </Badge>
              </div>
              {room.name ? (
                <Text size={200} className={styles.secondary}>
                  {room.address}
                </Text>
              ) : null}
              <Text size={200} className={styles.secondary}>
                {`${room.source === 'health' ? 'Health check' : 'Verification'} · ${formatDateTime(room.checkedAt)}`}
              </Text>
              {room.remediation ? (
                <Text size={300} data-testid={`room-remedy-${room.address}`}>
                  {room.remediation}
                </Text>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      <div className={styles.actions}>
        <Button onClick={() => void run()} disabled={busy}>
          Re-check rooms
        </Button>
        {busy ? <Spinner size="tiny" label="Checking the connection and rooms…" /> : null}
        {failed ? (
          <Text size={200} role="alert">
            {failed}
          </Text>
        ) : null}
      </div>
    </Card>
  );
}
