/** The product name on the left, the signed-in admin on the right: on every page. */
import { Avatar, makeStyles, Text, tokens } from '@fluentui/react-components';
import { MailInboxCheckmarkRegular } from '@fluentui/react-icons';

const useStyles = makeStyles({
  header: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalXXL}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  brand: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  brandIcon: { fontSize: '24px', color: tokens.colorBrandForeground1 },
  user: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, minWidth: 0 },
  userText: { display: 'flex', flexDirection: 'column', alignItems: 'flex-end', minWidth: 0 },
  upn: { color: tokens.colorNeutralForeground2, overflow: 'hidden', textOverflow: 'ellipsis' },
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
