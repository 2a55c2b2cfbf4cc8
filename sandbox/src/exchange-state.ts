/**
 * Exchange state of every organisation: which mailboxes exist, service accounts (password,
 * ApplicationImpersonation), Exchange Online's EWS access controls (organisation, per mailbox, app
 * and user-agent lists), the application access policy and RBAC for Applications.
 */
import type { Seed, SeedTenant } from './seed';
import { SeedIndex } from './seed-index';
import { RbacState } from './rbac/rbac-state';
import type { Recipient } from './rbac/recipient-filter';
import { wildcardMatches } from './wildcard';

export interface ServiceAccount {
  upn: string;
  password: string;
  applicationImpersonation: boolean;
}

export interface EwsOrganizationConfig {
  /** `Set-OrganizationConfig -EwsEnabled`: null = not set (off by default since 2026-10-01). */
  enabled: boolean | null;
  allowedAppIds: string[];
  /** `-EwsApplicationAccessPolicy`: which user-agent list applies (none when null/absent). */
  applicationAccessPolicy?: 'EnforceAllowList' | 'EnforceBlockList' | null;
  /** `-EwsAllowList` / `-EwsBlockList`: user-agent patterns, `*` as wildcard. */
  allowList?: string[];
  blockList?: string[];
}

/** The two values of `X-EWS-Policy-Reason`, as Microsoft's "Control access to EWS" documents them. */
export const EWS_POLICY_REASONS = {
  disabled: 'EWS is disabled for this user or tenant',
  blocked: 'EWS is blocked by policy for this user or tenant',
} as const;
export type EwsPolicyReason = (typeof EWS_POLICY_REASONS)[keyof typeof EWS_POLICY_REASONS];

export interface ExchangeStateOptions {
  now?: () => number;
  /** Delay before a new RBAC role assignment takes effect (Exchange: 30 min to 2 h). */
  rbacPropagationMs?: number;
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
  /** `Set-CASMailbox -EwsEnabled` per mailbox address; absent = not set (EWS allowed). */
  private readonly mailboxEws = new Map<string, boolean | null>();
  readonly rbac: RbacState;

  constructor(
    readonly seed: Seed,
    readonly index: SeedIndex = new SeedIndex(seed),
    options: ExchangeStateOptions = {},
  ) {
    this.rbac = new RbacState(options.now ?? Date.now, options.rbacPropagationMs ?? 0);
    for (const tenant of seed.tenants) {
      for (const user of tenant.users) {
        if (user.ewsEnabled !== undefined) this.mailboxEws.set(user.upn, user.ewsEnabled);
        if (user.mailbox) this.mailboxes.set(user.upn, tenant.id);
        if (user.serviceAccount) {
          this.serviceAccounts.set(user.upn, { upn: user.upn, ...user.serviceAccount });
        }
      }
      for (const room of tenant.rooms) this.mailboxes.set(room.address, tenant.id);
      if (tenant.exchange.kind === 'online') {
        this.ews.set(tenant.id, copyConfig(tenant.exchange.ews));
      }
    }
  }

  tenant(tenantId: string): SeedTenant | undefined {
    return this.index.tenant(tenantId);
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
    const tenant = this.index.seededMailboxTenant(key);
    if (!tenant) return false;
    this.mailboxes.set(key, tenant.id);
    return true;
  }

  isRoom(address: string): boolean {
    return this.index.room(address) !== undefined;
  }

  /** The recipient an OPATH filter sees for an existing mailbox of the tenant. */
  recipient(tenantId: string, address: string): Recipient | undefined {
    const key = address.toLowerCase();
    if (!this.hasMailbox(tenantId, key)) return undefined;
    const room = this.index.room(key);
    const displayName = room?.room.displayName ?? this.index.user(key)?.user.displayName ?? key;
    const alias = key.split('@')[0] ?? key;
    return {
      RecipientTypeDetails: room ? 'RoomMailbox' : 'UserMailbox',
      RecipientType: 'UserMailbox',
      PrimarySmtpAddress: key,
      WindowsEmailAddress: key,
      Alias: alias,
      Name: alias,
      DisplayName: displayName,
    };
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

  /** Replaces the organisation's EWS settings; user-agent settings absent from `config` are kept. */
  setEwsConfig(tenantId: string, config: EwsOrganizationConfig): boolean {
    const current = this.ews.get(tenantId);
    if (!current) return false;
    this.ews.set(tenantId, copyConfig({ ...current, ...config }));
    return true;
  }

  /**
   * Why Exchange Online refuses EWS for the organisation, app and user agent, if it does: EWS off
   * (EwsEnabled not true), the app missing from EwsAllowedAppIDs, or the user-agent lists.
   */
  ewsOrganizationBlock(tenantId: string, appId: string, userAgent: string): EwsPolicyReason | undefined {
    const config = this.ews.get(tenantId);
    if (!config) return undefined; // Exchange Server has none of these controls
    if (config.enabled !== true) return EWS_POLICY_REASONS.disabled;
    // Application ids are GUIDs: an admin may have pasted ours in upper case.
    const allowed = config.allowedAppIds.map((id) => id.toLowerCase());
    if (!allowed.includes(appId.toLowerCase())) return EWS_POLICY_REASONS.blocked;
    const listed = (list: string[] | undefined) => (list ?? []).some((p) => wildcardMatches(userAgent, p));
    if (config.applicationAccessPolicy === 'EnforceAllowList' && !listed(config.allowList)) {
      return EWS_POLICY_REASONS.blocked;
    }
    if (config.applicationAccessPolicy === 'EnforceBlockList' && listed(config.blockList)) {
      return EWS_POLICY_REASONS.blocked;
    }
    return undefined;
  }

  /** `Set-CASMailbox -EwsEnabled`: false blocks EWS for the mailbox, null/true leave it to the organisation. */
  setMailboxEwsEnabled(address: string, enabled: boolean | null): boolean {
    const key = address.toLowerCase();
    if (!this.index.seededMailboxTenant(key)) return false;
    this.mailboxEws.set(key, enabled);
    return true;
  }

  mailboxEwsEnabled(address: string): boolean | null {
    return this.mailboxEws.get(address.toLowerCase()) ?? null;
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

function copyConfig(config: EwsOrganizationConfig): EwsOrganizationConfig {
  return {
    enabled: config.enabled,
    allowedAppIds: [...config.allowedAppIds],
    ...(config.applicationAccessPolicy !== undefined
      ? { applicationAccessPolicy: config.applicationAccessPolicy }
      : {}),
    ...(config.allowList ? { allowList: [...config.allowList] } : {}),
    ...(config.blockList ? { blockList: [...config.blockList] } : {}),
  };
}
