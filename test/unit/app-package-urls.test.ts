/**
 * The URL checks `npm run smoke:prod` runs on the built app package: the package built for an origin
 * as a tester would (env/.env.local.user overlay), and each kind of broken link or host reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPackageFor } from '../../scripts/app-package/package-for-origin';
import {
  checkManifestUrls,
  type BuiltTeamsManifest,
  type UrlAnswer,
} from '../../scripts/app-package/manifest-urls';

const ORIGIN = 'https://localhost:45678';
const HTML = 'text/html; charset=utf-8';

/** The app as the checks see it: these paths answer 200 HTML, anything else 404 problem+json. */
function app(paths = ['/tab/', '/privacy', '/terms']) {
  const asked: string[] = [];
  const get = async (url: string): Promise<UrlAnswer> => {
    asked.push(url);
    return paths.includes(new URL(url).pathname)
      ? { status: 200, contentType: HTML }
      : { status: 404, contentType: 'application/problem+json; charset=utf-8' };
  };
  return { get, asked };
}

describe('the app package built for an origin', () => {
  let scratch: string;
  let manifest: BuiltTeamsManifest;
  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'app-package-urls-'));
    manifest = buildPackageFor(ORIGIN, scratch).manifest;
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('points every link, valid domain and the SSO resource at that origin', () => {
    expect(manifest.developer).toEqual({
      name: 'Exchange Connect',
      websiteUrl: `${ORIGIN}/tab/`,
      privacyUrl: `${ORIGIN}/privacy`,
      termsOfUseUrl: `${ORIGIN}/terms`,
    });
    expect(manifest.staticTabs?.find((t) => t.contentUrl)?.contentUrl).toBe(`${ORIGIN}/tab/`);
    expect(manifest.validDomains).toEqual(['localhost:45678']);
    expect(manifest.webApplicationInfo?.resource).toBe(
      `api://localhost:45678/${manifest.webApplicationInfo?.id}`,
    );
  });

  it('passes when every page answers 200 HTML, having asked for each', async () => {
    const served = app();
    const checks = await checkManifestUrls(manifest, ORIGIN, served.get);
    expect(checks.filter((c) => c.problem)).toEqual([]);
    expect(served.asked.sort()).toEqual(
      [`${ORIGIN}/tab/`, `${ORIGIN}/tab/`, `${ORIGIN}/privacy`, `${ORIGIN}/terms`].sort(),
    );
    expect(checks.map((c) => c.what)).toContain(
      `developer.privacyUrl ${ORIGIN}/privacy answers 200 with HTML`,
    );
  });

  it('reports a page that does not answer 200 with HTML', async () => {
    const checks = await checkManifestUrls(manifest, ORIGIN, app(['/tab/', '/terms']).get);
    expect(checks.filter((c) => c.problem)).toEqual([
      {
        what: `developer.privacyUrl ${ORIGIN}/privacy answers 200 with HTML`,
        problem: '404 application/problem+json; charset=utf-8',
      },
    ]);
    const json = async (): Promise<UrlAnswer> => ({ status: 200, contentType: 'application/json' });
    expect((await checkManifestUrls(manifest, ORIGIN, json)).filter((c) => c.problem)).toHaveLength(4);
    const down = async (): Promise<UrlAnswer> => {
      throw new Error('connect ECONNREFUSED');
    };
    expect((await checkManifestUrls(manifest, ORIGIN, down))[0]?.problem).toBe('connect ECONNREFUSED');
  });

  it('reports links, valid domains and an SSO resource on another host, without fetching the foreign links', async () => {
    const elsewhere: BuiltTeamsManifest = {
      ...manifest,
      developer: { ...manifest.developer, termsOfUseUrl: 'https://example.com/terms' },
      validDomains: ['localhost:53000'],
      webApplicationInfo: { id: 'x', resource: 'api://localhost:53000/x' },
    };
    const served = app();
    const problems = (await checkManifestUrls(elsewhere, ORIGIN, served.get)).filter((c) => c.problem);
    expect(problems.map((c) => c.problem)).toEqual([
      "its host is example.com, not the app's localhost:45678",
      'validDomains are ["localhost:53000"]',
      'resource is api://localhost:53000/x',
    ]);
    expect(served.asked).not.toContain('https://example.com/terms');
  });
});
