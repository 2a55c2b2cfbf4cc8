/** The checklist's step names: the one vocabulary the bot and the CLI use too. */
import type { StepView } from '../../../api/src/http/contract';
export { expectedSteps, stepLabel, STEP_STATUS_TEXT, type ConnectionKind } from '../../../api/src/vocabulary';

export type StepName = StepView['name'];
