/* global window, document */
/**
 * The Teams host page: signs in as a sandbox user, hosts the tab, switches themes and shows the
 * bot's chat. `window.__teamsHost` exposes what the tab told the host, for browser tests.
 */
import { createHostProtocol } from './protocol.js';
import { startChatPane } from './chat.js';

const config = JSON.parse(document.getElementById('host-config').textContent);
const iframe = document.getElementById('tab-frame');
const statusLine = document.getElementById('app-status');
const appSessionId = window.crypto.randomUUID();
const hostSessionId = window.crypto.randomUUID();

const state = {
  user: config.user.upn,
  tenantId: config.user.tenantId,
  theme: config.theme,
  initialized: false,
  sdkVersion: undefined,
  appInitialization: { status: 'pending' },
  registeredHandlers: [],
  unsupportedCalls: [],
  authentication: { status: 'idle' },
  chatMessages: 0,
};
window.__teamsHost = state;

function showStatus(status, text) {
  statusLine.dataset.status = status;
  statusLine.textContent = text;
}

/** The v1 context teams-js turns into `app.Context`, as Teams web sends it for a personal tab. */
function legacyContext(frameContext) {
  return {
    entityId: config.entityId,
    subEntityId: '',
    locale: config.locale,
    theme: state.theme,
    frameContext,
    hostClientType: 'web',
    hostName: 'Teams',
    userObjectId: config.user.objectId,
    userPrincipalName: config.user.upn,
    loginHint: config.user.upn,
    userDisplayName: config.user.displayName,
    tid: config.user.tenantId,
    tenantSKU: 'enterprise',
    userLicenseType: 'Unknown',
    appSessionId,
    sessionId: hostSessionId,
    ringId: 'general',
    isFullScreen: false,
    isMultiWindow: false,
  };
}

async function getSsoToken() {
  const res = await window.fetch('/_host/sso-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ upn: config.user.upn }),
  });
  if (!res.ok) throw new Error(`The SSO token could not be issued (HTTP ${res.status}).`);
  const { token } = await res.json();
  return token;
}

function onProtocolEvent({ type, detail }) {
  switch (type) {
    case 'initialize':
      state.initialized = true;
      state.sdkVersion = detail.sdkVersion;
      showStatus('initialized', `${config.appName} connected to Teams…`);
      break;
    case 'app-success':
      state.appInitialization = { status: 'success' };
      showStatus('success', `${config.appName} is ready`);
      break;
    case 'app-failure':
    case 'app-expected-failure':
      state.appInitialization = {
        status: type === 'app-failure' ? 'failure' : 'expectedFailure',
        reason: detail.reason,
        message: detail.message,
      };
      showStatus(
        'failure',
        `${config.appName} could not load: ${detail.reason}${detail.message ? ` (${detail.message})` : ''}`,
      );
      break;
    case 'register-handler':
      if (!state.registeredHandlers.includes(detail.name)) state.registeredHandlers.push(detail.name);
      break;
    case 'authenticate-open':
      state.authentication = { status: 'open', url: detail.url };
      break;
    case 'authenticate':
      state.authentication = { status: detail.success ? 'success' : 'failure', result: detail.result };
      break;
    case 'unsupported':
      state.unsupportedCalls.push(detail.func);
      break;
  }
}

function applyTheme(theme) {
  state.theme = theme;
  document.documentElement.dataset.theme = theme;
  const url = new URL(window.location.href);
  url.searchParams.set('theme', theme);
  window.history.replaceState(null, '', url);
}

const protocol = createHostProtocol({
  iframe,
  legacyContext,
  getSsoToken,
  sdkVersion: config.sdkVersion,
  onEvent: onProtocolEvent,
});

document.getElementById('theme-switcher').addEventListener('change', (event) => {
  applyTheme(event.target.value);
  protocol.sendEvent('themeChange', [state.theme]);
});

document.getElementById('user-switcher').addEventListener('change', (event) => {
  // Signing in as someone else is a new Teams session: reload with that user.
  const url = new URL(window.location.href);
  url.searchParams.set('user', event.target.value);
  window.location.assign(url);
});

startChatPane({
  log: document.getElementById('chat-log'),
  empty: document.getElementById('chat-empty'),
  upn: config.user.upn,
  tenantId: config.user.tenantId,
  botName: config.botName,
  onMessages: (count) => {
    state.chatMessages = count;
  },
});

// Only now that the host listens can the tab's teams-js `initialize` be answered.
iframe.src = config.tabUrl;
