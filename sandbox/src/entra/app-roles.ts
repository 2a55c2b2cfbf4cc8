/**
 * The application permissions (app roles) the sandbox knows per resource: what our registration
 * requests in tenant.json plus the few an admin may grant besides (e.g. Calendars.Read). Ids are
 * the app-role GUIDs Microsoft publishes, so tokens and consent views carry the real values.
 */
import type { Seed } from '../seed';

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const EXCHANGE_ONLINE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';

export interface AppRole {
  id: string;
  value: string;
  displayName: string;
}

export interface ResourceApp {
  resourceAppId: string;
  /** The resource URI a token's `aud` carries and `{resource}/.default` names. */
  resource: string;
  appRoles: AppRole[];
}

const CATALOGUE: ResourceApp[] = [
  {
    resourceAppId: GRAPH_APP_ID,
    resource: 'https://graph.microsoft.com',
    appRoles: [
      {
        id: '798ee544-9d2d-430c-a058-570e29e34338',
        value: 'Calendars.Read',
        displayName: 'Read calendars in all mailboxes',
      },
      {
        id: 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
        value: 'Calendars.ReadWrite',
        displayName: 'Read and write calendars in all mailboxes',
      },
      {
        id: '913b9306-0ce1-42b8-9137-6a7df690a760',
        value: 'Place.Read.All',
        displayName: 'Read all company places',
      },
    ],
  },
  {
    resourceAppId: EXCHANGE_ONLINE_APP_ID,
    resource: 'https://outlook.office365.com',
    appRoles: [
      {
        id: 'dc890d15-9560-4a4c-9b7f-a736ec74ec40',
        value: 'full_access_as_app',
        displayName: 'Use Exchange Web Services with full access to all mailboxes',
      },
    ],
  },
];

/** Every role an admin can grant per resource: the catalogue merged with the seed's registration. */
export function resourceApps(seed: Seed): ResourceApp[] {
  const byId = new Map<string, ResourceApp>(
    CATALOGUE.map((r) => [r.resourceAppId, { ...r, appRoles: [...r.appRoles] }]),
  );
  for (const required of seed.app.requiredResourceAccess) {
    const known = byId.get(required.resourceAppId);
    if (!known) {
      byId.set(required.resourceAppId, { ...required, appRoles: [...required.appRoles] });
      continue;
    }
    for (const role of required.appRoles) {
      if (!known.appRoles.some((r) => r.value === role.value)) known.appRoles.push(role);
    }
  }
  return [...byId.values()];
}

export const defaultScopeOf = (resource: string) => `${resource}/.default`;
