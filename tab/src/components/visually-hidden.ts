/** Out of sight, still read by screen readers: the usual clip pattern, as one style. */
import type { GriffelStyle } from '@fluentui/react-components';

export const VISUALLY_HIDDEN: GriffelStyle = {
  position: 'absolute',
  width: '1px',
  height: '1px',
  margin: '-1px',
  padding: 0,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
  border: 0,
};
