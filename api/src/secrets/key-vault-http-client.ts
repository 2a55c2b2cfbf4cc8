/**
 * The HTTP client the Key Vault SDK sends through: the outbound policy's bounded request (its one
 * TLS secure context, a response size cap and a wall-clock deadline per attempt) instead of the
 * SDK's own client, which has neither a cap nor a deadline beyond what a caller passes in.
 */
import {
  createHttpHeaders,
  RestError,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { boundedRequest, OutboundRequestError } from '../outbound/bounded-request';
import type { OutboundPolicy } from '../outbound/policy';

function bodyOf(request: PipelineRequest): string | undefined {
  const { body } = request;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  // Key Vault's secrets API sends JSON strings only; anything else is a programming error.
  throw new RestError('Only string request bodies are supported.', { code: 'UNSUPPORTED_BODY', request });
}

/** A caller's abort (the SDK's AbortSignalLike) as a real AbortSignal. */
function signalOf(request: PipelineRequest): AbortSignal | undefined {
  const like = request.abortSignal;
  if (!like) return undefined;
  if (like instanceof AbortSignal) return like;
  const controller = new AbortController();
  if (like.aborted) controller.abort();
  else like.addEventListener('abort', () => controller.abort(), { once: true });
  return controller.signal;
}

export function keyVaultHttpClient(policy: OutboundPolicy, deadlineMs?: number): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const body = bodyOf(request);
      const signal = signalOf(request);
      try {
        const response = await boundedRequest({
          method: request.method,
          url: new URL(request.url),
          headers: Object.fromEntries(request.headers),
          ...(body !== undefined ? { body } : {}),
          agent: policy.microsoftServiceAgent(),
          limits: { ...policy.limits('keyVault'), ...(deadlineMs ? { deadlineMs } : {}) },
          ...(signal ? { signal } : {}),
        });
        return {
          request,
          status: response.status,
          headers: createHttpHeaders(response.headers),
          bodyAsText: response.body.toString('utf8'),
        };
      } catch (error) {
        // A deadline or a caller's abort ends the operation, as an aborted request does in the SDK:
        // it is not retried (a timed-out write may have landed; the caller decides).
        if (
          error instanceof OutboundRequestError &&
          (error.code === 'ETIMEDOUT' || error.code === 'ABORTED')
        ) {
          const aborted = new Error(`The Key Vault request was aborted (${error.code}).`);
          aborted.name = 'AbortError';
          throw aborted;
        }
        const code = error instanceof OutboundRequestError ? error.code : RestError.REQUEST_SEND_ERROR;
        throw new RestError(`Key Vault request failed: ${code}`, { code, request });
      }
    },
  };
}
