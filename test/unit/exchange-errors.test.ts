/**
 * The EWS error classifier fed with what the real ews-javascript-api and @ewsjs/xhr produce from
 * Exchange's answers. Only the socket is replaced (an axios adapter replaying an HTTP answer); the
 * answers are the sandbox's own wire bodies (soap.ts, auth.ts), so no SDK object shape is invented.
 */
import https from 'node:https';
import {
  ExchangeService,
  ExchangeVersion,
  Folder,
  Uri,
  WellKnownFolderName,
  OAuthCredentials,
  WebCredentials,
} from 'ews-javascript-api';
import { ExchangeConnectError } from '../../api/src/errors';
import { classifyEwsError } from '../../api/src/exchange/ews-errors';
import { EwsTransport } from '../../api/src/exchange/ews-transport';
import { DIAGNOSTICS } from '../../sandbox/src/ews/auth';
import {
  errorMessage,
  fault,
  faultEnvelope,
  operationResponse,
  responseEnvelope,
  responseMessageContent,
} from '../../sandbox/src/ews/soap';
import { el } from '../../sandbox/src/ews/xml';

type Answer =
  | { status: number; headers?: Record<string, string>; body?: string }
  | { networkError: { code: string; message: string } };
type Adapter = Extract<NonNullable<EwsTransport['requestOptions']['adapter']>, (...args: never[]) => unknown>;

const SERVER = { major: 15, minor: 20, build: 8293, revision: 25, version: 'V2018_01_08' };
const agent = new https.Agent();
afterAll(() => agent.destroy());

/** Runs GetFolder through the real SDK with the socket replaced by `answer`, and classifies what it throws. */
async function classifyAnswer(
  answer: Answer,
  method: 'modern' | 'basic' = 'modern',
): Promise<ExchangeConnectError> {
  const transport = new EwsTransport(agent, 1000);
  const adapter = (async (config: { url?: string }) => {
    if ('networkError' in answer)
      throw Object.assign(new Error(answer.networkError.message), { code: answer.networkError.code });
    return {
      data: answer.body ?? '',
      status: answer.status,
      statusText: '',
      headers: answer.headers ?? {},
      config,
      request: { res: { responseUrl: config.url } },
    };
  }) as unknown as Adapter;
  transport.requestOptions.adapter = adapter;
  const service = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
  service.Url = new Uri('https://outlook.office365.com/EWS/Exchange.asmx');
  service.XHRApi = transport;
  service.Credentials =
    method === 'modern'
      ? new OAuthCredentials('eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2ln')
      : new WebCredentials('svc', 'secret');
  try {
    await Folder.Bind(service, WellKnownFolderName.Calendar);
  } catch (error) {
    const transportCode = transport.lastNetworkErrorCode;
    return classifyEwsError(error, {
      method,
      remediation: { appId: 'app-id', mailbox: 'admin@contoso.com', serviceAccount: 'svc-ews@fabrikam.com' },
      ...(transportCode ? { transportCode } : {}),
    });
  }
  throw new Error('GetFolder unexpectedly succeeded');
}

const soapFault = (body: string) => ({
  status: 500,
  headers: { 'content-type': 'text/xml; charset=utf-8' },
  body,
});
const getFolderError = (message: ReturnType<typeof errorMessage>) => ({
  status: 200,
  body: responseEnvelope(
    SERVER,
    operationResponse(
      'GetFolder',
      el(
        'm:ResponseMessages',
        {},
        el('m:GetFolderResponseMessage', { ResponseClass: 'Error' }, responseMessageContent(message)),
      ),
    ),
  ),
});

describe('SOAP faults (HTTP 500) → SoapFaultDetails', () => {
  test.each([
    ['ErrorNonExistentMailbox', 'mailbox_not_found', { SmtpAddress: 'admin@contoso.com' }],
    ['ErrorImpersonateUserDenied', 'impersonation_denied', undefined],
    ['ErrorInvalidExchangeImpersonationHeaderData', 'impersonation_header_missing', undefined],
    ['ErrorAccessDenied', 'access_policy_denied', undefined],
  ] as const)('%s → %s', async (code, kind, values) => {
    const error = await classifyAnswer(soapFault(faultEnvelope(fault(code, values))));
    expect(error).toMatchObject({ kind, code });
    expect(error.remediation.length).toBeGreaterThan(20);
  });

  test('ErrorServerBusy → throttled with BackOffMilliseconds (sent as a string)', async () => {
    const error = await classifyAnswer(
      soapFault(faultEnvelope(fault('ErrorServerBusy', { BackOffMilliseconds: '29000' }))),
    );
    expect(error).toMatchObject({ kind: 'throttled', code: 'ErrorServerBusy', retryAfterMs: 29000 });
    expect(error.remediation).toContain('29 s');
  });

  test('a fault with a code we do not map → unexpected, keeping the code', async () => {
    const error = await classifyAnswer(soapFault(faultEnvelope(fault('ErrorFolderNotFound'))));
    expect(error).toMatchObject({ kind: 'unexpected', code: 'ErrorFolderNotFound' });
  });
});

describe('error response messages (HTTP 200) → ServiceResponseException', () => {
  test('ErrorNonExistentMailbox in a GetFolder response message → mailbox_not_found', async () => {
    const error = await classifyAnswer(
      getFolderError(errorMessage('ErrorNonExistentMailbox', { SmtpAddress: 'x@contoso.com' })),
    );
    expect(error).toMatchObject({ kind: 'mailbox_not_found', code: 'ErrorNonExistentMailbox' });
  });

  test('ErrorServerBusy in a response message keeps its back-off', async () => {
    const error = await classifyAnswer(
      getFolderError(errorMessage('ErrorServerBusy', { BackOffMilliseconds: '750' })),
    );
    expect(error).toMatchObject({ kind: 'throttled', retryAfterMs: 750 });
  });
});

describe('HTTP failures', () => {
  test('Bearer 401 with x-ms-diagnostics 2000008 → consent_missing', async () => {
    const error = await classifyAnswer({
      status: 401,
      headers: { 'x-ms-diagnostics': DIAGNOSTICS.noPermissions },
    });
    expect(error).toMatchObject({ kind: 'consent_missing', code: 'HTTP 401 2000008' });
  });

  test('Bearer 401 for an expired token → unexpected with the diagnostics code', async () => {
    const error = await classifyAnswer({ status: 401, headers: { 'x-ms-diagnostics': DIAGNOSTICS.expired } });
    expect(error).toMatchObject({ kind: 'unexpected', code: 'HTTP 401 2000003' });
    expect(error.message).toContain('The token has expired.');
  });

  test('Basic 401 → invalid_credentials', async () => {
    const error = await classifyAnswer(
      { status: 401, headers: { 'www-authenticate': 'Basic realm="mail.fabrikam.com"' } },
      'basic',
    );
    expect(error).toMatchObject({ kind: 'invalid_credentials', code: 'HTTP 401' });
  });

  test('a bare 403 from Exchange Online → ews_blocked', async () => {
    const error = await classifyAnswer({ status: 403 });
    expect(error).toMatchObject({ kind: 'ews_blocked', code: 'HTTP 403' });
    expect(error.remediation).toContain('-EwsAllowedAppIDs @{Add="app-id"}');
  });

  test.each([502, 503, 504])('HTTP %i → unreachable', async (status) => {
    await expect(classifyAnswer({ status, body: 'Service Unavailable' })).resolves.toMatchObject({
      kind: 'unreachable',
      code: `HTTP ${status}`,
    });
  });

  test('HTTP 404 (not an EWS URL) → protocol_error', async () => {
    await expect(classifyAnswer({ status: 404, body: 'Not Found' })).resolves.toMatchObject({
      kind: 'protocol_error',
      code: 'HTTP 404',
    });
  });

  test('a truncated 200 answer → protocol_error', async () => {
    const spies = [
      jest.spyOn(console, 'warn').mockImplementation(() => {}),
      jest.spyOn(console, 'error').mockImplementation(() => {}),
    ];
    try {
      const error = await classifyAnswer({
        status: 200,
        body: '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Bo',
      });
      expect(error).toMatchObject({ kind: 'protocol_error', code: 'InvalidResponse' });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('network and TLS failures (the Node error code, or only its message)', () => {
  const cases = [
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', 'untrusted_certificate'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate', 'untrusted_certificate'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate', 'untrusted_certificate'],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames: Host: mail.fabrikam.com. is not in the cert's altnames: DNS:localhost",
      'untrusted_certificate',
    ],
    ['ECONNREFUSED', 'connect ECONNREFUSED 203.0.113.7:443', 'unreachable'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND mail.fabrikam.com', 'unreachable'],
    ['ETIMEDOUT', 'connect ETIMEDOUT 203.0.113.7:443', 'timeout'],
    ['ECONNABORTED', 'timeout of 30000ms exceeded', 'timeout'],
  ] as const;

  test.each(cases)('%s (%s) → %s', async (code, message, kind) => {
    await expect(classifyAnswer({ networkError: { code, message } })).resolves.toMatchObject({ kind, code });
  });

  test.each(cases)('%s recognised from the SDK message alone: %s → %s', (code, message, kind) => {
    // What the SDK rejects with: a SoapFaultDetails built from the message, without an HTTP status.
    const classified = classifyEwsError(sdkNetworkFault(message), {
      method: 'basic',
      remediation: { appId: 'a' },
    });
    expect(classified).toMatchObject({ kind, code });
  });
});

test('an ExchangeConnectError passes through unchanged', () => {
  const original = new ExchangeConnectError({ kind: 'timeout', code: 'X', message: 'm', remediation: 'r' });
  expect(classifyEwsError(original, { method: 'modern', remediation: { appId: 'a' } })).toBe(original);
});

let networkFaults: Map<string, unknown>;
beforeAll(async () => {
  // Capture, once per message, the SoapFaultDetails the SDK builds for a failed socket.
  networkFaults = new Map();
  const messages = [
    'self-signed certificate in certificate chain',
    'self-signed certificate',
    'unable to verify the first certificate',
    "Hostname/IP does not match certificate's altnames: Host: mail.fabrikam.com. is not in the cert's altnames: DNS:localhost",
    'connect ECONNREFUSED 203.0.113.7:443',
    'getaddrinfo ENOTFOUND mail.fabrikam.com',
    'connect ETIMEDOUT 203.0.113.7:443',
    'timeout of 30000ms exceeded',
  ];
  for (const message of messages) {
    const transport = new EwsTransport(agent, 1000);
    transport.requestOptions.adapter = (async () => {
      throw new Error(message);
    }) as unknown as Adapter;
    const service = new ExchangeService(ExchangeVersion.Exchange2016);
    service.Url = new Uri('https://mail.fabrikam.com/EWS/Exchange.asmx');
    service.XHRApi = transport;
    service.Credentials = new WebCredentials('svc', 'secret');
    networkFaults.set(
      message,
      await Folder.Bind(service, WellKnownFolderName.Calendar).catch((e: unknown) => e),
    );
  }
});
const sdkNetworkFault = (message: string) => networkFaults.get(message);
