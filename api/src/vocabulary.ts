/**
 * One vocabulary for the tab, the bot and the CLI: what each verification step is called for each
 * protocol, and which steps a verification runs. Pure and browser-safe (the tab imports it).
 */
import type { StepName } from './integrations/steps';
import { ROOM_LIST_COMMANDS } from './powershell-commands';
import type { VerificationStepStatus } from './store/types';

export type ConnectionKind = {
  method: 'modern' | 'basic';
  /** Exchange Online's protocol; Exchange Server always speaks EWS. */
  protocol?: 'graph' | 'ews' | undefined;
  /** Exchange Online over Graph: limited to room mailboxes, or the whole organisation. */
  accessScope?: 'organisation' | 'rooms' | undefined;
};

export const PROTOCOL_NAMES = {
  graph: 'Microsoft Graph',
  ews: 'Exchange Web Services (EWS)',
} as const;

/** The protocol a connection speaks: Exchange Online says which, Exchange Server is always EWS. */
export function protocolName(kind: ConnectionKind): string {
  return PROTOCOL_NAMES[kind.method === 'modern' ? (kind.protocol ?? 'ews') : 'ews'];
}

function permissionLabel(kind: ConnectionKind): string {
  if (kind.protocol !== 'graph') return 'Permission: full access to all mailboxes (full_access_as_app)';
  return kind.accessScope === 'rooms'
    ? 'Permission: Place.Read.All (calendars through the room-only role assignment)'
    : 'Permissions: Calendars.ReadWrite and Place.Read.All';
}

/** A settled step's result in words: the tab's checklist and the CLI's trace say the same. */
export const STEP_STATUS_TEXT = {
  ok: 'Passed',
  failed: 'Failed',
  pending: 'Waiting for Microsoft 365',
  skipped: 'Not checked',
} as const satisfies Record<VerificationStepStatus, string>;

export function stepLabel(name: StepName, kind: ConnectionKind, mailbox?: string): string {
  switch (name) {
    case 'endpoint':
      return `${protocolName(kind)} endpoint`;
    case 'token':
      return 'App-only token from Microsoft Entra ID';
    case 'permission':
      return permissionLabel(kind);
    case 'credentials':
      return 'Service account password';
    case 'mailbox':
      return mailbox ? `Open the mailbox ${mailbox}` : 'Open your mailbox';
    case 'scope':
      return 'A mailbox outside the room-only scope is refused';
    case 'rooms':
      return 'Find meeting rooms';
    case 'keyVault':
      return 'Password stored in Azure Key Vault';
    case 'interrupted':
      return 'Verification interrupted';
  }
}

/** The steps a verification runs, in order (the checklist shows them before they settle). */
export function expectedSteps(
  kind: ConnectionKind,
  options: { scopeProof?: boolean; newCredentials?: boolean } = {},
): StepName[] {
  if (kind.method === 'basic')
    return options.newCredentials
      ? ['endpoint', 'credentials', 'mailbox', 'rooms', 'keyVault']
      : ['endpoint', 'credentials', 'mailbox', 'rooms'];
  return options.scopeProof
    ? ['endpoint', 'token', 'permission', 'mailbox', 'scope', 'rooms']
    : ['endpoint', 'token', 'permission', 'mailbox', 'rooms'];
}

/**
 * Rooms are found through room lists, so an organisation without one shows no rooms. Places
 * (Graph) can take up to 48 hours to show a new room or list, Microsoft says; GetRooms reads
 * Exchange's own lists at once.
 */
export function noRoomListsAdvice(kind: ConnectionKind): string {
  const create = `Exchange has no room lists yet, and rooms are found through them: create one with ${ROOM_LIST_COMMANDS[0]}, then add each room with ${ROOM_LIST_COMMANDS[1]}.`;
  return kind.method === 'modern' && kind.protocol === 'graph'
    ? `${create} New rooms and lists can take up to 48 hours to appear in Microsoft Graph (Places).`
    : create;
}
