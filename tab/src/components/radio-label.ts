/**
 * Fluent greys the label of an unchecked radio, so the choice not taken reads as unavailable (the
 * recommended one included). Every option of a choice here is available: all labels in full colour.
 * The class goes on a span inside the label: Fluent's grey comes from a selector no class outranks.
 */
import { makeStyles, tokens } from '@fluentui/react-components';

export const useRadioLabelStyles = makeStyles({
  label: { color: tokens.colorNeutralForeground1 },
});
