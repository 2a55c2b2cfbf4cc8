/** Links to the privacy statement and terms the app serves, under every page of the tab. */
import { Link, makeStyles, Text, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  footer: {
    display: 'flex',
    justifyContent: 'center',
    gap: tokens.spacingHorizontalL,
    padding: `0 ${tokens.spacingHorizontalXXL} ${tokens.spacingVerticalXXL}`,
  },
});

/** The pages open outside the tab: they are for reading, and Teams keeps the tab where it was. */
export function PolicyFooter() {
  const styles = useStyles();
  return (
    <footer className={styles.footer}>
      <Text size={200}>
        <Link href="/privacy" target="_blank" rel="noopener noreferrer">
          Privacy statement
        </Link>
      </Text>
      <Text size={200}>
        <Link href="/terms" target="_blank" rel="noopener noreferrer">
          Terms of use
        </Link>
      </Text>
    </footer>
  );
}
