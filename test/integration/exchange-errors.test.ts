/**
 * The EWS error classifier fed with what the real ews-javascript-api and @ewsjs/xhr produce over
 * real sockets, through the production EwsGateway: local HTTPS servers answer with the sandbox's
 * own wire bodies (soap.ts, auth.ts), and TLS and network failures come from real handshakes and
 * connects (an untrusted or self-signed certificate, a wrong host name, a closed port, an
 * unresolvable name, a server that never answers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExchangeConnectError } from '../../api/src/errors';
import { exchangeFailure } from '../support/rejections';
import { classifyEwsError } from '../../api/src/exchange/ews-errors';
import { EwsGateway } from '../../api/src/exchange/ews-gateway';
import { testPolicy, type TestPolicyOptions } from '../support/outbound';
import type { EwsConnection } from '../../api/src/exchange/ews-gateway';
import { createAppCertificate, ensureDevCertificates, type DevCertificates } from '../../scripts/dev-certs';
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
import {
  closedPort,
  startCannedServer,
  startSilentServer,
  type CannedAnswer,
  type CannedServer,
  type LocalServer,
} from '../support/canned-https';

const SERVER = { major: 15, minor: 20, build: 8293, revision: 25, version: 'V2018_01_08' };
const MAILBOX = 'admin@contoso.com';
/** A name outside the sandbox certificate's altnames, pointed at loopback by the gateway's host map. */
const OTHER_HOST = 'mail.northwind.example';
/** `.invalid` never resolves (RFC 6761). */
const UNRESOLVABLE_HOST = 'mail.fabrikam.invalid';
const SILENT_TIMEOUT_MS = 1000;

let certs: DevCertificates;
let trusted: CannedServer;
let leafOnly: CannedServer;
let selfSigned: CannedServer;
let silent: LocalServer;
let strangerDir: string | undefined;

beforeAll(async () => {
  certs = await ensureDevCertificates();
  const sandboxTls = { certPem: certs.tlsCertPem, keyPem: certs.tlsKeyPem };
  // A second, throw-away CA: nothing trusts it, not even this process's NODE_EXTRA_CA_CERTS (a
  // server completes its chain from that store). Its leaf, served alone, has an unknown issuer.
  strangerDir = mkdtempSync(path.join(tmpdir(), 'ews-errors-'));
  const stranger = await ensureDevCertificates(strangerDir);
  const leafPem = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/.exec(stranger.tlsCertPem)![0];
  const ownCert = await createAppCertificate({ commonName: 'localhost' });
  trusted = await startCannedServer(sandboxTls);
  leafOnly = await startCannedServer({ certPem: `${leafPem}\n`, keyPem: stranger.tlsKeyPem });
  selfSigned = await startCannedServer({ certPem: ownCert.certPem, keyPem: ownCert.keyPem });
  silent = await startSilentServer(sandboxTls);
});
afterAll(async () => {
  for (const server of [trusted, leafOnly, selfSigned, silent]) await server?.close();
  if (strangerDir) rmSync(strangerDir, { recursive: true, force: true });
});

function connectionTo(ewsUrl: string, method: 'modern' | 'basic'): EwsConnection {
  return method === 'modern'
    ? { method, tenantId: 'contoso', ewsUrl, accessToken: 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2ln' }
    : { method, tenantId: 'fabrikam', ewsUrl, username: 'svc-ews@fabrikam.com', password: 'secret' };
}

/** GetFolder (Calendar) through the production gateway; what it rejects with, already classified. */
async function openCalendarFails(
  ewsUrl: string,
  options: TestPolicyOptions = {},
  method: 'modern' | 'basic' = 'modern',
): Promise<ExchangeConnectError> {
  const gateway = new EwsGateway({
    appId: 'app-id',
    policy: testPolicy({ dangerouslyAllowPrivateHosts: true, ...options }),
  });
  try {
    await gateway.openCalendar(connectionTo(ewsUrl, method), MAILBOX);
  } catch (error) {
    if (error instanceof ExchangeConnectError) return error;
    throw error;
  } finally {
    gateway.close();
  }
  throw new Error('GetFolder unexpectedly succeeded');
}

/** `answer` from a server whose certificate the gateway trusts (the sandbox CA). */
const classifyAnswer = (answer: CannedAnswer, method: 'modern' | 'basic' = 'modern') =>
  openCalendarFails(trusted.urlFor(answer), { caPem: certs.caCertPem }, method);

const soapFault = (body: string) => ({
  status: 500,
  headers: { 'content-type': 'text/xml; charset=utf-8' },
  body,
});
const getFolderError = (message: ReturnType<typeof errorMessage>) => ({
  status: 200,
  headers: { 'content-type': 'text/xml; charset=utf-8' },
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

  test('a year of BackOffMilliseconds is capped at 5 minutes', async () => {
    const error = await classifyAnswer(
      soapFault(faultEnvelope(fault('ErrorServerBusy', { BackOffMilliseconds: String(365 * 86_400_000) }))),
    );
    expect(error).toMatchObject({ kind: 'throttled', code: 'ErrorServerBusy', retryAfterMs: 300_000 });
    expect(error.remediation).toContain('300 s');
    const unsaid = await classifyAnswer(soapFault(faultEnvelope(fault('ErrorServerBusy'))));
    expect(unsaid).toMatchObject({ kind: 'throttled', retryAfterMs: 30_000 });
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

  test('ErrorInternalServerError whose MessageXml names ErrorServerBusy (Exchange Online) → throttled with its back-off', async () => {
    const error = await classifyAnswer(
      getFolderError(
        errorMessage('ErrorInternalServerError', {
          InnerErrorMessageText: 'The server cannot service this request right now. Try again later.',
          InnerErrorResponseCode: 'ErrorServerBusy',
          InnerErrorDescriptiveLinkKey: '0',
          BackOffMilliseconds: '45000',
        }),
      ),
    );
    expect(error).toMatchObject({ kind: 'throttled', code: 'ErrorServerBusy', retryAfterMs: 45_000 });
    expect(error.remediation).toContain('45 s');
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

  test.each([
    ['an expired token', DIAGNOSTICS.expired, 'HTTP 401 2000003', 'The token has expired.'],
    ['a bad signature', DIAGNOSTICS.badSignature, 'HTTP 401 2000001', 'The token has invalid signature.'],
    [
      'another organisation’s token',
      DIAGNOSTICS.tenant,
      'HTTP 401 2000003',
      'does not match the organization',
    ],
  ])(
    'Bearer 401 for %s → token_rejected with the diagnostics code and a remediation',
    async (_what, diagnostics, code, text) => {
      const error = await classifyAnswer({ status: 401, headers: { 'x-ms-diagnostics': diagnostics } });
      expect(error).toMatchObject({ kind: 'token_rejected', code });
      expect(error.message).toContain(text);
      expect(error.remediation).toMatch(/^Microsoft refused the app-only token Exchange Connect presented\./);
      expect(error.remediation).not.toContain('Something unexpected happened');
    },
  );

  test('a Bearer 401 without x-ms-diagnostics → token_rejected (HTTP 401)', async () => {
    const error = await classifyAnswer({
      status: 401,
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
    expect(error).toMatchObject({ kind: 'token_rejected', code: 'HTTP 401' });
  });

  test('Basic 401 → invalid_credentials', async () => {
    const error = await classifyAnswer(
      { status: 401, headers: { 'www-authenticate': 'Basic realm="mail.fabrikam.com"' } },
      'basic',
    );
    expect(error).toMatchObject({ kind: 'invalid_credentials', code: 'HTTP 401' });
  });

  describe('EWS blocks, told apart by X-EWS-Policy-Reason (Control access to EWS in Exchange Online)', () => {
    const APP = '52c54a6a-55a3-4c79-a19b-df6eae6b8dda';
    const ALLOW_LIST =
      "$ids = @((Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy).EwsAllowedAppIDs -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ }); " +
      `Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs ((@($ids) + '${APP}' | Sort-Object -Unique) -join ',')`;
    const blockedBy = async (reason?: string) => {
      const gateway = new EwsGateway({
        appId: APP,
        policy: testPolicy({ dangerouslyAllowPrivateHosts: true, caPem: certs.caCertPem }),
      });
      try {
        const url = trusted.urlFor({ status: 403, headers: reason ? { 'x-ews-policy-reason': reason } : {} });
        return await exchangeFailure(gateway.openCalendar(connectionTo(url, 'modern'), "o'neil@contoso.com"));
      } finally {
        gateway.close();
      }
    };

    test('"EWS is disabled for this user or tenant" → the organisation and the mailbox EwsEnabled fixes', async () => {
      const error = await blockedBy('EWS is disabled for this user or tenant');
      expect(error).toMatchObject({ kind: 'ews_blocked', code: 'EwsDisabled' });
      expect(error.message).toBe(
        'Exchange Online refused EWS: "EWS is disabled for this user or tenant" (HTTP 403, X-EWS-Policy-Reason).',
      );
      expect(error.remediation).toBe(
        "EWS is switched off for your organisation or for the mailbox o'neil@contoso.com (since 2026-10-01 Exchange Online turns it off unless the organisation turns it on). " +
          "In Exchange Online PowerShell, see which: Get-OrganizationConfig | Format-List EwsEnabled; Get-CASMailbox -Identity 'o''neil@contoso.com' | Format-List EwsEnabled  — " +
          `if the organisation's EwsEnabled is False or empty, run (it keeps the apps already on the EWS allow list and adds Exchange Connect): ${ALLOW_LIST}  — ` +
          "if the mailbox's EwsEnabled is False, run: Set-CASMailbox -Identity 'o''neil@contoso.com' -EwsEnabled $true  — " +
          'changes can take up to 24 hours. EWS in Exchange Online is switched off for good on 2027-04-01; moving this connection to Microsoft Graph avoids all of this.',
      );
    });

    test('"EWS is blocked by policy for this user or tenant" → the app allow list (kept) and the user-agent policy', async () => {
      const error = await blockedBy('EWS is blocked by policy for this user or tenant');
      expect(error).toMatchObject({ kind: 'ews_blocked', code: 'EwsBlockedByPolicy' });
      expect(error.remediation).toBe(
        "Your organisation's EWS policy refuses Exchange Connect: it is not on the EWS allow list of apps (EwsAllowedAppIDs), or a user-agent policy (EwsApplicationAccessPolicy) refuses it. " +
          `In Exchange Online PowerShell add Exchange Connect to the allow list, keeping the apps already on it: ${ALLOW_LIST}  — ` +
          "if Get-OrganizationConfig | Format-List EwsApplicationAccessPolicy,EwsAllowList,EwsBlockList shows EnforceAllowList, also run: Set-OrganizationConfig -EwsAllowList @{Add='ExchangeConnect/*'}; with EnforceBlockList, remove the entry that matches ExchangeConnect/1.0 from EwsBlockList  — " +
          'changes can take up to 24 hours. EWS in Exchange Online is switched off for good on 2027-04-01; moving this connection to Microsoft Graph avoids all of this.',
      );
    });

    test('a bare 403 (no X-EWS-Policy-Reason) → ews_blocked, naming both fixes', async () => {
      const error = await blockedBy();
      expect(error).toMatchObject({ kind: 'ews_blocked', code: 'HTTP 403' });
      expect(error.remediation).toContain(ALLOW_LIST);
      expect(error.remediation).toContain("Set-CASMailbox -Identity 'o''neil@contoso.com' -EwsEnabled $true");
    });
  });

  test('HTTP 503 → throttled, waiting what Retry-After says (capped), or a default back-off', async () => {
    await expect(
      classifyAnswer({ status: 503, headers: { 'retry-after': '120' }, body: 'Service Unavailable' }),
    ).resolves.toMatchObject({ kind: 'throttled', code: 'HTTP 503', retryAfterMs: 120_000 });
    await expect(
      classifyAnswer({ status: 503, headers: { 'retry-after': '86400' }, body: 'Service Unavailable' }),
    ).resolves.toMatchObject({ kind: 'throttled', retryAfterMs: 300_000 });
    await expect(classifyAnswer({ status: 503, body: 'Service Unavailable' })).resolves.toMatchObject({
      kind: 'throttled',
      code: 'HTTP 503',
      retryAfterMs: 30_000,
    });
  });

  test.each([502, 504])('HTTP %i → unreachable', async (status) => {
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
        headers: { 'content-type': 'text/xml; charset=utf-8' },
        body: '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Bo',
      });
      expect(error).toMatchObject({ kind: 'protocol_error', code: 'InvalidResponse' });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('network and TLS failures (the Node error code, or only its message)', () => {
  const ok = { status: 200 };
  /** Each row's failure, made by a real connect or handshake. */
  const cases: Array<[code: string, how: string, kind: string, fail: () => Promise<ExchangeConnectError>]> = [
    [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'the sandbox chain, its CA not trusted',
      'untrusted_certificate',
      () => openCalendarFails(trusted.urlFor(ok)),
    ],
    [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'a self-signed server certificate',
      'untrusted_certificate',
      () => openCalendarFails(selfSigned.urlFor(ok), { caPem: certs.caCertPem }),
    ],
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'the leaf alone, its issuer unknown',
      'untrusted_certificate',
      () => openCalendarFails(leafOnly.urlFor(ok)),
    ],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      `a trusted certificate that does not name ${OTHER_HOST}`,
      'untrusted_certificate',
      () =>
        openCalendarFails(trusted.urlFor(ok, OTHER_HOST), {
          caPem: certs.caCertPem,
          dangerouslyResolveHosts: { [OTHER_HOST]: `127.0.0.1:${trusted.port}` },
        }),
    ],
    [
      'ECONNREFUSED',
      'a closed port',
      'unreachable',
      async () => openCalendarFails(`https://127.0.0.1:${await closedPort()}/EWS/Exchange.asmx`),
    ],
    [
      'ENOTFOUND',
      `an unresolvable name (${UNRESOLVABLE_HOST})`,
      'unreachable',
      () => openCalendarFails(`https://${UNRESOLVABLE_HOST}/EWS/Exchange.asmx`),
    ],
    [
      'ETIMEDOUT',
      'a server that never answers, past the request deadline',
      'timeout',
      () =>
        openCalendarFails(`https://localhost:${silent.port}/EWS/Exchange.asmx`, {
          caPem: certs.caCertPem,
          limits: { ews: { deadlineMs: SILENT_TIMEOUT_MS } },
        }),
    ],
  ];
  const failures = new Map<string, Promise<ExchangeConnectError>>();
  /** One real failure per row, shared by both classifications below. */
  const failureOf = (code: string, fail: () => Promise<ExchangeConnectError>) => {
    if (!failures.has(code)) failures.set(code, fail());
    return failures.get(code)!;
  };

  test.each(cases)('%s (%s) → %s', async (code, _how, kind, fail) => {
    await expect(failureOf(code, fail)).resolves.toMatchObject({ kind, code });
  });

  test.each(cases)('%s recognised from the SDK message alone (%s) → %s', async (code, _how, kind, fail) => {
    // What the SDK rejected with: a SoapFaultDetails built from the message, without an HTTP status.
    const sdkError = (await failureOf(code, fail)).cause;
    const classified = classifyEwsError(sdkError, { method: 'basic', remediation: { appId: 'a' } });
    expect(classified).toMatchObject({ kind, code });
  });
});

test('anything that is neither the SDK’s, Exchange’s nor the network’s is a defect, passed on unchanged (logged under a reference, never shown)', () => {
  const defect = new TypeError("Cannot read properties of undefined (reading 'TotalCount')");
  expect(classifyEwsError(defect, { method: 'modern', remediation: { appId: 'a' } })).toBe(defect);
});

test('an ExchangeConnectError passes through unchanged', () => {
  const original = new ExchangeConnectError({ kind: 'timeout', code: 'X', message: 'm', remediation: 'r' });
  expect(classifyEwsError(original, { method: 'modern', remediation: { appId: 'a' } })).toBe(original);
});
