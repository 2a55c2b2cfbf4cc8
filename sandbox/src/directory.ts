/**
 * Entra ID directory state: tenants, users, the app registrations (our app and the bot: certificates, enabled flag,
 * the resources ours requests) and admin consent per tenant and resource (app-role assignments on our service
 * principal), each with a configurable propagation delay.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { GLOBAL_ADMINISTRATOR_TEMPLATE_ID, type Seed, type SeedTenant, type SeedUser } from './seed';
import { SeedIndex } from './seed-index';
import { defaultScopeOf, resourceApps, type AppRole, type ResourceApp } from './entra/app-roles';

export interface RegisteredCertificate {
  appId: string;
  sha1: string;
  sha256: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

/** The service principal's consent record: created at the first consent, kept until revoked. */
export interface ConsentGrant {
  grantedAtMs: number;
  grantedBy: string;
  /** The scope of the last consent (`{resource}/.default`, space-separated for several resources). */
  scope: string;
}

/** One tenant-wide application permission (an app-role assignment on our service principal). */
export interface AppRoleGrant {
  resourceAppId: string;
  resource: string;
  id: string;
  value: string;
  grantedAtMs: number;
  grantedBy: string;
}

export type GrantState = 'propagating' | 'effective';

interface TenantConsent extends ConsentGrant {
  /** `{resourceAppId}/{value}` → grant, in the order they were granted (the order of `roles`). */
  roles: Map<string, AppRoleGrant>;
}

const roleKey = (resourceAppId: string, value: string) => `${resourceAppId}/${value.toLowerCase()}`;

export class DirectoryState {
  appDisabled = false;
  /** Key credentials per app registration (client id → SHA-256 thumbprint → certificate). */
  private readonly certificates = new Map<string, Map<string, RegisteredCertificate>>();
  private readonly consents = new Map<string, TenantConsent>();
  /** The resources our registration currently requests (`requiredResourceAccess`), by resourceAppId. */
  private readonly requested: Set<string>;
  private readonly catalogue: ResourceApp[];

  constructor(
    readonly seed: Seed,
    public consentPropagationMs: number,
    private readonly now: () => number,
    readonly index: SeedIndex = new SeedIndex(seed),
    requestedResourceAppIds?: readonly string[],
  ) {
    this.catalogue = resourceApps(seed);
    const registered = seed.app.requiredResourceAccess.map((r) => r.resourceAppId);
    this.requested = new Set(requestedResourceAppIds ?? registered);
  }

  /** A tenant by GUID or any verified domain, as Entra resolves the `{tenant}` path segment. */
  findTenant(idOrDomain: string): SeedTenant | undefined {
    return this.index.tenant(idOrDomain);
  }

  isPublisherTenant(idOrDomain: string): boolean {
    const key = idOrDomain.toLowerCase();
    const p = this.seed.publisher;
    return p.tenantId === key || p.domains.some((d) => d.toLowerCase() === key);
  }

  findUser(upn: string): { tenant: SeedTenant; user: SeedUser } | undefined {
    return this.index.user(upn);
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

  /** The resources our registration requests now, each with the app roles it asks for. */
  requiredResources(): ResourceApp[] {
    return this.seed.app.requiredResourceAccess
      .filter((r) => this.requested.has(r.resourceAppId))
      .map((r) => ({ resourceAppId: r.resourceAppId, resource: r.resource, appRoles: r.appRoles }));
  }

  /** Changes which of the seed's required resources the registration requests (publisher edits it). */
  setRequiredResources(resourceAppIds: readonly string[]): boolean {
    const known = new Set(this.seed.app.requiredResourceAccess.map((r) => r.resourceAppId));
    if (!resourceAppIds.every((id) => known.has(id))) return false;
    this.requested.clear();
    for (const id of resourceAppIds) this.requested.add(id);
    return true;
  }

  /** The requested resource a `{resource}/.default` scope names. */
  requiredResourceByScope(scope: string): ResourceApp | undefined {
    return this.requiredResources().find((r) => defaultScopeOf(r.resource) === scope);
  }

  /** A resource and role the directory knows, by resourceAppId or resource URI (any resource when omitted). */
  findAppRole(value: string, resource?: string): { resource: ResourceApp; role: AppRole } | undefined {
    const key = value.toLowerCase();
    for (const app of this.catalogue) {
      if (resource && app.resourceAppId !== resource && app.resource !== resource.replace(/\/$/, ''))
        continue;
      const role = app.appRoles.find((r) => r.value.toLowerCase() === key);
      if (role) return { resource: app, role };
    }
    return undefined;
  }

  /**
   * Admin consent: creates the service principal if needed and assigns every app role the
   * registration requests on `resources` (all requested resources by default). Roles already
   * granted keep their grant time, so re-consenting does not restart their propagation.
   */
  grantConsent(
    tenantId: string,
    grantedBy: string,
    scope: string,
    resources: readonly ResourceApp[] = this.requiredResources(),
  ): ConsentGrant {
    const nowMs = this.now();
    const existing = this.consents.get(tenantId);
    const consent: TenantConsent = existing ?? { grantedAtMs: nowMs, grantedBy, scope, roles: new Map() };
    Object.assign(consent, { grantedAtMs: nowMs, grantedBy, scope });
    for (const resource of resources) {
      for (const role of resource.appRoles) this.assign(consent, resource, role, grantedBy, nowMs);
    }
    this.consents.set(tenantId, consent);
    return { grantedAtMs: consent.grantedAtMs, grantedBy, scope };
  }

  /** Grants one app role tenant-wide (Entra → Enterprise applications → Permissions); needs the SP. */
  grantAppRole(
    tenantId: string,
    value: string,
    grantedBy: string,
    resource?: string,
  ): AppRoleGrant | undefined {
    const consent = this.consents.get(tenantId);
    const found = this.findAppRole(value, resource);
    if (!consent || !found) return undefined;
    return this.assign(consent, found.resource, found.role, grantedBy, this.now());
  }

  /** Removes one tenant-wide app-role assignment; true when it was granted. */
  removeAppRole(tenantId: string, value: string, resource?: string): boolean {
    const consent = this.consents.get(tenantId);
    const found = this.findAppRole(value, resource);
    if (!consent || !found) return false;
    return consent.roles.delete(roleKey(found.resource.resourceAppId, found.role.value));
  }

  private assign(
    consent: TenantConsent,
    resource: ResourceApp,
    role: AppRole,
    grantedBy: string,
    nowMs: number,
  ): AppRoleGrant {
    const key = roleKey(resource.resourceAppId, role.value);
    const existing = consent.roles.get(key);
    if (existing) return existing;
    const grant: AppRoleGrant = {
      resourceAppId: resource.resourceAppId,
      resource: resource.resource,
      id: role.id,
      value: role.value,
      grantedAtMs: nowMs,
      grantedBy,
    };
    consent.roles.set(key, grant);
    return grant;
  }

  /** Deletes the service principal and with it every app-role assignment. */
  revokeConsent(tenantId: string): boolean {
    return this.consents.delete(tenantId);
  }

  consent(tenantId: string): ConsentGrant | undefined {
    const consent = this.consents.get(tenantId);
    return (
      consent && { grantedAtMs: consent.grantedAtMs, grantedBy: consent.grantedBy, scope: consent.scope }
    );
  }

  appRoleGrants(tenantId: string): AppRoleGrant[] {
    return [...(this.consents.get(tenantId)?.roles.values() ?? [])];
  }

  grantState(grant: AppRoleGrant): GrantState {
    return this.now() - grant.grantedAtMs >= this.consentPropagationMs ? 'effective' : 'propagating';
  }

  /** The role values a token for `resourceAppId` carries now: granted and replicated. */
  effectiveRoles(tenantId: string, resourceAppId: string): string[] {
    return this.appRoleGrants(tenantId)
      .filter((g) => g.resourceAppId === resourceAppId && this.grantState(g) === 'effective')
      .map((g) => g.value);
  }

  hasServicePrincipal(tenantId: string): boolean {
    return this.consents.has(tenantId);
  }

  /** The service principal exists from the moment of consent; its app roles land after propagation. */
  consentState(tenantId: string): 'none' | 'propagating' | 'effective' {
    if (!this.consents.has(tenantId)) return 'none';
    const pending = this.appRoleGrants(tenantId).some((g) => this.grantState(g) === 'propagating');
    return pending ? 'propagating' : 'effective';
  }
}
