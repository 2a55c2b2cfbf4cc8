/**
 * Exchange state of both organisations: which mailboxes exist, service accounts (password,
 * ApplicationImpersonation), the Exchange Online EWS allow list and application access policy.
 */
import type { Seed, SeedTenant } from './seed';

export interface ServiceAccount {
  upn: string;
  password: string;
  applicationImpersonation: boolean;
}

export interface EwsOrganizationConfig {
  /** `Set-OrganizationConfig -EwsEnabled`: null = not set (off by default since 2026-10-01). */
  enabled: boolean | null;
  allowedAppIds: string[];
}

/** A redirect the on-premises Autodiscover answers with, to exercise a client's redirect handling. */
export interface AutodiscoverRedirect {
  /** http: 302 to `target` (an https URL); addr: POX redirectAddr; url: POX redirectUrl. */
  kind: 'http' | 'addr' | 'url';
  target: string;
  /** Only requests for this address are redirected; all addresses when absent. */
  address?: string;
  /** How many requests are redirected before the rule lapses; unlimited when absent (a loop). */
  remaining?: number;
}

export class ExchangeState {
  private autodiscover: AutodiscoverRedirect | null = null;
  private readonly mailboxes = new Map<string, string>(); // address -> tenant id
  private readonly serviceAccounts = new Map<string, ServiceAccount>();
  private readonly ews = new Map<string, EwsOrganizationConfig>();
  /** Tenant id -> mailboxes the app is scoped to (New-ApplicationAccessPolicy RestrictAccess). */
  private readonly accessPolicies = new Map<string, Set<string>>();

  constructor(readonly seed: Seed) {
    for (const tenant of seed.tenants) {
      for (const user of tenant.users) {
        if (user.mailbox) this.mailboxes.set(user.upn, tenant.id);
        if (user.serviceAccount) {
          this.serviceAccounts.set(user.upn, { upn: user.upn, ...user.serviceAccount });
        }
      }
      for (const room of tenant.rooms) this.mailboxes.set(room.address, tenant.id);
      if (tenant.exchange.kind === 'online') {
        this.ews.set(tenant.id, {
          enabled: tenant.exchange.ews.enabled,
          allowedAppIds: [...tenant.exchange.ews.allowedAppIds],
        });
      }
    }
  }

  tenant(tenantId: string): SeedTenant | undefined {
    return this.seed.tenants.find((t) => t.id === tenantId);
  }

  /** The tenant owning a mailbox, if the mailbox exists. */
  mailboxTenant(address: string): string | undefined {
    return this.mailboxes.get(address.toLowerCase());
  }

  hasMailbox(tenantId: string, address: string): boolean {
    return this.mailboxes.get(address.toLowerCase()) === tenantId;
  }

  deleteMailbox(address: string): boolean {
    return this.mailboxes.delete(address.toLowerCase());
  }

  restoreMailbox(address: string): boolean {
    const key = address.toLowerCase();
    const tenant = this.seed.tenants.find(
      (t) => t.users.some((u) => u.upn === key && u.mailbox) || t.rooms.some((r) => r.address === key),
    );
    if (!tenant) return false;
    this.mailboxes.set(key, tenant.id);
    return true;
  }

  isRoom(address: string): boolean {
    const key = address.toLowerCase();
    return this.seed.tenants.some((t) => t.rooms.some((r) => r.address === key));
  }

  serviceAccount(upnOrDomainUser: string): ServiceAccount | undefined {
    return this.serviceAccounts.get(upnOrDomainUser.toLowerCase());
  }

  setServiceAccountPassword(upn: string, password: string): boolean {
    const account = this.serviceAccount(upn);
    if (account) account.password = password;
    return Boolean(account);
  }

  setImpersonation(upn: string, granted: boolean): boolean {
    const account = this.serviceAccount(upn);
    if (account) account.applicationImpersonation = granted;
    return Boolean(account);
  }

  ewsConfig(tenantId: string): EwsOrganizationConfig | undefined {
    return this.ews.get(tenantId);
  }

  setEwsConfig(tenantId: string, config: EwsOrganizationConfig): boolean {
    if (!this.ews.has(tenantId)) return false;
    this.ews.set(tenantId, { enabled: config.enabled, allowedAppIds: [...config.allowedAppIds] });
    return true;
  }

  /** Whether EWS lets this app in: Exchange Online since 2026-10-01 needs EwsEnabled and the allow list. */
  ewsAllowsApp(tenantId: string, appId: string): boolean {
    const config = this.ews.get(tenantId);
    if (!config) return true; // Exchange Server has no EWS allow list
    return config.enabled === true && config.allowedAppIds.includes(appId);
  }

  setAccessPolicy(tenantId: string, mailboxes: string[] | null): void {
    if (mailboxes === null) this.accessPolicies.delete(tenantId);
    else this.accessPolicies.set(tenantId, new Set(mailboxes.map((m) => m.toLowerCase())));
  }

  accessPolicy(tenantId: string): ReadonlySet<string> | undefined {
    return this.accessPolicies.get(tenantId);
  }

  /** Whether an application access policy lets the app open this mailbox. */
  appMayAccess(tenantId: string, address: string): boolean {
    const scope = this.accessPolicies.get(tenantId);
    return !scope || scope.has(address.toLowerCase());
  }

  setAutodiscoverRedirect(redirect: AutodiscoverRedirect | null): void {
    this.autodiscover = redirect ? { ...redirect } : null;
  }

  /** The redirect that applies to a request for this address, consumed (one use counted). */
  takeAutodiscoverRedirect(address: string): AutodiscoverRedirect | undefined {
    const rule = this.autodiscover;
    if (!rule || (rule.address && rule.address.toLowerCase() !== address.toLowerCase())) return undefined;
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.autodiscover = null;
    }
    return rule;
  }
}
