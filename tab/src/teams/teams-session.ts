/**
 * The tab's conversation with the Teams host through teams-js: initialise (raced with a timeout,
 * because teams-js waits 60 s for a parent that never answers), read the context, get the SSO
 * token, report load success or failure exactly once, and follow theme changes.
 */
import { app, authentication } from '@microsoft/teams-js';
import { loadTeamsHostOrigins } from './host-origins';

export type TeamsThemeName = 'default' | 'dark' | 'contrast';

export const INITIALIZE_TIMEOUT_MS = 10_000;
/** Teams shows an error if the app has not reported within 30 s; we report well before. */
export const NOTIFY_SUCCESS_DEADLINE_MS = 20_000;

export interface TeamsUser {
  upn: string;
  displayName?: string;
  tenantId?: string;
}

export interface TeamsSession {
  user: TeamsUser;
  theme: TeamsThemeName;
}

export class NotInTeamsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotInTeamsError';
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NotInTeamsError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function themeName(theme: string | undefined): TeamsThemeName {
  return theme === 'dark' || theme === 'contrast' ? theme : 'default';
}

/** app.initialize, raced with a timeout: in a frame whose parent never answers it waits 60 s. */
export async function initializeTeams(): Promise<void> {
  const origins = await loadTeamsHostOrigins();
  try {
    await withTimeout(app.initialize(origins), INITIALIZE_TIMEOUT_MS, 'Microsoft Teams did not answer.');
  } catch (error) {
    if (error instanceof NotInTeamsError) throw error;
    throw new NotInTeamsError(error instanceof Error ? error.message : String(error));
  }
}

export async function startTeamsSession(): Promise<TeamsSession> {
  await initializeTeams();
  // Our own loading state beats Teams' 30 s timeout error: report success by the deadline.
  setTimeout(reportLoaded, NOTIFY_SUCCESS_DEADLINE_MS);
  const context = await withTimeout(
    app.getContext(),
    INITIALIZE_TIMEOUT_MS,
    'Microsoft Teams sent no context.',
  );
  return {
    user: {
      upn: context.user?.userPrincipalName || context.user?.loginHint || '',
      ...(context.user?.displayName ? { displayName: context.user.displayName } : {}),
      ...(context.user?.tenant?.id ? { tenantId: context.user.tenant.id } : {}),
    },
    theme: themeName(context.app.theme),
  };
}

/** The signed-in user's Teams SSO token: the Bearer of every API call. */
export function getSsoToken(): Promise<string> {
  return authentication.getAuthToken();
}

export function onThemeChange(handler: (theme: TeamsThemeName) => void): void {
  app.registerOnThemeChangeHandler((theme) => handler(themeName(theme)));
}

let reported = false;

/** Tells Teams the app has loaded (hides its loading indicator). Only the first report counts. */
export function reportLoaded(): void {
  if (reported) return;
  reported = true;
  app.notifySuccess().catch(() => undefined);
}

/** Tells Teams the app cannot load, so it shows its own error instead of a spinner. */
export function reportFatal(reason: 'auth' | 'other', message: string): void {
  if (reported) return;
  reported = true;
  app.notifyFailure({
    reason: reason === 'auth' ? app.FailedReason.AuthFailed : app.FailedReason.Other,
    message,
  });
}

/** Opens the admin-consent popup; resolves with what the popup passed to notifySuccess. */
export function openAuthenticationPopup(url: string): Promise<string> {
  return authentication.authenticate({ url, width: 600, height: 700 });
}
