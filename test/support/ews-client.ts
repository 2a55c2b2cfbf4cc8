/**
 * ews-javascript-api services pointed at the sandbox, over an https.Agent that trusts the sandbox
 * CA, exactly as the app's adapter configures them (only URL and CA differ from production).
 */
import https from 'node:https';
import { XhrApi } from '@ewsjs/xhr';
import {
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  ImpersonatedUserId,
  OAuthCredentials,
  Uri,
  WebCredentials,
} from 'ews-javascript-api';

export interface EwsServiceOptions {
  url: string;
  caCertPem: string;
  impersonate?: string;
  timeoutMs?: number;
}

function baseService(version: ExchangeVersion, options: EwsServiceOptions): ExchangeService {
  const service = new ExchangeService(version);
  const agent = new https.Agent({ ca: options.caCertPem, keepAlive: false });
  service.XHRApi = new XhrApi({ httpsAgent: agent, timeout: options.timeoutMs ?? 15_000 });
  service.Url = new Uri(`${options.url}/EWS/Exchange.asmx`);
  if (options.impersonate) {
    service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, options.impersonate);
    service.HttpHeaders.Add('X-AnchorMailbox', options.impersonate);
  }
  return service;
}

export function onlineService(token: string, options: EwsServiceOptions): ExchangeService {
  const service = baseService(ExchangeVersion.Exchange2013_SP1, options);
  service.Credentials = new OAuthCredentials(token);
  return service;
}

export function serverService(user: string, password: string, options: EwsServiceOptions): ExchangeService {
  const service = baseService(ExchangeVersion.Exchange2016, options);
  service.Credentials = new WebCredentials(user, password);
  return service;
}

/** What ews-javascript-api rejected with (never an Error instance), flattened for assertions. */
export interface EwsRejection {
  /** SoapFaultDetails for faults and HTTP errors, ServiceResponseException for ResponseClass="Error". */
  kind: string;
  message: string;
  /** ServiceError enum value. */
  responseCode?: number;
  httpStatus?: number;
  faultCode?: string;
  details: Record<string, string>;
}

interface StringDictionary {
  keys: string[];
  get(key: string): string;
}

interface SdkThrown {
  constructor?: { name?: string };
  message?: string;
  responseCode?: number;
  ErrorCode?: number;
  HttpStatusCode?: number;
  faultCode?: string;
  errorDetails?: StringDictionary;
  Response?: { ErrorDetails?: StringDictionary };
}

function entries(dictionary: StringDictionary | undefined): Record<string, string> {
  return Object.fromEntries((dictionary?.keys ?? []).map((k) => [k, dictionary!.get(k)]));
}

export async function rejectionOf(promise: Promise<unknown>): Promise<EwsRejection> {
  try {
    await promise;
  } catch (thrown) {
    const value = thrown as SdkThrown;
    return {
      kind: value.constructor?.name ?? 'unknown',
      message: String(value.message ?? ''),
      ...((value.responseCode ?? value.ErrorCode) !== undefined
        ? { responseCode: value.responseCode ?? value.ErrorCode }
        : {}),
      ...(value.HttpStatusCode !== undefined ? { httpStatus: value.HttpStatusCode } : {}),
      ...(value.faultCode ? { faultCode: value.faultCode } : {}),
      details: entries(value.errorDetails ?? value.Response?.ErrorDetails),
    };
  }
  throw new Error('expected the EWS call to fail');
}
