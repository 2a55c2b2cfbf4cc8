/** FindFolder over the distinguished folder tree: Shallow or Deep traversal, IndexedPageFolderView paging. */
import { childrenOfFolder, descendantsOfFolder, FOLDERS } from './folder-tree';
import { folderXml, resolveFolderRef } from './folders';
import { checkMailbox, type OperationContext } from './mailbox-access';
import {
  NS,
  SUCCESS,
  errorMessage,
  operationResponse,
  responseMessageContent,
  type ResponseMessage,
} from './soap';
import { readShape, type Shape } from './shape';
import { childOf, el, type XmlElement } from './xml';

function findResult(
  op: OperationContext,
  idElement: XmlElement,
  traversal: string,
  view: XmlElement | undefined,
  shape: Shape,
): { message: ResponseMessage; payload: string } {
  const ref = resolveFolderRef(op, idElement);
  if ('responseClass' in ref) return { message: ref, payload: '' };
  const denied = checkMailbox(op, ref.mailbox);
  if (denied) return { message: denied, payload: '' };
  if (!FOLDERS.has(ref.folder)) return { message: errorMessage('ErrorFolderNotFound'), payload: '' };
  const all =
    traversal === 'Deep'
      ? descendantsOfFolder(ref.folder)
      : traversal === 'Shallow'
        ? childrenOfFolder(ref.folder)
        : []; // SoftDeleted: the sandbox keeps no deleted folders
  const max = Number(view?.attrs.MaxEntriesReturned ?? all.length);
  const offset = Number(view?.attrs.Offset ?? 0);
  const fromEnd = view?.attrs.BasePoint === 'End';
  const start = fromEnd ? Math.max(0, all.length - offset - max) : offset;
  const shown = all.slice(start, Math.min(all.length, start + max));
  const includesLast = fromEnd ? offset === 0 : start + shown.length >= all.length;
  const payload = el(
    'm:RootFolder',
    {
      IndexedPagingOffset: fromEnd ? offset + shown.length : start + shown.length,
      TotalItemsInView: all.length,
      IncludesLastItemInRange: String(includesLast),
    },
    el('t:Folders', {}, shown.map((f) => folderXml(f, ref.mailbox, shape)).join('')),
  );
  return { message: SUCCESS, payload };
}

export function findFolder(op: OperationContext, body: XmlElement): string {
  const shape = readShape(childOf(body, NS.messages, 'FolderShape'));
  const view = childOf(body, NS.messages, 'IndexedPageFolderView');
  const traversal = body.attrs.Traversal ?? 'Shallow';
  const ids = childOf(body, NS.messages, 'ParentFolderIds')?.children ?? [];
  const messages = ids.map((idElement) => {
    const { message, payload } = findResult(op, idElement, traversal, view, shape);
    return el(
      'm:FindFolderResponseMessage',
      { ResponseClass: message.responseClass },
      responseMessageContent(message, payload),
    );
  });
  return operationResponse('FindFolder', el('m:ResponseMessages', {}, messages.join('')));
}
