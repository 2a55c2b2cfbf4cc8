/** Shown to anyone who is not a Global Administrator: who can connect, and why. Nothing else. */
import {
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Text,
  tokens,
} from '@fluentui/react-components';
import { StepHeading } from '../components/StepHeading';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  text: { margin: 0 },
  list: {
    margin: 0,
    paddingLeft: tokens.spacingHorizontalXL,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
  },
});

export function NotAdmin({ upn }: { upn: string }) {
  const styles = useStyles();
  return (
    <section className={styles.root} aria-labelledby="not-admin-heading" data-testid="not-admin">
      <StepHeading>
        <span id="not-admin-heading">A Global Administrator needs to connect Exchange</span>
      </StepHeading>
      <MessageBar intent="info" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>
            You are signed in as {upn || 'a user'}, who is not a Global Administrator.
          </MessageBarTitle>
          Exchange Connect can only be connected, verified or disconnected by a Global Administrator of your
          organisation.
        </MessageBarBody>
      </MessageBar>
      <Text as="h3" size={400} weight="semibold" className={styles.text}>
        Why only a Global Administrator?
      </Text>
      <ul className={styles.list}>
        <li>
          <Text size={300}>
            Connecting Exchange Online grants Exchange Connect “full access to all mailboxes” through admin
            consent, which Microsoft Entra ID lets only a Global Administrator give for the whole
            organisation.
          </Text>
        </li>
        <li>
          <Text size={300}>
            Connecting Exchange Server stores a service account that may act on behalf of every mailbox, so it
            is protected the same way.
          </Text>
        </li>
      </ul>
      <Text as="p" size={300} className={styles.text}>
        Ask a Global Administrator of your organisation to open Exchange Connect in Microsoft Teams and
        connect it. Nobody else needs to set anything up.
      </Text>
    </section>
  );
}
