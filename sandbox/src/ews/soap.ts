/**
 * SOAP 1.1 envelopes exactly as Exchange writes them: `s:` envelope, `h:ServerVersionInfo` in the
 * header, the response element declaring `m:`/`t:` itself, and HTTP 500 faults whose detail carries
 * `e:ResponseCode`, `e:Message` and `t:MessageXml`.
 */
import { el, escapeXml, textEl } from './xml';

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  errors: 'http://schemas.microsoft.com/exchange/services/2006/errors',
} as const;

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const XSD = 'http://www.w3.org/2001/XMLSchema';

export interface ServerVersionInfo {
  major: number;
  minor: number;
  build: number;
  revision: number;
  version: string;
}

/** The Exchange error texts the sandbox sends, as Exchange words them. */
export const EWS_MESSAGES = {
  ErrorNonExistentMailbox: 'The SMTP address has no mailbox associated with it.',
  ErrorImpersonateUserDenied: 'The account does not have permission to impersonate the requested user.',
  ErrorInvalidExchangeImpersonationHeaderData:
    'ExchangeImpersonation SOAP header must be present for this type of OAuth token.',
  ErrorAccessDenied: 'Access is denied. Check credentials and try again.',
  ErrorServerBusy: 'The server cannot service this request right now. Try again later.',
  ErrorNameResolutionNoResults: 'No results were found.',
  ErrorNameResolutionMultipleResults: 'Multiple results were found.',
  ErrorMissingEmailAddress:
    'When making a request as an account that does not have a mailbox, you must specify the mailbox primary SMTP address for any distinguished folder Ids.',
  ErrorFolderNotFound: 'The specified folder could not be found in the store.',
  ErrorInvalidIdMalformed: 'Id is malformed.',
  ErrorInvalidServerVersion: 'The specified server version is invalid.',
  ErrorCalendarEndDateIsEarlierThanStartDate: 'EndDate is earlier than StartDate',
  ErrorCalendarFolderIsInvalidForCalendarView: 'Calendar folder is invalid for CalendarView.',
  ErrorInvalidRequest: 'The request is invalid.',
  ErrorInvalidOperation: 'This operation is not supported by this Exchange server.',
  ErrorInternalServerError: 'An internal server error occurred. The operation failed.',
  ErrorInternalServerTransientError: 'An internal server error occurred. Try again later.',
} as const;
export type EwsResponseCode = keyof typeof EWS_MESSAGES | 'ErrorSchemaValidation';

export interface EwsFault {
  code: EwsResponseCode;
  message: string;
  /** `t:MessageXml` values (`<t:Value Name="…">`), e.g. SmtpAddress or BackOffMilliseconds. */
  values?: Record<string, string>;
}

export function fault(code: keyof typeof EWS_MESSAGES, values?: Record<string, string>): EwsFault {
  return { code, message: EWS_MESSAGES[code], ...(values ? { values } : {}) };
}

export function responseEnvelope(server: ServerVersionInfo, bodyElement: string): string {
  const header = el('h:ServerVersionInfo', {
    MajorVersion: server.major,
    MinorVersion: server.minor,
    MajorBuildNumber: server.build,
    MinorBuildNumber: server.revision,
    Version: server.version,
    'xmlns:h': NS.types,
    xmlns: NS.types,
    'xmlns:xsd': XSD,
    'xmlns:xsi': XSI,
  });
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap}"><s:Header>${header}</s:Header>` +
    `<s:Body xmlns:xsi="${XSI}" xmlns:xsd="${XSD}">${bodyElement}</s:Body></s:Envelope>`
  );
}

/** `<m:{Operation}Response>` declaring both EWS namespaces, so it stands alone for schema checks. */
export function operationResponse(
  operation: string,
  inner: string,
  attrs: Record<string, string> = {},
): string {
  return el(`m:${operation}Response`, { ...attrs, 'xmlns:m': NS.messages, 'xmlns:t': NS.types }, inner);
}

export interface ResponseMessage {
  responseClass: 'Success' | 'Warning' | 'Error';
  code: EwsResponseCode | 'NoError';
  messageXml?: Record<string, string>;
}

export const SUCCESS: ResponseMessage = { responseClass: 'Success', code: 'NoError' };

export function errorMessage(
  code: keyof typeof EWS_MESSAGES,
  messageXml?: Record<string, string>,
): ResponseMessage {
  return { responseClass: 'Error', code, ...(messageXml ? { messageXml } : {}) };
}

/** The ResponseMessageType sequence: MessageText, ResponseCode, DescriptiveLinkKey, MessageXml, then the payload. */
export function responseMessageContent(message: ResponseMessage, payload = ''): string {
  const text =
    message.code === 'NoError' || message.code === 'ErrorSchemaValidation'
      ? ''
      : textEl('m:MessageText', EWS_MESSAGES[message.code]);
  const descriptive = message.responseClass === 'Success' ? '' : textEl('m:DescriptiveLinkKey', 0);
  return (
    text +
    textEl('m:ResponseCode', message.code) +
    descriptive +
    (message.messageXml ? el('m:MessageXml', {}, messageValues(message.messageXml)) : '') +
    (message.responseClass === 'Error' ? '' : payload)
  );
}

function messageValues(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `<t:Value Name="${escapeXml(name)}">${escapeXml(value)}</t:Value>`)
    .join('');
}

export function faultEnvelope(f: EwsFault): string {
  const detail =
    `<e:ResponseCode xmlns:e="${NS.errors}">${f.code}</e:ResponseCode>` +
    `<e:Message xmlns:e="${NS.errors}">${escapeXml(f.message)}</e:Message>` +
    (f.values ? `<t:MessageXml xmlns:t="${NS.types}">${messageValues(f.values)}</t:MessageXml>` : '');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap}"><s:Body><s:Fault>` +
    `<faultcode xmlns:a="${NS.types}">a:${f.code}</faultcode>` +
    `<faultstring xml:lang="en-US">${escapeXml(f.message)}</faultstring>` +
    `<detail>${detail}</detail></s:Fault></s:Body></s:Envelope>`
  );
}
