/** Address-book operations: ResolveNames, GetRoomLists and GetRooms over the organisation's directory. */
import type { SeedTenant } from '../seed';
import type { OperationContext } from './mailbox-access';
import {
  NS,
  SUCCESS,
  errorMessage,
  operationResponse,
  responseMessageContent,
  type ResponseMessage,
} from './soap';
import { childOf, el, textEl, type XmlElement } from './xml';

interface DirectoryEntry {
  name: string;
  address: string;
  mailboxType: 'Mailbox' | 'PublicDL';
}

function emailAddressXml(entry: DirectoryEntry): string {
  return (
    textEl('t:Name', entry.name) +
    textEl('t:EmailAddress', entry.address) +
    textEl('t:RoutingType', 'SMTP') +
    textEl('t:MailboxType', entry.mailboxType)
  );
}

function directory(ctx: OperationContext['ctx'], tenant: SeedTenant): DirectoryEntry[] {
  return [
    ...tenant.users
      .filter((u) => ctx.exchange.hasMailbox(tenant.id, u.upn))
      .map((u) => ({ name: u.displayName, address: u.upn, mailboxType: 'Mailbox' as const })),
    ...tenant.rooms
      .filter((r) => ctx.exchange.hasMailbox(tenant.id, r.address))
      .map((r) => ({ name: r.displayName, address: r.address, mailboxType: 'Mailbox' as const })),
    ...tenant.roomLists.map((l) => ({
      name: l.displayName,
      address: l.address,
      mailboxType: 'PublicDL' as const,
    })),
  ];
}

/** ANR-style match: the whole address, or a prefix of the alias, the display name or one of its words. */
function matches(entry: DirectoryEntry, query: string): boolean {
  const q = query.toLowerCase().replace(/^smtp:/, '');
  if (!q) return false;
  const name = entry.name.toLowerCase();
  return (
    entry.address === q ||
    entry.address.split('@')[0]!.startsWith(q) ||
    name.startsWith(q) ||
    name.split(/\s+/).some((word) => word.startsWith(q))
  );
}

export function resolveNames(op: OperationContext, body: XmlElement): string {
  const query = childOf(body, NS.messages, 'UnresolvedEntry')?.text ?? '';
  const fullContact = body.attrs.ReturnFullContactData === 'true';
  const found = directory(op.ctx, op.tenant).filter((e) => matches(e, query));
  const message: ResponseMessage =
    found.length === 0
      ? errorMessage('ErrorNameResolutionNoResults')
      : found.length === 1
        ? SUCCESS
        : { responseClass: 'Warning', code: 'ErrorNameResolutionMultipleResults' };
  const resolutions = found.map((entry) => {
    const contact = fullContact
      ? el(
          't:Contact',
          {},
          textEl('t:DisplayName', entry.name) +
            el('t:EmailAddresses', {}, el('t:Entry', { Key: 'EmailAddress1' }, `SMTP:${entry.address}`)) +
            textEl('t:ContactSource', 'ActiveDirectory'),
        )
      : '';
    return el('t:Resolution', {}, el('t:Mailbox', {}, emailAddressXml(entry)) + contact);
  });
  const payload = el(
    'm:ResolutionSet',
    { TotalItemsInView: found.length, IncludesLastItemInRange: 'true' },
    resolutions.join(''),
  );
  const inner = el(
    'm:ResolveNamesResponseMessage',
    { ResponseClass: message.responseClass },
    responseMessageContent(message, payload),
  );
  return operationResponse('ResolveNames', el('m:ResponseMessages', {}, inner));
}

export function getRoomLists(op: OperationContext): string {
  const lists = op.tenant.roomLists.map((l) =>
    el(
      't:Address',
      {},
      emailAddressXml({ name: l.displayName, address: l.address, mailboxType: 'PublicDL' }),
    ),
  );
  return operationResponse(
    'GetRoomLists',
    responseMessageContent(SUCCESS, el('m:RoomLists', {}, lists.join(''))),
    { ResponseClass: 'Success' },
  );
}

export function getRooms(op: OperationContext, body: XmlElement): string {
  const address =
    childOf(childOf(body, NS.messages, 'RoomList'), NS.types, 'EmailAddress')?.text.toLowerCase() ?? '';
  const found = op.ctx.index.roomList(address);
  const list = found?.tenant.id === op.tenant.id ? found.list : undefined;
  if (!list) {
    // Exchange answers an address that is not a room list with a failed name resolution.
    const message = errorMessage('ErrorNameResolutionNoResults');
    return operationResponse('GetRooms', responseMessageContent(message), {
      ResponseClass: message.responseClass,
    });
  }
  const rooms = list.rooms
    .map((roomAddress) => op.ctx.index.room(roomAddress)?.room)
    .filter((room) => room !== undefined && op.ctx.exchange.hasMailbox(op.tenant.id, room.address))
    .map((room) =>
      el(
        't:Room',
        {},
        el(
          't:Id',
          {},
          emailAddressXml({ name: room!.displayName, address: room!.address, mailboxType: 'Mailbox' }),
        ),
      ),
    );
  return operationResponse('GetRooms', responseMessageContent(SUCCESS, el('m:Rooms', {}, rooms.join(''))), {
    ResponseClass: 'Success',
  });
}
