/**
 * Entra ID directory state: tenants, users, the app registrations (our app and the bot: certificates, enabled flag)
 * and admin consent per tenant, with a configurable consent-propagation delay.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { GLOBAL_ADMINISTRATOR_TEMPLATE_ID, type Seed, type SeedTenant, type SeedUser } from './seed';

export interface RegisteredCertificate {
  appId: string;
  sha1: string;
  sha256: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

export interface ConsentGrant {
  grantedAtMs: number;
  grantedBy: string;
  scope: string;
}

export class DirectoryState {
  appDisabled = false;
  /** Key credentials per app registration (client id → SHA-256 thumbprint → certificate). */
  private readonly certificates = new Map<string, Map<string, RegisteredCertificate>>();
  private readonly consents = new Map<string, ConsentGrant>();

  constructor(
    readonly seed: Seed,
    public consentPropagationMs: number,
    private readonly now: () => number,
  ) {}

  /** A tenant by GUID or any verified domain, as Entra resolves the `{tenant}` path segment. */
  findTenant(idOrDomain: string): SeedTenant | undefined {
    const key = idOrDomain.toLowerCase();
    return this.seed.tenants.find((t) => t.id === key || t.domains.some((d) => d.toLowerCase() === key));
  }

  isPublisherTenant(idOrDomain: string): boolean {
    const key = idOrDomain.toLowerCase();
    const p = this.seed.publisher;
    return p.tenantId === key || p.domains.some((d) => d.toLowerCase() === key);
  }

  findUser(upn: string): { tenant: SeedTenant; user: SeedUser } | undefined {
    const key = upn.toLowerCase();
    for (const tenant of this.seed.tenants) {
      const user = tenant.users.find((u) => u.upn === key);
      if (user) return { tenant, user };
    }
    return undefined;
  }

  /** Directory role template ids as they appear in the `wids` claim. */
  roleTemplateIds(user: SeedUser): string[] {
    return user.roles.map(() => GLOBAL_ADMINISTRATOR_TEMPLATE_ID);
  }

  isGlobalAdmin(user: SeedUser): boolean {
    return user.roles.includes('Global Administrator');
  }

  /** The app registrations this directory knows: our app and the bot. */
  isRegisteredApp(appId: string): boolean {
    return appId === this.seed.app.clientId || appId === this.seed.bot.appId;
  }

  registerCertificate(certPem: string, appId: string = this.seed.app.clientId): RegisteredCertificate {
    const cert = new X509Certificate(certPem);
    const entry: RegisteredCertificate = {
      appId,
      sha1: createHash('sha1').update(cert.raw).digest('hex').toUpperCase(),
      sha256: createHash('sha256').update(cert.raw).digest('hex').toUpperCase(),
      publicKey: cert.publicKey,
      notBefore: new Date(cert.validFrom),
      notAfter: new Date(cert.validTo),
    };
    this.certificatesOf(appId).set(entry.sha256, entry);
    return entry;
  }

  /** Removes a certificate by its SHA-1 or SHA-256 thumbprint; true when one was registered. */
  unregisterCertificate(thumbprint: string, appId: string = this.seed.app.clientId): boolean {
    const found = this.findCertificate(thumbprint, appId);
    return found ? this.certificatesOf(appId).delete(found.sha256) : false;
  }

  /** Marks a registered certificate as expired (end date in the past), as when a key credential lapses. */
  expireCertificate(thumbprint: string, appId: string = this.seed.app.clientId): boolean {
    const found = this.findCertificate(thumbprint, appId);
    if (found) found.notAfter = new Date(this.now() - 1000);
    return Boolean(found);
  }

  findCertificate(
    thumbprint: string,
    appId: string = this.seed.app.clientId,
  ): RegisteredCertificate | undefined {
    const key = thumbprint.replace(/:/g, '').toUpperCase();
    return [...this.certificatesOf(appId).values()].find((c) => c.sha1 === key || c.sha256 === key);
  }

  /** The certificates of one app registration, or of all of them when `appId` is omitted. */
  listCertificates(appId?: string): RegisteredCertificate[] {
    const apps = appId === undefined ? [...this.certificates.values()] : [this.certificatesOf(appId)];
    return apps.flatMap((byThumbprint) => [...byThumbprint.values()]);
  }

  private certificatesOf(appId: string): Map<string, RegisteredCertificate> {
    let byThumbprint = this.certificates.get(appId);
    if (!byThumbprint) {
      byThumbprint = new Map();
      this.certificates.set(appId, byThumbprint);
    }
    return byThumbprint;
  }

  grantConsent(tenantId: string, grantedBy: string, scope: string): ConsentGrant {
    const grant = { grantedAtMs: this.now(), grantedBy, scope };
    this.consents.set(tenantId, grant);
    return grant;
  }

  revokeConsent(tenantId: string): boolean {
    return this.consents.delete(tenantId);
  }

  consent(tenantId: string): ConsentGrant | undefined {
    return this.consents.get(tenantId);
  }

  /** The service principal exists from the moment of consent; its app role lands after propagation. */
  consentState(tenantId: string): 'none' | 'propagating' | 'effective' {
    const grant = this.consents.get(tenantId);
    if (!grant) return 'none';
    return this.now() - grant.grantedAtMs >= this.consentPropagationMs ? 'effective' : 'propagating';
  }
}
