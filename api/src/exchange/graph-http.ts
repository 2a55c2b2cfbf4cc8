/**
 * The last link of the Microsoft Graph client's middleware chain: the request goes out through the
 * outbound policy's bounded request (its TLS trust, size cap and wall-clock deadline) instead of
 * the global fetch. A request that gets no answer fails with an Error named after Node's code
 * (ECONNREFUSED, ETIMEDOUT, RESPONSE_TOO_LARGE…): the Graph client keeps an error's name as
 * GraphError.code, which is where the error conversion reads it.
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { boundedRequest, OutboundRequestError } from '../outbound/bounded-request';
import type { OutboundPolicy } from '../outbound/policy';

function headersOf(init: ConstructorParameters<typeof Headers>[0]): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, name) => (out[name] = value));
  return out;
}

function bodyOf(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  throw new TypeError('Exchange Connect sends only JSON text to Microsoft Graph.');
}

export class BoundedGraphHttpHandler implements Middleware {
  constructor(private readonly policy: OutboundPolicy) {}

  async execute(context: Context): Promise<void> {
    const { request, options } = context;
    const url = new URL(typeof request === 'string' ? request : request.url);
    const body = bodyOf(options?.body);
    try {
      const answer = await boundedRequest({
        method: options?.method ?? 'GET',
        url,
        headers: headersOf(options?.headers),
        ...(body !== undefined ? { body } : {}),
        agent: this.policy.microsoftServiceAgent(),
        limits: this.policy.limits('graph'),
        ...(options?.signal ? { signal: options.signal as AbortSignal } : {}),
      });
      // A 204/304 carries no body; the Response constructor refuses one for those statuses.
      const noBody = answer.status === 204 || answer.status === 304;
      context.response = new Response(noBody ? null : new Uint8Array(answer.body), {
        status: answer.status,
        headers: answer.headers,
      });
    } catch (error) {
      const failure = new Error(error instanceof Error ? error.message : String(error));
      failure.name = error instanceof OutboundRequestError ? error.code : 'NETWORK_ERROR';
      throw failure;
    }
  }
}
