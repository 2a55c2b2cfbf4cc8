/**
 * "Limit Exchange Connect to room mailboxes" (RBAC for Applications), for Exchange Online over
 * Microsoft Graph: the exact PowerShell with this organisation's values, the Entra grant that must
 * go, and the proof — a room opens and a mailbox outside the scope is refused.
 */
import { useEffect, useRef, useState } from 'react';
import {
  Button,
  Card,
  CardHeader,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Text,
  tokens,
} from '@fluentui/react-components';
import type { IntegrationView } from '../../../api/src/http/contract';
import {
  ROOM_SCOPE_APPLY_HOURS,
  ROOM_SCOPE_FILTER,
  ROOM_SCOPE_ROLE,
  roomScopeCommands,
} from '../../../api/src/room-scope-commands';
import { CommandBlock } from '../components/CommandBlock';
import { minWidthUpTo } from '../components/layout';

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL },
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  steps: {
    margin: 0,
    paddingLeft: tokens.spacingHorizontalXL,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
  },
  secondary: { color: tokens.colorNeutralForeground2 },
  fields: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalL },
  field: { flexGrow: 1, minWidth: minWidthUpTo(200) },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  mono: { fontFamily: tokens.fontFamilyMonospace, overflowWrap: 'anywhere' },
});

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function RoomScopeCard({
  appId,
  integration,
  suggestedRoom,
  me,
  onProve,
}: {
  appId: string;
  integration: IntegrationView;
  /** A room the last checks could read, to fill in. */
  suggestedRoom: string | undefined;
  /** The signed-in admin: the mailbox that must be refused, by default. */
  me: string;
  onProve: (proof: { room: string; outside: string }) => void;
}) {
  const styles = useStyles();
  const [open, setOpen] = useState(false);
  const toggled = useRef(false);
  const intro = useRef<HTMLSpanElement>(null);
  const showSteps = useRef<HTMLButtonElement>(null);
  // The button pressed goes away with the toggle: focus follows to the steps (or back), so a
  // keyboard or screen-reader user is not dropped at the top of the page.
  useEffect(() => {
    if (toggled.current) (open ? intro.current : showSteps.current)?.focus();
  }, [open]);
  const toggle = (next: boolean) => {
    toggled.current = true;
    setOpen(next);
  };
  const [room, setRoom] = useState(suggestedRoom ?? '');
  const [outside, setOutside] = useState(me);
  const limited = integration.accessScope === 'rooms';

  if (limited) {
    return (
      <Card className={styles.card} data-testid="room-scope">
        <CardHeader
          header={
            <Text as="h3" size={400} weight="semibold" style={{ margin: 0 }}>
              Limited to room mailboxes
            </Text>
          }
        />
        <Text size={300}>
          {`Proven: ${integration.verificationMailbox ?? 'a room'} opens and a user mailbox is refused. Under this scope Exchange Connect verifies with a room mailbox (the admin-mailbox rule is for full access), and health keeps checking that the scope still holds.`}
        </Text>
      </Card>
    );
  }

  const commands = integration.servicePrincipalId
    ? roomScopeCommands({
        appId,
        servicePrincipalId: integration.servicePrincipalId,
        room: room || 'room@your-domain',
      })
    : undefined;
  const valid = EMAIL.test(room) && EMAIL.test(outside);
  return (
    <Card className={styles.card} data-testid="room-scope">
      <CardHeader
        header={
          <Text as="h3" size={400} weight="semibold" style={{ margin: 0 }}>
            Limit Exchange Connect to room mailboxes
          </Text>
        }
        description={
          <Text size={200} className={styles.secondary}>
            Optional. Least privilege with RBAC for Applications in Exchange Online.
          </Text>
        }
      />
      {!open ? (
        <div className={styles.actions}>
          <Button ref={showSteps} onClick={() => toggle(true)}>
            Show the steps
          </Button>
        </div>
      ) : (
        <div className={styles.body}>
          <Text size={300} ref={intro} tabIndex={-1}>
            Today the admin consent lets Exchange Connect open every mailbox in your organisation. These steps
            limit it to room mailboxes, then Exchange Connect proves it: a room opens and a mailbox outside
            the scope is refused.
          </Text>
          {commands ? (
            <ol className={styles.steps}>
              <li>
                <CommandBlock
                  id="rbac-service-principal"
                  label="In Exchange Online PowerShell, register Exchange Connect's service principal:"
                  command={commands.servicePrincipal}
                />
              </li>
              <li>
                <CommandBlock
                  id="rbac-scope"
                  label={`Create a management scope of room mailboxes (${ROOM_SCOPE_FILTER}):`}
                  command={commands.scope}
                />
              </li>
              <li>
                <CommandBlock
                  id="rbac-assignment"
                  label={`Assign the ${ROOM_SCOPE_ROLE} role in that scope:`}
                  command={commands.assignment}
                />
              </li>
              <li>
                <Text size={300}>
                  In the Microsoft Entra admin center, open Enterprise applications → Exchange Connect →
                  Permissions and revoke <span className={styles.mono}>Calendars.ReadWrite</span>. As long as
                  this tenant-wide grant exists it widens access to every mailbox, whatever the scope says.
                  Keep <span className={styles.mono}>Place.Read.All</span> (room lists).
                </Text>
              </li>
              <li>
                <CommandBlock
                  id="rbac-test"
                  label="Check the assignment for a room (InScope must be True):"
                  command={commands.test}
                />
              </li>
            </ol>
          ) : (
            <MessageBar intent="info" layout="multiline">
              <MessageBarBody>
                Verify the connection once more: Exchange Connect learns its service principal id in your
                organisation from its token, and fills it into the commands.
              </MessageBarBody>
            </MessageBar>
          )}
          <MessageBar intent="info" layout="multiline">
            <MessageBarBody>
              <MessageBarTitle>Then prove it</MessageBarTitle>
              {`Changes to RBAC for Applications can take up to ${ROOM_SCOPE_APPLY_HOURS} hours to apply. Once they have, the proof opens the room below and must be refused the user mailbox. From then on Exchange Connect verifies with that room.`}
            </MessageBarBody>
          </MessageBar>
          <div className={styles.fields}>
            <Field label="Room mailbox that must open" className={styles.field}>
              <Input
                value={room}
                onChange={(_, d) => setRoom(d.value.trim())}
                type="email"
                data-testid="scope-room"
              />
            </Field>
            <Field label="User mailbox that must be refused" className={styles.field}>
              <Input
                value={outside}
                onChange={(_, d) => setOutside(d.value.trim())}
                type="email"
                data-testid="scope-outside"
              />
            </Field>
          </div>
          <div className={styles.actions}>
            <Button appearance="primary" disabled={!valid} onClick={() => onProve({ room, outside })}>
              Prove the scope
            </Button>
            <Button onClick={() => toggle(false)}>Hide the steps</Button>
          </div>
        </div>
      )}
    </Card>
  );
}
