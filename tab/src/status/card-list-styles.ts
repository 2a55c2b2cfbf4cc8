/** The status page's cards that list entries (rooms, activity): one padded card, stacked rows. */
import { makeStyles, tokens } from '@fluentui/react-components';

export const useCardListStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL },
  list: { listStyle: 'none', margin: 0, padding: 0 },
  row: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    padding: `${tokens.spacingVerticalS} 0`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
  },
});
