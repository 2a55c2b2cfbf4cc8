/**
 * What the Teams host page needs to boot: who is signed in, the sandbox users to switch to,
 * the theme and the tab URL. Built on the server from the seed and the page's query string.
 */
import { z } from 'zod';
import type { SandboxContext } from '../../context';

export const TEAMS_THEMES = ['default', 'dark', 'contrast'] as const;
export type TeamsTheme = (typeof TEAMS_THEMES)[number];

export const DEFAULT_SIGNED_IN_UPN = 'admin@contoso.com';

/** The personal tab's `entityId`, as the app manifest's static tab declares it. */
export const PERSONAL_TAB_ENTITY_ID = 'connect';

/** The teams-js version this host implements the protocol of (answered to `initialize`). */
export const HOST_SUPPORTED_SDK_VERSION = '2.58.0';

export const hostQuerySchema = z.object({
  user: z
    .string()
    .email()
    .transform((s) => s.toLowerCase())
    .default(DEFAULT_SIGNED_IN_UPN),
  theme: z.enum(TEAMS_THEMES).default('default'),
  /** Tests host a probe tab instead of the app's own tab. */
  tab: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'The tab URL must be http(s).')
    .optional(),
});
export type HostQuery = z.infer<typeof hostQuerySchema>;

export interface HostUser {
  upn: string;
  displayName: string;
  objectId: string;
  tenantId: string;
  tenantName: string;
  isGlobalAdmin: boolean;
}

export interface HostBootConfig {
  user: HostUser;
  users: HostUser[];
  theme: TeamsTheme;
  tabUrl: string;
  appName: string;
  botName: string;
  entityId: string;
  locale: string;
  sdkVersion: string;
}

function hostUsers(ctx: SandboxContext): HostUser[] {
  return ctx.seed.tenants.flatMap((tenant) =>
    tenant.users.map((user) => ({
      upn: user.upn,
      displayName: user.displayName,
      objectId: user.id,
      tenantId: tenant.id,
      tenantName: tenant.displayName,
      isGlobalAdmin: ctx.directory.isGlobalAdmin(user),
    })),
  );
}

/** The boot config for `query`, or undefined when the requested user is not in the sandbox directory. */
export function buildHostConfig(ctx: SandboxContext, query: HostQuery): HostBootConfig | undefined {
  if (!ctx.index.user(query.user)) return undefined;
  const users = hostUsers(ctx);
  const user = users.find((u) => u.upn === query.user);
  if (!user) return undefined;
  return {
    user,
    users,
    theme: query.theme,
    tabUrl: query.tab ?? `${ctx.appBaseUrl}/tab/`,
    appName: ctx.seed.app.displayName,
    botName: ctx.seed.bot.displayName,
    entityId: PERSONAL_TAB_ENTITY_ID,
    locale: 'en-us',
    sdkVersion: HOST_SUPPORTED_SDK_VERSION,
  };
}
