/**
 * The one HTTPS request every adapter sends through: a response size cap and a wall-clock deadline
 * for the whole exchange (connect, headers and body — not an idle timeout), an optional caller
 * signal (a verification's overall deadline), no redirect following, no compression offered, and
 * Node's error code kept for the diagnostic. A request cut by its deadline or cap frees its socket at once.
 */
import https from 'node:https';
import { isIP } from 'node:net';

export interface RequestLimits {
  /** The body is refused beyond this many bytes. */
  maxResponseBytes: number;
  /** From the first byte sent to the last byte received. */
  deadlineMs: number;
}

export interface BoundedRequestOptions {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: string | Buffer;
  agent: https.Agent;
  limits: RequestLimits;
  /** Aborts the request from outside (a caller's own deadline). */
  signal?: AbortSignal;
  /** Connect to this port instead of the URL's (a development host mapping without a port). */
  connectPort?: number;
}

export interface BoundedResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Why a request got no complete answer: Node's code (ECONNREFUSED, CERT_HAS_EXPIRED…) or ours. */
export class OutboundRequestError extends Error {
  override readonly name = 'OutboundRequestError';

  constructor(
    /** `ETIMEDOUT` for the deadline, `RESPONSE_TOO_LARGE` for the cap, `ABORTED` for the caller. */
    readonly code: string,
    readonly url: string,
    message: string,
  ) {
    super(message);
  }
}

export const RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE';

function headersOf(raw: NodeJS.Dict<string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** We never offer compression: a compressed body would slip past the size cap (a gzip bomb). */
function withoutAcceptEncoding(headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'accept-encoding'),
  );
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'NETWORK_ERROR';
}

export function boundedRequest(options: BoundedRequestOptions): Promise<BoundedResponse> {
  const { url, limits } = options;
  const where = `${url.origin}${url.pathname}`;
  const deadline = AbortSignal.timeout(limits.deadlineMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    let settled = false;
    let onAbort = () => undefined as void;
    const fail = (code: string, message: string) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      reject(new OutboundRequestError(code, where, message));
    };
    const abortReason = () =>
      deadline.aborted
        ? fail('ETIMEDOUT', `${where} did not answer completely within ${limits.deadlineMs} ms.`)
        : fail('ABORTED', `The request to ${where} was cancelled.`);
    if (signal.aborted) return abortReason();

    const request = https.request(
      {
        method: options.method,
        hostname,
        port: options.connectPort ?? (url.port ? Number(url.port) : 443),
        path: `${url.pathname}${url.search}`,
        agent: options.agent,
        ...(isIP(hostname) ? {} : { servername: hostname }),
        headers: {
          host: url.host,
          ...(options.body !== undefined
            ? { 'content-length': String(Buffer.byteLength(options.body)) }
            : {}),
          ...withoutAcceptEncoding(options.headers),
        },
      },
      (response) => {
        const declared = Number(response.headers['content-length']);
        if (Number.isFinite(declared) && declared > limits.maxResponseBytes) {
          request.destroy();
          return fail(RESPONSE_TOO_LARGE, `${where} answered more than ${limits.maxResponseBytes} bytes.`);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limits.maxResponseBytes) {
            request.destroy();
            fail(RESPONSE_TOO_LARGE, `${where} answered more than ${limits.maxResponseBytes} bytes.`);
          } else {
            chunks.push(chunk);
          }
        });
        response.on('error', (error) => fail(codeOf(error), `${where}: ${error.message}`));
        response.on('end', () => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          resolve({
            status: response.statusCode ?? 0,
            headers: headersOf(response.headers),
            body: Buffer.concat(chunks),
          });
        });
      },
    );
    onAbort = () => {
      request.destroy();
      abortReason();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => fail(codeOf(error), `${where}: ${error.message}`));
    request.end(options.body);
  });
}
