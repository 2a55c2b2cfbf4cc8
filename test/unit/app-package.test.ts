/**
 * The Teams app package: manifest filled per environment and validated offline against the official
 * schema from @microsoft/app-manifest, icons Teams accepts, the zip `npm run package` writes.
 */
import AdmZip from 'adm-zip';
import { PNG } from 'pngjs';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildAppPackage,
  fillTeamsManifest,
  InvalidAppPackageError,
} from '../../scripts/app-package/build-package';
import { loadEnvironment } from '../../scripts/app-package/environment';
import { colorIconProblems, decodePng, outlineIconProblems } from '../../scripts/app-package/icon-rules';
import { newestTeamsSchemaVersion, validateTeamsManifest } from '../../scripts/app-package/manifest-schema';
import { MissingEnvironmentVariablesError } from '../../scripts/app-package/placeholders';
import tenant from '../../sandbox/tenant.json';
import { requiredRoles } from '../../api/src/exchange/permissions';
import { POLICY_PATHS } from '../../app/src/pages/layout';

const ROOT = path.resolve(__dirname, '..', '..');
const APP_PACKAGE = path.join(ROOT, 'appPackage');

interface Command {
  title: string;
  description?: string;
}
interface TeamsManifest {
  $schema: string;
  manifestVersion: string;
  id: string;
  name: { short: string; full?: string };
  description: { short: string; full: string };
  icons: { color: string; outline: string };
  staticTabs: { entityId: string; contentUrl?: string; scopes: string[] }[];
  bots: {
    botId: string;
    scopes: string[];
    isNotificationOnly?: boolean;
    commandLists: { scopes: string[]; commands: Command[] }[];
  }[];
  permissions?: string[];
  validDomains: string[];
  webApplicationInfo: { id: string; resource: string };
}

function filledManifest(envName: string): TeamsManifest {
  return JSON.parse(fillTeamsManifest(ROOT, envName)) as TeamsManifest;
}

/** A scratch copy of the package sources, so tests can break them without touching the repo. */
function scratchRoot(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'app-package-'));
  for (const file of ['manifest.json', 'color.png', 'outline.png']) {
    cpSync(path.join(APP_PACKAGE, file), path.join(dir, 'appPackage', file));
  }
  cpSync(path.join(ROOT, 'env', '.env.local'), path.join(dir, 'env', '.env.local'));
  return dir;
}

describe('Teams manifest', () => {
  it('uses the newest released schema version shipped in @microsoft/app-manifest', () => {
    const template = JSON.parse(
      readFileSync(path.join(APP_PACKAGE, 'manifest.json'), 'utf8'),
    ) as TeamsManifest;
    expect(template.manifestVersion).toBe(newestTeamsSchemaVersion());
    expect(template.$schema).toBe(
      `https://developer.microsoft.com/en-us/json-schemas/teams/v${template.manifestVersion}/MicrosoftTeams.schema.json`,
    );
  });

  it.each(['local', 'dev'])(
    'fills every placeholder from env/.env.%s and validates against the schema',
    (env) => {
      const text = fillTeamsManifest(ROOT, env);
      expect(text).not.toMatch(/\$\{\{/);
      const manifest = JSON.parse(text) as TeamsManifest;
      expect(validateTeamsManifest(manifest)).toEqual([]);

      const values = loadEnvironment(ROOT, env);
      expect(manifest.id).toBe(values.TEAMS_APP_ID);
      expect(manifest.webApplicationInfo).toEqual({
        id: values.AAD_APP_CLIENT_ID,
        resource: `api://${values.TAB_DOMAIN}/${values.AAD_APP_CLIENT_ID}`,
      });
      expect(manifest.validDomains).toEqual([values.TAB_DOMAIN]);
    },
  );

  it('points the local package at the app on localhost:53000 and the sandbox registrations', () => {
    const manifest = filledManifest('local');
    expect(manifest.staticTabs[0]?.contentUrl).toBe('https://localhost:53000/tab/');
    expect(manifest.webApplicationInfo).toEqual({
      id: tenant.app.clientId,
      resource: `api://localhost:53000/${tenant.app.clientId}`,
    });
    expect(manifest.bots[0]?.botId).toBe(tenant.bot.appId);
  });

  it('rejects what Teams would reject (the schema check can fail)', () => {
    const manifest = filledManifest('local') as unknown as Record<string, unknown>;
    const broken = { ...manifest, accentColor: 'blue', developer: { name: 'x' } };
    const problems = validateTeamsManifest(broken);
    expect(problems.some((p) => p.startsWith('/accentColor'))).toBe(true);
    expect(problems.some((p) => p.includes('websiteUrl'))).toBe(true);
  });

  it('declares the personal wizard tab, the bot with its commands, and minimal permissions', () => {
    const manifest = filledManifest('local');
    const wizard = manifest.staticTabs.find((t) => t.contentUrl);
    expect(wizard).toMatchObject({ entityId: 'connect', scopes: ['personal'] });

    const bot = manifest.bots[0];
    expect(manifest.bots).toHaveLength(1);
    expect(bot?.scopes).toEqual(['personal', 'team']);
    expect(bot?.isNotificationOnly).toBe(false);
    expect(bot?.commandLists.map((l) => l.scopes)).toEqual([['personal'], ['team']]);
    for (const list of bot?.commandLists ?? []) {
      expect(list.commands.map((c) => c.title)).toEqual(['status', 'check', 'mute 24h', 'unmute', 'help']);
      for (const command of list.commands) expect(command.description?.length).toBeGreaterThan(20);
    }
    expect(manifest.permissions ?? []).toEqual([]);
  });

  it('describes the permissions the code asks for: Graph by default, EWS full_access_as_app as the legacy option', () => {
    const { full } = filledManifest('local').description;
    const [graph, places] = requiredRoles('graph');
    expect(full).toContain(`Microsoft Graph with the application permissions ${graph}`);
    expect(full).toContain(`and ${places}`);
    expect(full).toMatch(
      new RegExp(
        `legacy option, until EWS in Exchange Online ends on 1 April 2027, .*${requiredRoles('ews')[0]}`,
      ),
    );
    expect(full).toContain('RBAC for Applications');
    expect(full).toContain('Exchange Server');
    expect(full).toContain('stores no mailbox content');
    expect(full.length).toBeLessThanOrEqual(4000);
  });

  it.each(['local', 'dev'])('points the developer links of %s at the pages the app serves', (env) => {
    const manifest = filledManifest(env) as TeamsManifest & { developer: Record<string, string> };
    const endpoint = loadEnvironment(ROOT, env).TAB_ENDPOINT;
    expect(manifest.developer).toMatchObject({
      websiteUrl: `${endpoint}/tab/`,
      privacyUrl: `${endpoint}${POLICY_PATHS.privacy}`,
      termsOfUseUrl: `${endpoint}${POLICY_PATHS.terms}`,
    });
  });

  it('names every missing environment variable', () => {
    const root = scratchRoot();
    try {
      const envFile = path.join(root, 'env', '.env.local');
      const withoutTwo = readFileSync(envFile, 'utf8').replace(/^(BOT_ID|TAB_DOMAIN)=.*$/gm, '$1=');
      writeFileSync(envFile, withoutTwo);
      expect(() => fillTeamsManifest(root, 'local')).toThrow(MissingEnvironmentVariablesError);
      expect(() => fillTeamsManifest(root, 'local')).toThrow(/BOT_ID, TAB_DOMAIN/);

      // .env.<env>.user overlays the committed file, as in the Toolkit.
      writeFileSync(
        `${envFile}.user`,
        'BOT_ID=0b6f3c1e-7d5a-4c1b-9a59-7c0e1d2f3a4b\nTAB_DOMAIN=tunnel.example.net\n',
      );
      const manifest = JSON.parse(fillTeamsManifest(root, 'local')) as TeamsManifest;
      expect(manifest.bots[0]?.botId).toBe('0b6f3c1e-7d5a-4c1b-9a59-7c0e1d2f3a4b');
      expect(manifest.validDomains).toEqual(['tunnel.example.net']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('Teams icons', () => {
  const color = decodePng(readFileSync(path.join(APP_PACKAGE, 'color.png')));
  const outline = decodePng(readFileSync(path.join(APP_PACKAGE, 'outline.png')));

  it('color.png is 192×192, opaque and full colour', () => {
    expect([color.width, color.height]).toEqual([192, 192]);
    expect(colorIconProblems(color)).toEqual([]);
  });

  it('outline.png is 32×32, white on a transparent background', () => {
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let visible = 0;
    for (let i = 0; i < outline.data.length; i += 4) {
      if (outline.data[i + 3] === 0) continue;
      visible++;
      expect([outline.data[i], outline.data[i + 1], outline.data[i + 2]]).toEqual([255, 255, 255]);
    }
    expect(visible).toBeGreaterThan(50);
    expect(visible).toBeLessThan((32 * 32) / 2);
    expect(outlineIconProblems(outline)).toEqual([]);
  });

  it('the icon rules catch a swapped or greyscale icon', () => {
    expect(outlineIconProblems(color)).toEqual(
      expect.arrayContaining(['is 192×192, must be 32×32', 'background is not transparent']),
    );
    expect(colorIconProblems(outline)).toEqual(expect.arrayContaining(['is 32×32, must be 192×192']));
    const grey = new PNG({ width: 192, height: 192 });
    grey.data.fill(128);
    for (let i = 3; i < grey.data.length; i += 4) grey.data[i] = 255;
    expect(colorIconProblems(grey)).toEqual(['is not full colour (mostly grey)']);
  });
});

describe('npm run package', () => {
  it('writes manifest.json and the two icons at the zip root', () => {
    const root = scratchRoot();
    try {
      const built = buildAppPackage('local', root);
      expect(built.zipPath).toBe(path.join(root, 'appPackage', 'build', 'appPackage.local.zip'));
      const zip = new AdmZip(built.zipPath);
      expect(
        zip
          .getEntries()
          .map((e) => e.entryName)
          .sort(),
      ).toEqual(['color.png', 'manifest.json', 'outline.png']);
      expect(JSON.parse(zip.readAsText('manifest.json'))).toEqual(filledManifest('local'));
      for (const icon of ['color.png', 'outline.png']) {
        expect(zip.readFile(icon)?.equals(readFileSync(path.join(APP_PACKAGE, icon)))).toBe(true);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses to write a package with a wrong icon', () => {
    const root = scratchRoot();
    try {
      cpSync(path.join(APP_PACKAGE, 'color.png'), path.join(root, 'appPackage', 'outline.png'));
      expect(() => buildAppPackage('local', root)).toThrow(InvalidAppPackageError);
      expect(() => buildAppPackage('local', root)).toThrow(/outline\.png is 192×192, must be 32×32/);
      expect(existsSync(path.join(root, 'appPackage', 'build', 'appPackage.local.zip'))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
