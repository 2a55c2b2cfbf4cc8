/**
 * The API client: every call carries the Teams SSO token as Bearer; problem+json errors become
 * ApiError with the server's stable `code` (and Microsoft's code and remediation when present).
 */
import type {
  ConnectBasicRequest,
  ConsentStartView,
  IntegrationStatusView,
  MeView,
  ProblemBody,
  SealingKeyView,
  UpdatePasswordRequest,
  VerificationView,
  VerifyRequest,
} from '../../../api/src/http/contract';

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

export class ApiClient {
  constructor(
    private readonly getToken: () => Promise<string>,
    private readonly baseUrl = '',
  ) {}

  me = () => this.request<MeView>('GET', '/api/me');
  integration = () => this.request<IntegrationStatusView>('GET', '/api/integration');
  startConsent = () => this.request<ConsentStartView>('POST', '/api/integrations/modern/consent', {});
  sealingKey = () => this.request<SealingKeyView>('GET', '/api/sealing-key');
  connectBasic = (body: ConnectBasicRequest) =>
    this.request<VerificationView>('POST', '/api/integrations/basic', body);
  updatePassword = (body: UpdatePasswordRequest) =>
    this.request<VerificationView>('PUT', '/api/integration/password', body);
  verify = (body: VerifyRequest = {}) =>
    this.request<VerificationView>('POST', '/api/integration/verify', body);
  disconnect = () => this.request<void>('DELETE', '/api/integration');

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.getToken();
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
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
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: reported below as an HTTP error
    }
    if (!response.ok) throw new ApiError(response.status, isProblem(parsed) ? parsed : {});
    return parsed as T;
  }
}
