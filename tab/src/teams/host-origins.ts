/**
 * Teams host origins teams-js must accept besides Microsoft's own list (the sandbox Teams host in
 * development). The server publishes them from its configuration (EC_TEAMS_HOST_ORIGINS) at
 * /tab/config.json; in production the list is empty and only Microsoft's hosts are accepted.
 */
export interface TabConfig {
  teamsHostOrigins: string[];
}

function isHttpsOrigin(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.origin === value;
  } catch {
    return false;
  }
}

export async function loadTeamsHostOrigins(): Promise<string[]> {
  try {
    const response = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
    if (!response.ok) return [];
    const config = (await response.json()) as Partial<TabConfig>;
    return Array.isArray(config.teamsHostOrigins) ? config.teamsHostOrigins.filter(isHttpsOrigin) : [];
  } catch {
    return [];
  }
}
