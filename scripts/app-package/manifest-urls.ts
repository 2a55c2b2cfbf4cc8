/**
 * Every URL a built Teams manifest points at, checked against the app that serves it: the developer
 * links (website, privacy, terms) and tab pages must answer 200 with HTML, and the hosts Teams
 * trusts (validDomains, the SSO resource) must be the app's. Teams admin center and store
 * validation refuse a package whose links do not resolve; a tester's sideloaded tab would not load.
 */

export interface BuiltTeamsManifest {
  developer: { websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  staticTabs?: { entityId: string; contentUrl?: string; websiteUrl?: string }[];
  configurableTabs?: { configurationUrl: string }[];
  validDomains?: string[];
  webApplicationInfo?: { id: string; resource?: string };
}

export interface UrlAnswer {
  status: number;
  contentType: string;
}

export interface UrlCheck {
  what: string;
  /** Why the check failed; absent when it passed. */
  problem?: string;
}

/** `host` or `host:port` as Teams writes domains (no scheme). */
const hostOf = (url: string) => new URL(url).host;

/** The pages the manifest links to, each with where it comes from. */
function pagesOf(manifest: BuiltTeamsManifest): { what: string; url: string }[] {
  const { developer } = manifest;
  return [
    { what: 'developer.websiteUrl', url: developer.websiteUrl },
    { what: 'developer.privacyUrl', url: developer.privacyUrl },
    { what: 'developer.termsOfUseUrl', url: developer.termsOfUseUrl },
    ...(manifest.staticTabs ?? []).flatMap((tab) => [
      ...(tab.contentUrl ? [{ what: `staticTabs[${tab.entityId}].contentUrl`, url: tab.contentUrl }] : []),
      ...(tab.websiteUrl ? [{ what: `staticTabs[${tab.entityId}].websiteUrl`, url: tab.websiteUrl }] : []),
    ]),
    ...(manifest.configurableTabs ?? []).map((tab, i) => ({
      what: `configurableTabs[${i}].configurationUrl`,
      url: tab.configurationUrl,
    })),
  ];
}

export async function checkManifestUrls(
  manifest: BuiltTeamsManifest,
  appUrl: string,
  get: (url: string) => Promise<UrlAnswer>,
): Promise<UrlCheck[]> {
  const appHost = hostOf(appUrl);
  const checks: UrlCheck[] = [];
  for (const { what, url } of pagesOf(manifest)) {
    const label = `${what} ${url} answers 200 with HTML`;
    if (hostOf(url) !== appHost) {
      checks.push({ what: label, problem: `its host is ${hostOf(url)}, not the app's ${appHost}` });
      continue;
    }
    const answer = await get(url).catch((error: unknown) => error as Error);
    if (answer instanceof Error) {
      checks.push({ what: label, problem: answer.message });
    } else if (answer.status !== 200 || !answer.contentType.startsWith('text/html')) {
      checks.push({ what: label, problem: `${answer.status} ${answer.contentType}`.trim() });
    } else {
      checks.push({ what: label });
    }
  }
  const domains = manifest.validDomains ?? [];
  checks.push({
    what: `validDomains include the app's host ${appHost}`,
    ...(domains.includes(appHost) ? {} : { problem: `validDomains are ${JSON.stringify(domains)}` }),
  });
  const resource = manifest.webApplicationInfo?.resource;
  const resourceHost = resource ? hostOf(resource.replace(/^api:\/\//, 'https://')) : undefined;
  checks.push({
    what: `webApplicationInfo.resource names the app's host ${appHost}`,
    ...(resourceHost === appHost ? {} : { problem: `resource is ${resource ?? 'missing'}` }),
  });
  return checks;
}
