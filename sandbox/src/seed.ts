/** The sandbox seed (`sandbox/tenant.json`): validated once at start so every service can trust it. */
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const GLOBAL_ADMINISTRATOR_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const smtp = z
  .string()
  .email()
  .transform((s) => s.toLowerCase());

const userSchema = z.object({
  id: guid,
  upn: smtp,
  displayName: z.string(),
  roles: z.array(z.enum(['Global Administrator'])),
  mailbox: z.boolean(),
  /** `Set-CASMailbox -EwsEnabled`: null (not set) lets EWS in; false blocks it for this mailbox. */
  ewsEnabled: z.boolean().nullable().optional(),
  serviceAccount: z.object({ password: z.string().min(8), applicationImpersonation: z.boolean() }).optional(),
});

const roomSchema = z.object({
  address: smtp,
  displayName: z.string(),
  capacity: z.number().int().positive(),
  /** Places metadata (Microsoft Graph `room`); derived from the address when absent. */
  building: z.string().optional(),
  floorNumber: z.number().int().optional(),
  city: z.string().optional(),
});

const exchangeOnline = z.object({
  kind: z.literal('online'),
  ews: z.object({
    enabled: z.boolean().nullable(),
    allowedAppIds: z.array(guid),
    /** `Set-OrganizationConfig -EwsApplicationAccessPolicy` with its user-agent lists. */
    applicationAccessPolicy: z.enum(['EnforceAllowList', 'EnforceBlockList']).nullable().optional(),
    allowList: z.array(z.string()).optional(),
    blockList: z.array(z.string()).optional(),
  }),
});
const exchangeServer = z.object({
  kind: z.literal('server'),
  version: z.string(),
  serverVersion: z.object({ major: z.number(), minor: z.number(), build: z.number(), revision: z.number() }),
  autodiscoverDomains: z.array(z.string()),
});

const tenantSchema = z.object({
  id: guid,
  displayName: z.string(),
  domains: z.array(z.string()).min(1),
  exchange: z.discriminatedUnion('kind', [exchangeOnline, exchangeServer]),
  users: z.array(userSchema),
  rooms: z.array(roomSchema),
  roomLists: z.array(z.object({ address: smtp, displayName: z.string(), rooms: z.array(smtp) })),
});

export const seedSchema = z.object({
  publisher: z.object({ tenantId: guid, displayName: z.string(), domains: z.array(z.string()) }),
  app: z.object({
    clientId: guid,
    displayName: z.string(),
    publisherDomain: z.string(),
    redirectUris: z.array(z.string().url()),
    ssoScope: z.string(),
    requiredResourceAccess: z.array(
      z.object({
        resourceAppId: guid,
        resource: z.string().url(),
        appRoles: z.array(z.object({ id: guid, value: z.string(), displayName: z.string() })),
      }),
    ),
  }),
  bot: z.object({ appId: guid, displayName: z.string() }),
  tenants: z.array(tenantSchema),
});

export type Seed = z.infer<typeof seedSchema>;
export type SeedTenant = Seed['tenants'][number];
export type SeedUser = SeedTenant['users'][number];
export type SeedRoom = SeedTenant['rooms'][number];
export type SeedRoomList = SeedTenant['roomLists'][number];

export const DEFAULT_SEED_PATH = path.resolve(__dirname, '..', 'tenant.json');

export function loadSeed(file: string = DEFAULT_SEED_PATH): Seed {
  return seedSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
