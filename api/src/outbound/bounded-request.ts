/**
 * The one HTTPS request every adapter sends through: a response size cap and a wall-clock deadline
 * for the whole exchange (connect, headers and body — not an idle timeout), an optional caller
 * signal (a verification's overall deadline), no redirect following, no compression offered, and
 * Node's error code kept for the diagnostic. A request cut by its deadline or cap frees its socket at once.
 *
 * A keep-alive socket the server (or a load balancer) has dropped fails the next request on it
 * with ECONNRESET or EPIPE before any answer: an idempotent request is then sent once more, on a
 * fresh socket, within the same deadline. Never a write, never a reset on a fresh socket.
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
  /**
   * Safe to send twice (a read): a reset of a reused keep-alive socket is retried once. Default:
   * true for GET, HEAD and OPTIONS only; EWS reads are POSTs and say so.
   */
  idempotent?: boolean;
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

/** What a dropped keep-alive connection looks like to the next request sent on it. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A failure before any answer, and whether it came from a socket the agent reused. */
class AttemptFailure extends OutboundRequestError {
  constructor(
    code: string,
    url: string,
    message: string,
    readonly reusedSocket: boolean,
  ) {
    super(code, url, message);
  }
}

export async function boundedRequest(options: BoundedRequestOptions): Promise<BoundedResponse> {
  const deadline = AbortSignal.timeout(options.limits.deadlineMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const idempotent = options.idempotent ?? IDEMPOTENT_METHODS.has(options.method.toUpperCase());
  try {
    return await attempt(options, deadline, signal);
  } catch (error) {
    const stale = error instanceof AttemptFailure && error.reusedSocket && STALE_SOCKET_CODES.has(error.code);
    if (!stale || !idempotent || signal.aborted) throw error;
    return attempt(options, deadline, signal);
  }
}

function attempt(
  options: BoundedRequestOptions,
  deadline: AbortSignal,
  signal: AbortSignal,
): Promise<BoundedResponse> {
  const { url, limits } = options;
  const where = `${url.origin}${url.pathname}`;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    let settled = false;
    let onAbort = () => undefined as void;
    const fail = (code: string, message: string, answered = true) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      reject(
        answered
          ? new OutboundRequestError(code, where, message)
          : new AttemptFailure(code, where, message, request.reusedSocket),
      );
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
    // An error before any response (no answer at all) may be a dropped keep-alive socket.
    let answered = false;
    request.on('response', () => (answered = true));
    request.on('error', (error) => fail(codeOf(error), `${where}: ${error.message}`, answered));
    request.end(options.body);
  });
}
