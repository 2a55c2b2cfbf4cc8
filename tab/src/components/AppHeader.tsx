/** The product name on the left, the signed-in admin on the right: on every page. */
import { Avatar, makeStyles, Text, tokens } from '@fluentui/react-components';
import { MailInboxCheckmarkRegular } from '@fluentui/react-icons';
import { NARROW } from './layout';

const useStyles = makeStyles({
  header: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    // Too narrow for both on one line: the signed-in admin moves under the product name.
    flexWrap: 'wrap',
    gap: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalXXL}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
    [NARROW]: { padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}` },
  },
  brand: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, whiteSpace: 'nowrap' },
  brandIcon: { fontSize: '24px', color: tokens.colorBrandForeground1 },
  user: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    minWidth: 0,
    marginLeft: 'auto',
  },
  userText: { display: 'flex', flexDirection: 'column', alignItems: 'flex-end', minWidth: 0 },
  // A UPN is never cut off: it is who is signed in. A very long one breaks anywhere instead.
  upn: { color: tokens.colorNeutralForeground2, overflowWrap: 'anywhere', textAlign: 'right' },
});

export function AppHeader({ upn, displayName }: { upn: string; displayName?: string }) {
  const styles = useStyles();
  return (
    <header className={styles.header}>
      <div className={styles.brand}>
        <MailInboxCheckmarkRegular className={styles.brandIcon} aria-hidden="true" />
        {/* The page's one h1; each page's own heading is an h2 below it. */}
        <Text as="h1" size={400} weight="semibold" style={{ margin: 0 }}>
          Exchange Connect
        </Text>
      </div>
      {upn ? (
        <div className={styles.user} aria-label={`Signed in as ${upn}`} role="group">
          <div className={styles.userText}>
            {displayName ? (
              <Text size={300} weight="semibold">
                {displayName}
              </Text>
            ) : null}
            <Text size={200} className={styles.upn} data-testid="signed-in-upn">
              {upn}
            </Text>
          </div>
          <Avatar name={displayName ?? upn} size={32} aria-hidden="true" />
        </div>
      ) : null}
    </header>
  );
}
