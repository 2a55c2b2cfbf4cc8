/**
 * POX Autodiscover for Exchange Server (request schema 2006, response 2006a). Tries the standard
 * https candidates of the address's domain and follows https redirects (HTTP 301/302/307/308,
 * redirectUrl, redirectAddr) for at most 10 hops, refusing loops. Credentials go only to hosts in
 * the admin's domain (the address's domain and its subdomains) that pass the endpoint policy, and
 * the EwsUrl Autodiscover settles on must be in that domain as well; the unauthenticated
 * http://autodiscover.<domain> redirect is never used. Each request goes out anonymous first: the
 * credentials follow only when that candidate answers 401 with a Basic challenge, so a candidate
 * that never asks for them (or asks for another scheme) never receives them.
 */
import { XMLParser } from 'fast-xml-parser';
import { ExchangeConnectError, isExchangeConnectError } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';
import { boundedRequest, type BoundedResponse } from '../outbound/bounded-request';
import type { OutboundPolicy } from '../outbound/policy';
import type { AutodiscoverClient } from './port';

const REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006';
const RESPONSE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
export const MAX_AUTODISCOVER_HOPS = 10;

export interface PoxAutodiscoverOptions {
  appId: string;
  /** TLS trust, where credentials may go, the development host map, size cap and deadline. */
  policy: OutboundPolicy;
}

type Step =
  | { kind: 'settings'; ewsUrl: string }
  | { kind: 'redirectUrl'; url: string }
  | { kind: 'redirectAddr'; address: string }
  | { kind: 'error'; code: string; message: string };

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'Protocol',
});

const escapeXml = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

function requestBody(address: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<Autodiscover xmlns="${REQUEST_NS}"><Request>` +
    `<EMailAddress>${escapeXml(address)}</EMailAddress>` +
    `<AcceptableResponseSchema>${RESPONSE_SCHEMA}</AcceptableResponseSchema>` +
    '</Request></Autodiscover>'
  );
}

interface PoxProtocol {
  Type?: string;
  EwsUrl?: string;
}
interface PoxDocument {
  Autodiscover?: {
    Response?: {
      Error?: { ErrorCode?: string; Message?: string };
      Account?: { Action?: string; RedirectUrl?: string; RedirectAddr?: string; Protocol?: PoxProtocol[] };
    };
  };
}

export function readPoxResponse(xml: string): Step {
  let doc: PoxDocument;
  try {
    doc = parser.parse(xml) as PoxDocument;
  } catch {
    return { kind: 'error', code: 'InvalidResponse', message: 'The Autodiscover response is not XML.' };
  }
  const response = doc.Autodiscover?.Response;
  if (response?.Error) {
    return {
      kind: 'error',
      code: `Autodiscover ${response.Error.ErrorCode ?? 'error'}`,
      message: response.Error.Message ?? 'Autodiscover returned an error.',
    };
  }
  const account = response?.Account;
  switch (account?.Action) {
    case 'settings': {
      const protocols = account.Protocol ?? [];
      // EXPR is the externally published endpoint; EXCH the internal one.
      const ewsUrl = (protocols.find((p) => p.Type === 'EXPR') ?? protocols.find((p) => p.Type === 'EXCH'))
        ?.EwsUrl;
      return ewsUrl
        ? { kind: 'settings', ewsUrl: ewsUrl.trim() }
        : { kind: 'error', code: 'NoEwsUrl', message: 'Autodiscover returned settings without an EWS URL.' };
    }
    case 'redirectUrl':
      return { kind: 'redirectUrl', url: (account.RedirectUrl ?? '').trim() };
    case 'redirectAddr':
      return { kind: 'redirectAddr', address: (account.RedirectAddr ?? '').trim() };
    default:
      return {
        kind: 'error',
        code: 'InvalidResponse',
        message: 'The answer is not a POX Autodiscover response.',
      };
  }
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** Whether a WWW-Authenticate value (challenges joined with `, `) offers the Basic scheme. */
export function offersBasic(challenges: string | undefined): boolean {
  return /(^|,)\s*basic(\s|,|$)/i.test(challenges ?? '');
}

export function candidateUrls(domain: string): string[] {
  return [
    `https://${domain}/autodiscover/autodiscover.xml`,
    `https://autodiscover.${domain}/autodiscover/autodiscover.xml`,
  ];
}

interface Walk {
  adminDomain: string;
  authorization: string;
  remediation: RemediationContext;
  /** `address url` pairs already asked: seeing one again is a loop. */
  seen: Set<string>;
  hops: number;
  failures: string[];
}
type Outcome = { ewsUrl?: string; nextAddress?: string };

/** A failure that ends discovery at once: a redirect we must not follow. */
class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class PoxAutodiscoverClient implements AutodiscoverClient {
  constructor(private readonly options: PoxAutodiscoverOptions) {}

  close(): void {
    this.options.policy.close();
  }

  async discoverEwsUrl(
    emailAddress: string,
    credentials: { username: string; password: string },
  ): Promise<string> {
    const walk: Walk = {
      adminDomain: domainOf(emailAddress),
      authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
      remediation: { appId: this.options.appId, mailbox: emailAddress, serviceAccount: credentials.username },
      seen: new Set(),
      hops: 0,
      failures: [],
    };
    try {
      let address: string | undefined = emailAddress;
      while (address) {
        const outcome: Outcome = await this.tryAddress(address, walk);
        if (outcome.ewsUrl) {
          this.assertEwsUrlInDomain(outcome.ewsUrl, walk.adminDomain);
          await this.checkEndpoint(outcome.ewsUrl, walk.remediation);
          return outcome.ewsUrl;
        }
        address = outcome.nextAddress;
      }
    } catch (error) {
      if (error instanceof Refusal) throw this.failure(error.code, error.message, walk.remediation);
      throw error;
    }
    throw this.failure(
      'AutodiscoverFailed',
      `Autodiscover found no EWS endpoint for ${emailAddress}. ${walk.failures.join(' ')}`.trim(),
      walk.remediation,
    );
  }

  /** The address's candidates in turn; the first that answers settings or a redirectAddr decides. */
  private async tryAddress(address: string, walk: Walk): Promise<Outcome> {
    for (const candidate of candidateUrls(domainOf(address))) {
      const outcome = await this.followRedirects(candidate, address, walk);
      if (outcome) return outcome;
    }
    return {};
  }

  /** Follows one candidate's https redirects; undefined when it leads nowhere. */
  private async followRedirects(start: string, address: string, walk: Walk): Promise<Outcome | undefined> {
    let url = start;
    for (;;) {
      const key = `${address.toLowerCase()} ${url}`;
      if (walk.seen.has(key)) {
        throw new Refusal('AutodiscoverRedirectLoop', `Autodiscover redirected in a loop (${url} again).`);
      }
      walk.seen.add(key);
      const step = await this.askOrRecord(url, address, walk);
      if (step.kind === 'settings') return { ewsUrl: step.ewsUrl };
      if (step.kind === 'error') {
        walk.failures.push(`${url}: ${step.message}`);
        return undefined;
      }
      if (++walk.hops > MAX_AUTODISCOVER_HOPS) {
        throw new Refusal(
          'AutodiscoverTooManyRedirects',
          `Autodiscover redirected more than ${MAX_AUTODISCOVER_HOPS} times.`,
        );
      }
      if (step.kind === 'redirectAddr') {
        if (
          !/^[^@\s]+@[^@\s]+$/.test(step.address) ||
          !this.inDomain(domainOf(step.address), walk.adminDomain)
        ) {
          throw new Refusal(
            'AutodiscoverRedirectOutsideDomain',
            `Autodiscover redirected to ${step.address}, outside ${walk.adminDomain}.`,
          );
        }
        return { nextAddress: step.address };
      }
      url = this.redirectTarget(step.url, url, walk.adminDomain);
    }
  }

  /** One request; a candidate that fails (network, policy, server error) becomes a recorded failure. */
  private async askOrRecord(url: string, address: string, walk: Walk): Promise<Step> {
    try {
      return await this.ask(url, address, walk.authorization, walk.adminDomain, walk.remediation);
    } catch (error) {
      if (error instanceof Refusal) throw error;
      if (isExchangeConnectError(error) && error.kind === 'invalid_credentials') throw error;
      const reason = isExchangeConnectError(error) ? `${error.code}: ${error.message}` : String(error);
      return { kind: 'error', code: 'Unreachable', message: reason };
    }
  }

  /** Only https, only inside the admin's domain. */
  private redirectTarget(location: string, from: string, adminDomain: string): string {
    let target: URL;
    try {
      target = new URL(location, from);
    } catch {
      throw new Refusal(
        'AutodiscoverInvalidRedirect',
        `Autodiscover redirected to an invalid URL (${location}).`,
      );
    }
    if (target.protocol !== 'https:') {
      throw new Refusal(
        'AutodiscoverRedirectNotHttps',
        `Autodiscover redirected to ${target.origin}, which is not https.`,
      );
    }
    if (!this.inDomain(target.hostname.toLowerCase(), adminDomain)) {
      throw new Refusal(
        'AutodiscoverRedirectOutsideDomain',
        `Autodiscover redirected to ${target.hostname}, outside ${adminDomain}; credentials are not sent there.`,
      );
    }
    return target.toString();
  }

  /** The service account's credentials go to the EwsUrl next: it must belong to the admin's domain too. */
  private assertEwsUrlInDomain(ewsUrl: string, adminDomain: string): void {
    if (!URL.canParse(ewsUrl)) return; // the endpoint policy refuses it as an invalid URL
    const host = new URL(ewsUrl).hostname.toLowerCase();
    if (!this.inDomain(host, adminDomain)) {
      throw new Refusal(
        'AutodiscoverEwsUrlOutsideDomain',
        `Autodiscover answered with the EWS URL ${ewsUrl}, whose host ${host} is outside ${adminDomain}; the service account's credentials were not sent there.`,
      );
    }
  }

  private inDomain(host: string, adminDomain: string): boolean {
    return host === adminDomain || host.endsWith(`.${adminDomain}`);
  }

  private async ask(
    url: string,
    address: string,
    authorization: string,
    adminDomain: string,
    remediation: RemediationContext,
  ): Promise<Step> {
    const target = new URL(url);
    if (!this.inDomain(target.hostname.toLowerCase(), adminDomain)) {
      throw new Refusal('AutodiscoverRedirectOutsideDomain', `${target.hostname} is outside ${adminDomain}.`);
    }
    await this.checkEndpoint(url, remediation);
    let answer = await this.post(target, address);
    if ('kind' in answer) return answer;
    if (answer.status === 401) {
      if (!offersBasic(answer.headers['www-authenticate'])) {
        return {
          kind: 'error',
          code: 'HTTP 401',
          message: `${target.host} does not offer Basic authentication; the credentials were not sent there.`,
        };
      }
      answer = await this.post(target, address, authorization);
      if ('kind' in answer) return answer;
      if (answer.status === 401) {
        throw new ExchangeConnectError({
          kind: 'invalid_credentials',
          code: 'HTTP 401',
          message: `Autodiscover at ${target.host} rejected the service account credentials (HTTP 401).`,
          remediation: remediationFor('invalid_credentials', remediation),
        });
      }
    }
    if ([301, 302, 307, 308].includes(answer.status)) {
      const location = answer.headers.location;
      if (!location)
        return { kind: 'error', code: `HTTP ${answer.status}`, message: 'A redirect without a Location.' };
      return { kind: 'redirectUrl', url: new URL(location, url).toString() };
    }
    if (answer.status !== 200)
      return { kind: 'error', code: `HTTP ${answer.status}`, message: `HTTP ${answer.status}.` };
    return readPoxResponse(answer.body.toString('utf8'));
  }

  /** One POST of the request, with the credentials only when given; a network failure is an error step. */
  private async post(
    target: URL,
    address: string,
    authorization?: string,
  ): Promise<BoundedResponse | Extract<Step, { kind: 'error' }>> {
    const { policy } = this.options;
    const connectPort = policy.connectPort(target);
    try {
      return await boundedRequest({
        method: 'POST',
        url: target,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          ...(authorization ? { authorization } : {}),
        },
        body: requestBody(address),
        agent: policy.customerEndpointAgent(),
        limits: policy.limits('autodiscover'),
        ...(connectPort ? { connectPort } : {}),
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        kind: 'error',
        code: typeof code === 'string' ? code : 'NetworkError',
        message: String((error as Error).message ?? error),
      };
    }
  }

  private checkEndpoint(url: string, remediation: RemediationContext): Promise<URL> {
    return this.options.policy.assertCredentialsMayGoTo(url, { ...remediation, ewsUrl: url });
  }

  private failure(code: string, message: string, remediation: RemediationContext): ExchangeConnectError {
    return new ExchangeConnectError({
      kind: 'autodiscover_failed',
      code,
      message,
      remediation: remediationFor('autodiscover_failed', remediation),
    });
  }
}
