/**
 * The API client: every call carries the Teams SSO token as Bearer; problem+json errors become
 * ApiError with the server's stable `code` (and Microsoft's code and remediation when present).
 * Verifications are read as an NDJSON stream, so the checklist shows each step as it settles.
 */
import type {
  AuditView,
  ConnectBasicRequest,
  ConsentStartView,
  IntegrationStatusView,
  HealthView,
  MeView,
  ProblemBody,
  Protocol,
  ScopeProofRequest,
  SealingKeyRequest,
  SealingKeyView,
  StepView,
  UpdatePasswordRequest,
  VerificationView,
  VerificationStreamEvent,
  VerifyRequest,
} from '../../../api/src/http/contract';

/** Told each verification step as it settles, before the whole verification answers. */
export type StepListener = (step: StepView) => void;

const NDJSON = 'application/x-ndjson';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly microsoftCode?: string;
  readonly remediation?: string;

  constructor(status: number, problem: Partial<ProblemBody>) {
    super(problem.detail || problem.title || `The request failed (HTTP ${status}).`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code ?? `http_${status}`;
    if (problem.microsoftCode) this.microsoftCode = problem.microsoftCode;
    if (problem.remediation) this.remediation = problem.remediation;
  }
}

function isProblem(value: unknown): value is Partial<ProblemBody> {
  return typeof value === 'object' && value !== null;
}

function isStreamEvent(value: unknown): value is VerificationStreamEvent {
  if (typeof value !== 'object' || value === null || !('type' in value)) return false;
  return value.type === 'step' || value.type === 'result' || value.type === 'error';
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined; // not JSON: the caller reports it as an HTTP error
  }
}

/** The lines of an NDJSON body as they arrive, parsed; a broken line ends the stream. */
async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    buffered += decoder.decode(value, { stream: !done });
    const lines = buffered.split('\n');
    buffered = done ? '' : (lines.pop() ?? '');
    for (const line of lines) if (line.trim()) yield JSON.parse(line);
    if (done) return;
  }
}

const STREAM_BROKEN: Partial<ProblemBody> = {
  code: 'stream_broken',
  detail: 'The connection to Exchange Connect broke off before the verification finished. Try again.',
};

export class ApiClient {
  constructor(
    private readonly getToken: () => Promise<string>,
    private readonly baseUrl = '',
  ) {}

  me = () => this.request<MeView>('GET', '/api/me');
  integration = () => this.request<IntegrationStatusView>('GET', '/api/integration');
  startConsent = (protocol: Protocol = 'graph') =>
    this.request<ConsentStartView>('POST', '/api/integrations/modern/consent', { protocol });
  sealingKey = (body: SealingKeyRequest) => this.request<SealingKeyView>('POST', '/api/sealing-key', body);
  connectBasic = (body: ConnectBasicRequest, onStep: StepListener) =>
    this.verification('POST', '/api/integrations/basic', body, onStep);
  updatePassword = (body: UpdatePasswordRequest, onStep: StepListener) =>
    this.verification('PUT', '/api/integration/password', body, onStep);
  verify = (body: VerifyRequest, onStep: StepListener) =>
    this.verification('POST', '/api/integration/verify', body, onStep);
  proveRoomScope = (body: ScopeProofRequest, onStep: StepListener) =>
    this.verification('POST', '/api/integration/scope/verify', body, onStep);
  checkHealth = () => this.request<HealthView>('POST', '/api/integration/health/check', {});
  audit = (limit = 50) => this.request<AuditView>('GET', `/api/integration/audit?limit=${limit}`);
  disconnect = () => this.request<void>('DELETE', '/api/integration');

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, 'application/json', body);
    if (response.status === 204) return undefined as T;
    const parsed = parseJson(await response.text());
    if (!response.ok) throw new ApiError(response.status, isProblem(parsed) ? parsed : {});
    return parsed as T;
  }

  /** Runs a verification, telling `onStep` each step as the server streams it; answers its result. */
  private async verification(
    method: string,
    path: string,
    body: unknown,
    onStep: StepListener,
  ): Promise<VerificationView> {
    const response = await this.send(method, path, `${NDJSON}, application/problem+json`, body);
    const streamed = response.headers.get('content-type')?.startsWith(NDJSON) ?? false;
    if (!response.ok || !streamed || !response.body) {
      const parsed = parseJson(await response.text());
      if (!response.ok) throw new ApiError(response.status, isProblem(parsed) ? parsed : {});
      // A server (or proxy) that does not stream answers the whole verification at once.
      return parsed as VerificationView;
    }
    try {
      for await (const event of ndjsonLines(response.body)) {
        if (!isStreamEvent(event)) continue;
        if (event.type === 'step') onStep(event.step);
        else if (event.type === 'result') return event.verification;
        else throw new ApiError(event.problem.status, event.problem);
      }
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(0, STREAM_BROKEN);
    }
    throw new ApiError(0, STREAM_BROKEN);
  }

  private async send(method: string, path: string, accept: string, body?: unknown): Promise<Response> {
    const token = await this.getToken();
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiError(0, {
        code: 'network_error',
        detail: 'Exchange Connect could not be reached. Check your network connection and try again.',
      });
    }
  }
}
