/** GetFolder over the mailbox's distinguished folders (root, msgfolderroot, inbox, calendar, …). */
import { calendarTotalCount } from '../calendar-data';
import { FOLDERS, type FolderInfo } from './folder-tree';
import { checkMailbox, type OperationContext } from './mailbox-access';
import {
  NS,
  SUCCESS,
  errorMessage,
  operationResponse,
  responseMessageContent,
  type ResponseMessage,
} from './soap';
import { readShape, wants as wantsInShape, type Shape } from './shape';
import type { OptionalFolderProperty } from '../faults';
import { childOf, el, textEl, type XmlElement } from './xml';

export interface FolderRef {
  mailbox: string;
  folder: string;
}

export const folderId = (mailbox: string, folder: string) =>
  Buffer.from(`folder|${mailbox}|${folder}`).toString('base64');
const changeKey = (mailbox: string, folder: string) =>
  Buffer.from(`ck|${mailbox}|${folder}`).toString('base64').slice(0, 40);

/**
 * The mailbox and folder a DistinguishedFolderId or FolderId points at. A distinguished folder
 * without a Mailbox means the acting mailbox; a service account acting as itself has none.
 */
export function resolveFolderRef(op: OperationContext, idElement: XmlElement): FolderRef | ResponseMessage {
  if (idElement.name === 'FolderId') {
    const decoded = Buffer.from(idElement.attrs.Id ?? '', 'base64')
      .toString('utf8')
      .split('|');
    if (decoded.length !== 3 || decoded[0] !== 'folder') return errorMessage('ErrorInvalidIdMalformed');
    return { mailbox: decoded[1] ?? '', folder: decoded[2] ?? '' };
  }
  const explicit = childOf(
    childOf(idElement, NS.types, 'Mailbox'),
    NS.types,
    'EmailAddress',
  )?.text.toLowerCase();
  const mailbox = explicit ?? op.actingMailbox;
  if (!mailbox) return errorMessage('ErrorMissingEmailAddress');
  return { mailbox, folder: idElement.attrs.Id ?? '' };
}

/**
 * One folder element in the requested shape (FolderShape), children in schema order, without the
 * optional properties this answer omits.
 */
export function folderXml(
  info: FolderInfo,
  mailbox: string,
  shape: Shape,
  omitted: ReadonlySet<OptionalFolderProperty> = new Set(),
): string {
  const wants = (fieldUri: string, tier: Parameters<typeof wantsInShape>[2]) =>
    !omitted.has(fieldUri.slice('folder:'.length) as OptionalFolderProperty) &&
    wantsInShape(shape, fieldUri, tier);
  const parts: string[] = [];
  parts.push(
    el('t:FolderId', { Id: folderId(mailbox, info.name), ChangeKey: changeKey(mailbox, info.name) }),
  );
  if (info.parent && wants('folder:ParentFolderId', 'AllProperties')) {
    parts.push(
      el('t:ParentFolderId', {
        Id: folderId(mailbox, info.parent),
        ChangeKey: changeKey(mailbox, info.parent),
      }),
    );
  }
  if (info.folderClass && wants('folder:FolderClass', 'AllProperties')) {
    parts.push(textEl('t:FolderClass', info.folderClass));
  }
  if (wants('folder:DisplayName', 'Default')) parts.push(textEl('t:DisplayName', info.displayName));
  const total = info.name === 'calendar' ? calendarTotalCount(mailbox) : 0;
  if (wants('folder:TotalCount', 'Default')) parts.push(textEl('t:TotalCount', total));
  if (wants('folder:ChildFolderCount', 'Default'))
    parts.push(textEl('t:ChildFolderCount', info.childFolderCount));
  const hasUnread = info.element === 't:Folder' || info.element === 't:TasksFolder';
  if (hasUnread && wants('folder:UnreadCount', 'Default')) parts.push(textEl('t:UnreadCount', 0));
  return el(info.element, {}, parts.join(''));
}

function folderResult(
  op: OperationContext,
  idElement: XmlElement,
  shape: Shape,
): { message: ResponseMessage; payload: string } {
  const ref = resolveFolderRef(op, idElement);
  if ('responseClass' in ref) return { message: ref, payload: '' };
  const info = FOLDERS.get(ref.folder);
  const denied = checkMailbox(op, ref.mailbox);
  if (denied) return { message: denied, payload: '' };
  if (!info) return { message: errorMessage('ErrorFolderNotFound'), payload: '' };
  return {
    message: SUCCESS,
    payload: el('m:Folders', {}, folderXml(info, ref.mailbox, shape, op.omitted)),
  };
}

export function getFolder(op: OperationContext, body: XmlElement): string {
  const shape = readShape(childOf(body, NS.messages, 'FolderShape'));
  const ids = childOf(body, NS.messages, 'FolderIds')?.children ?? [];
  const messages = ids.map((idElement) => {
    const { message, payload } = folderResult(op, idElement, shape);
    return el(
      'm:GetFolderResponseMessage',
      { ResponseClass: message.responseClass },
      responseMessageContent(message, payload),
    );
  });
  return operationResponse('GetFolder', el('m:ResponseMessages', {}, messages.join('')));
}
