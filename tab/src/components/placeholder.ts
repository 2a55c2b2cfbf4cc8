/**
 * Placeholders are examples, never values: they must not look like typed text. Teams' own
 * high-contrast palette draws them in the text colour (see theme.ts); Windows' forced colours do
 * the same unless told to use GrayText, the system colour for text that is not content.
 */
import { makeStyles, tokens } from '@fluentui/react-components';

export const usePlaceholderStyles = makeStyles({
  input: {
    '& input::placeholder': { color: tokens.colorNeutralForeground4 },
    '@media (forced-colors: active)': { '& input::placeholder': { color: 'GrayText' } },
  },
});
