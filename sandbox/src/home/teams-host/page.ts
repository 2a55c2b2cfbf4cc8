/**
 * The Teams host page's HTML: a Teams-like shell (top bar, app rail, app header, chat pane)
 * around an empty iframe. The browser script loads the tab only once it listens for teams-js.
 */
import type { HostBootConfig, HostUser, TeamsTheme } from './host-config';

export const ASSET_PREFIX = '/_host/assets';

const THEME_LABELS: Record<TeamsTheme, string> = {
  default: 'Light',
  dark: 'Dark',
  contrast: 'High contrast',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot close the surrounding <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function initials(name: string): string {
  const words = name
    .replace(/\(.*?\)/g, '')
    .trim()
    .split(/\s+/);
  return words
    .slice(0, 2)
    .map((w) => w[0] ?? '')
    .join('')
    .toUpperCase();
}

function userOptions(users: HostUser[], current: HostUser): string {
  // Grouped in one pass: a seed may hold thousands of tenants.
  const byTenant = new Map<string, HostUser[]>();
  for (const u of users) {
    const members = byTenant.get(u.tenantName);
    if (members) members.push(u);
    else byTenant.set(u.tenantName, [u]);
  }
  return [...byTenant]
    .map(([tenant, members]) => {
      const options = members
        .map(
          (u) =>
            `<option value="${escapeHtml(u.upn)}"${u.upn === current.upn ? ' selected' : ''}>` +
            `${escapeHtml(u.displayName)} (${escapeHtml(u.upn)})</option>`,
        )
        .join('');
      return `<optgroup label="${escapeHtml(tenant)}">${options}</optgroup>`;
    })
    .join('');
}

function themeOptions(current: TeamsTheme): string {
  return (Object.keys(THEME_LABELS) as TeamsTheme[])
    .map((t) => `<option value="${t}"${t === current ? ' selected' : ''}>${THEME_LABELS[t]}</option>`)
    .join('');
}

const RAIL_ICONS: Record<string, string> = {
  Activity: '<path d="M10 3a5 5 0 0 0-5 5v3l-1.5 3h13L15 11V8a5 5 0 0 0-5-5Zm-2 13a2 2 0 0 0 4 0"/>',
  Chat: '<path d="M4 4h12a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H8l-4 3v-3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1Z"/>',
  Teams:
    '<circle cx="7" cy="7" r="3"/><circle cx="14" cy="8" r="2"/><path d="M2 16c0-3 2.5-5 5-5s5 2 5 5M12 12c3 0 6 1 6 4"/>',
  Calendar: '<rect x="3" y="4" width="14" height="13" rx="2"/><path d="M3 8h14M7 2v4M13 2v4"/>',
  Apps: '<rect x="3" y="3" width="6" height="6" rx="1"/><rect x="11" y="3" width="6" height="6" rx="1"/><rect x="3" y="11" width="6" height="6" rx="1"/><rect x="11" y="11" width="6" height="6" rx="1"/>',
};

function railIcon(name: string): string {
  return `<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">${RAIL_ICONS[name] ?? ''}</svg>`;
}

const APP_ICON =
  '<svg class="app-icon" viewBox="0 0 32 32" aria-hidden="true" focusable="false">' +
  '<rect width="32" height="32" rx="6" fill="#0f6cbd"/><path d="M8 10h11v3h-7.5v2H18v3h-6.5v2H19v3H8z" fill="#fff"/>' +
  '<circle cx="23.5" cy="21.5" r="4" fill="#6bb700" stroke="#fff" stroke-width="1.5"/></svg>';

const TEAMS_LOGO =
  '<svg class="teams-logo" viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
  '<rect x="2" y="5" width="14" height="14" rx="2" fill="#5b5fc7"/><path d="M5.5 9h7v1.8H9.9V16H8.1v-5.2H5.5z" fill="#fff"/>' +
  '<circle cx="19" cy="7" r="2.5" fill="#7b83eb"/><path d="M17 10h5v5a3 3 0 0 1-5 1.5z" fill="#7b83eb"/></svg>';

export function renderHostPage(config: HostBootConfig): string {
  const { user, appName, botName } = config;
  const rail = ['Activity', 'Chat', 'Teams', 'Calendar', 'Apps']
    .map(
      (name) =>
        `<li><span class="rail-item" aria-disabled="true" title="${name} is not part of the sandbox">` +
        `${railIcon(name)}<span>${name}</span></span></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en" data-theme="${config.theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(appName)} | Microsoft Teams (sandbox)</title>
<link rel="stylesheet" href="${ASSET_PREFIX}/host.css">
<script type="application/json" id="host-config">${scriptJson(config)}</script>
<script type="module" src="${ASSET_PREFIX}/host.js"></script>
</head>
<body>
<a class="skip-link" href="#tab-frame">Skip to ${escapeHtml(appName)}</a>
<header class="top-bar">
  <div class="brand">${TEAMS_LOGO}<span class="brand-name">Microsoft Teams</span><span class="sandbox-badge">Sandbox</span></div>
  <div class="fake-search" aria-hidden="true">Search</div>
  <div class="session-controls">
    <label class="control"><span>Theme</span>
      <select id="theme-switcher" name="theme">${themeOptions(config.theme)}</select></label>
    <label class="control"><span>Signed in as</span>
      <select id="user-switcher" name="user">${userOptions(config.users, user)}</select></label>
    <span class="avatar" aria-hidden="true" title="${escapeHtml(user.displayName)}">${escapeHtml(initials(user.displayName))}</span>
  </div>
</header>
<div class="shell">
  <nav class="app-rail" aria-label="Apps">
    <ul>${rail}
      <li class="rail-separator" aria-hidden="true"></li>
      <li><a class="rail-item selected" href="" aria-current="page">${APP_ICON}<span>${escapeHtml(appName)}</span></a></li>
    </ul>
  </nav>
  <main class="app-area" aria-labelledby="app-title">
    <div class="app-header">
      ${APP_ICON}
      <h1 id="app-title">${escapeHtml(appName)}</h1>
      <nav class="app-tabs" aria-label="${escapeHtml(appName)} tabs"><span class="app-tab" aria-current="page">Connect</span></nav>
      <p id="app-status" class="app-status" role="status" data-status="loading">Loading ${escapeHtml(appName)}…</p>
    </div>
    <div class="tab-host"><iframe id="tab-frame" title="${escapeHtml(appName)} tab"></iframe></div>
  </main>
  <aside class="chat-pane" aria-labelledby="chat-title">
    <div class="chat-header">${APP_ICON}<div><h2 id="chat-title">${escapeHtml(botName)}</h2>
      <p class="chat-subtitle">Bot · posts Exchange health alerts</p></div></div>
    <ol id="chat-log" class="chat-log" role="log" aria-live="polite" aria-label="Messages from ${escapeHtml(botName)}"></ol>
    <p id="chat-empty" class="chat-empty">No alerts yet. When ${escapeHtml(botName)} posts a message, it appears here.</p>
  </aside>
</div>
</body>
</html>
`;
}
