/**
 * Exchange Online's second throttling answer: HTTP 200, every response message
 * ResponseClass="Error" with ErrorInternalServerError, and the real cause in MessageXml
 * (InnerErrorResponseCode ErrorServerBusy and the BackOffMilliseconds to honour).
 */
import { EWS_MESSAGES, NS, errorMessage, operationResponse, responseMessageContent } from './soap';
import { childOf, el, type XmlElement } from './xml';

/** Operations answered with one `m:{Operation}ResponseMessage` per requested item, and where the items are. */
const ITEMS_OF: Record<string, string> = {
  GetFolder: 'FolderIds',
  FindFolder: 'ParentFolderIds',
  FindItem: 'ParentFolderIds',
};

export function innerServerBusyResponse(operation: string, body: XmlElement, backOffMs: number): string {
  const message = errorMessage('ErrorInternalServerError', {
    InnerErrorMessageText: EWS_MESSAGES.ErrorServerBusy,
    InnerErrorResponseCode: 'ErrorServerBusy',
    InnerErrorDescriptiveLinkKey: '0',
    BackOffMilliseconds: String(backOffMs),
  });
  const content = responseMessageContent(message);
  // GetRoomLists and GetRooms carry the response message on the response element itself.
  if (operation === 'GetRoomLists' || operation === 'GetRooms') {
    return operationResponse(operation, content, { ResponseClass: 'Error' });
  }
  const itemsElement = ITEMS_OF[operation];
  const count = itemsElement
    ? Math.max(1, childOf(body, NS.messages, itemsElement)?.children.length ?? 1)
    : 1;
  const one = el(`m:${operation}ResponseMessage`, { ResponseClass: 'Error' }, content);
  return operationResponse(operation, el('m:ResponseMessages', {}, one.repeat(count)));
}
