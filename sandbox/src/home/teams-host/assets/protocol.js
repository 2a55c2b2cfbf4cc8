/* global window */
/**
 * The host side of the teams-js (2.x) postMessage protocol, for the tab's iframe and for the
 * authentication popup the tab asks for. Requests arrive as {id, uuidAsString, func, args, …};
 * responses echo both ids ({id, uuidAsString, args}); host events carry no id ({func, args}).
 */

/** teams-js ErrorCode.NOT_SUPPORTED_ON_PLATFORM. */
const NOT_SUPPORTED_ON_PLATFORM = 100;
/** Teams' default authentication window size. */
const DEFAULT_AUTH_WINDOW = { width: 600, height: 400 };
const POPUP_CLOSED_POLL_MS = 250;
/**
 * How many polls the popup must stay closed before the host answers CancelledByUser. teams-js
 * closes the popup 200 ms after posting notifySuccess, and a busy host page can see the window
 * gone before it reads that message; counting polls (not time) stays lenient when timers lag.
 */
const POPUP_CLOSED_POLLS_BEFORE_CANCEL = 8;

/** The capabilities this host implements, as teams-js runtime v4 declares them. */
const RUNTIME = {
  apiVersion: 4,
  hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
  isLegacyTeams: false,
  supports: {
    app: { notifySuccessResponse: {} },
    appInitialization: {},
    authentication: {},
    pages: {},
    teamsCore: {},
  },
};

/** Messages the SDK sends without waiting for an answer. */
const FIRE_AND_FORGET = new Set([
  'registerHandler',
  'appInitialization.appLoaded',
  'appInitialization.failure',
  'appInitialization.expectedFailure',
]);

function isRequest(data) {
  return (
    typeof data === 'object' && data !== null && typeof data.func === 'string' && typeof data.id === 'number'
  );
}

/**
 * @param {object} options
 * @param {HTMLIFrameElement} options.iframe the tab's frame
 * @param {() => object} options.legacyContext the v1 context for a frame context ('content' | 'authentication')
 * @param {() => Promise<string>} options.getSsoToken the signed-in user's Teams SSO token
 * @param {string} options.sdkVersion the teams-js version this host supports
 * @param {(event: {type: string, detail?: unknown}) => void} options.onEvent what the page shows and records
 */
export function createHostProtocol({ iframe, legacyContext, getSsoToken, sdkVersion, onEvent }) {
  let tabOrigin = null;
  /** The pending `authentication.authenticate` call: its popup and how to answer the tab. */
  let auth = null;

  function reply(target, origin, request, args) {
    target.postMessage({ id: request.id, uuidAsString: request.uuidAsString, args }, origin);
  }

  function settleAuthentication(success, result) {
    if (!auth) return;
    const { popup, answer, watch } = auth;
    auth = null;
    window.clearInterval(watch);
    answer([success, result]);
    onEvent({ type: 'authenticate', detail: { success, result } });
    if (!popup.closed) popup.close();
  }

  function openAuthenticationWindow(answer, [url, width, height]) {
    settleAuthentication(false, 'CancelledByUser');
    const w = Number(width) > 0 ? Number(width) : DEFAULT_AUTH_WINDOW.width;
    const h = Number(height) > 0 ? Number(height) : DEFAULT_AUTH_WINDOW.height;
    const left = Math.max(0, window.screenX + (window.outerWidth - w) / 2);
    const top = Math.max(0, window.screenY + (window.outerHeight - h) / 2);
    const popup = window.open(url, '_blank', `popup=yes,width=${w},height=${h},left=${left},top=${top}`);
    if (!popup) {
      answer([false, 'FailedToOpenWindow']);
      return;
    }
    // The popup reports through teams-js; a user closing it is the only other way out (its last
    // message may still be on the way when the window is already gone).
    let closedPolls = 0;
    const watch = window.setInterval(() => {
      if (!auth || !auth.popup.closed) return;
      closedPolls += 1;
      if (closedPolls >= POPUP_CLOSED_POLLS_BEFORE_CANCEL) settleAuthentication(false, 'CancelledByUser');
    }, POPUP_CLOSED_POLL_MS);
    auth = { popup, answer, watch };
    onEvent({ type: 'authenticate-open', detail: { url, width: w, height: h } });
  }

  async function handleTabRequest(request, answer) {
    const args = Array.isArray(request.args) ? request.args : [];
    switch (request.func) {
      case 'initialize':
        answer(['content', 'web', JSON.stringify(RUNTIME), sdkVersion]);
        onEvent({ type: 'initialize', detail: { sdkVersion: args[0] } });
        return;
      case 'getContext':
        answer([legacyContext('content')]);
        return;
      case 'authentication.getAuthToken':
        try {
          answer([true, await getSsoToken()]);
        } catch (error) {
          answer([false, error instanceof Error ? error.message : String(error)]);
        }
        return;
      case 'authentication.authenticate':
        openAuthenticationWindow(answer, args);
        return;
      case 'appInitialization.success':
        onEvent({ type: 'app-success' });
        answer([]);
        return;
      case 'appInitialization.failure':
        onEvent({ type: 'app-failure', detail: { reason: args[0], message: args[1] } });
        return;
      case 'appInitialization.expectedFailure':
        onEvent({ type: 'app-expected-failure', detail: { reason: args[0], message: args[1] } });
        return;
      case 'appInitialization.appLoaded':
        onEvent({ type: 'app-loaded' });
        return;
      case 'registerHandler':
        onEvent({ type: 'register-handler', detail: { name: args[0] } });
        return;
      default:
        unsupported(request, answer);
    }
  }

  function handlePopupRequest(request, answer) {
    const args = Array.isArray(request.args) ? request.args : [];
    switch (request.func) {
      case 'initialize':
        answer(['authentication', 'web', JSON.stringify(RUNTIME), sdkVersion]);
        return;
      case 'getContext':
        answer([legacyContext('authentication')]);
        return;
      case 'authentication.authenticate.success':
        settleAuthentication(true, args[0]);
        return;
      case 'authentication.authenticate.failure':
        settleAuthentication(false, args[0]);
        return;
      default:
        if (!FIRE_AND_FORGET.has(request.func)) unsupported(request, answer);
    }
  }

  function unsupported(request, answer) {
    onEvent({ type: 'unsupported', detail: { func: request.func } });
    answer([
      {
        errorCode: NOT_SUPPORTED_ON_PLATFORM,
        message: `${request.func} is not supported by the sandbox Teams host.`,
      },
    ]);
  }

  window.addEventListener('message', (event) => {
    if (!isRequest(event.data)) return;
    const answer = (args) => reply(event.source, event.origin, event.data, args);
    if (event.source === iframe.contentWindow) {
      if (event.data.func === 'initialize') tabOrigin = event.origin;
      void handleTabRequest(event.data, answer);
    } else if (auth && event.source === auth.popup) {
      handlePopupRequest(event.data, answer);
    }
  });

  return {
    /** Pushes a host event (themeChange, …) to the tab once it has initialized. */
    sendEvent(func, args) {
      if (!tabOrigin || !iframe.contentWindow) return false;
      iframe.contentWindow.postMessage({ func, args }, tabOrigin);
      return true;
    },
  };
}
