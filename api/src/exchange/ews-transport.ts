/**
 * The HTTP transport handed to ews-javascript-api (its IXHRApi), on the outbound policy's bounded
 * request instead of the SDK's axios transport, which has no size cap and only an idle timeout.
 * It answers the SDK exactly as @ewsjs/xhr does (resolve on 200, reject with the response
 * otherwise) and keeps what the SDK throws away: Node's error code of a request that got no answer,
 * and the status and headers of the last answer (`X-EWS-Policy-Reason`, `x-ms-diagnostics`).
 */
import type { IXHRApi, IXHROptions } from 'ews-javascript-api';
import { OutboundRequestError, type BoundedResponse } from '../outbound/bounded-request';

export interface EwsHttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export type EwsSend = (request: EwsHttpRequest) => Promise<BoundedResponse>;

/** What the SDK declares as a DOM XMLHttpRequest; it reads only the members of XhrLike. */
type SdkXhr = Awaited<ReturnType<IXHRApi['xhr']>>;

/** The XMLHttpRequest-like object the SDK reads (`status`, `responseText`, `getResponseHeader`). */
interface XhrLike {
  status: number;
  responseText: string;
  headers: Record<string, string>;
  message?: string;
  getAllResponseHeaders(): string;
  getResponseHeader(name: string): string | null;
}

function xhrLike(status: number, headers: Record<string, string>, body: string, message?: string): XhrLike {
  return {
    status,
    responseText: body,
    headers,
    ...(message ? { message } : {}),
    getAllResponseHeaders: () =>
      Object.entries(headers)
        .map(([name, value]) => `${name} : ${value}\r\n`)
        .join(''),
    getResponseHeader: (name) => headers[name.toLowerCase()] ?? null,
  };
}

function stringHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) out[name] = String(value);
  }
  return out;
}

export class EwsTransport implements IXHRApi {
  readonly apiName = 'exchange-connect';
  /** The code of the last request that got no HTTP answer (ECONNREFUSED, ETIMEDOUT, RESPONSE_TOO_LARGE…). */
  lastNetworkErrorCode: string | undefined;
  /** The last HTTP answer, whatever its status. */
  lastResponse: { status: number; headers: Record<string, string> } | undefined;

  constructor(private readonly send: EwsSend) {}

  async xhr(options: IXHROptions): Promise<SdkXhr> {
    let response: BoundedResponse;
    try {
      response = await this.send({
        method: options.type ?? 'POST',
        url: new URL(options.url),
        headers: stringHeaders(options.headers),
        body: typeof options.data === 'string' ? options.data : '',
      });
    } catch (error) {
      const code = error instanceof OutboundRequestError ? error.code : 'NETWORK_ERROR';
      this.lastNetworkErrorCode = code;
      const detail = error instanceof Error ? error.message : String(error);
      throw xhrLike(0, {}, '', `${code}: ${detail}`);
    }
    this.lastResponse = { status: response.status, headers: response.headers };
    const answer = xhrLike(response.status, response.headers, response.body.toString('utf8'));
    if (response.status === 200) return answer as unknown as SdkXhr;
    throw answer;
  }

  xhrStream(): Promise<SdkXhr> {
    return Promise.reject(new Error('EWS streaming notifications are not used by Exchange Connect.'));
  }

  disconnect(): void {
    // Each request ends on its own (bounded); there is no stream to close.
  }
}
