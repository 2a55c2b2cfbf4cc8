/** The verification steps the server runs for each method, and how the checklist names them. */
import type { Method, StepView } from '../../../api/src/http/contract';

export type StepName = StepView['name'];

export const EXPECTED_STEPS: Record<Method, StepName[]> = {
  modern: ['endpoint', 'token', 'permission', 'mailbox', 'rooms'],
  basic: ['endpoint', 'credentials', 'mailbox', 'rooms'],
};

export function stepLabel(name: StepName, mailbox: string): string {
  switch (name) {
    case 'endpoint':
      return 'Exchange Web Services endpoint';
    case 'token':
      return 'App-only token from Microsoft Entra ID';
    case 'permission':
      return 'Permission: full access to all mailboxes';
    case 'credentials':
      return 'Service account credentials';
    case 'mailbox':
      return mailbox ? `Open the mailbox ${mailbox}` : 'Open your mailbox';
    case 'rooms':
      return 'Find meeting rooms';
  }
}
