/**
 * The tab: boots the Teams session and decides which page the signed-in user sees (not an admin,
 * the wizard's steps, or the connection's status), following the Teams theme throughout.
 */
import { useCallback, useEffect, useState } from 'react';
import { FluentProvider, makeStyles, Spinner, tokens } from '@fluentui/react-components';
import type {
  IntegrationStatusView,
  IntegrationView,
  Method,
  Protocol,
  SealedPasswordBody,
  VerificationView,
} from '../../api/src/http/contract';
import { ApiClient, ApiError, type StepListener } from './api/client';
import { AnnouncerProvider } from './components/Announcer';
import { AppHeader } from './components/AppHeader';
import { ErrorMessage, type ReadableError } from './components/ErrorMessage';
import { PolicyFooter } from './components/PolicyFooter';
import { WizardProgress } from './components/WizardProgress';
import { BasicConnect, type BasicDetails, type BasicMode } from './steps/BasicConnect';
import { ChooseMethod } from './steps/ChooseMethod';
import { ModernConsent, type ConsentPurpose } from './steps/ModernConsent';
import { StatusPage } from './status/StatusPage';
import type { ConnectionKind } from './verification/step-labels';
import { NotAdmin } from './steps/NotAdmin';
import { VerifyStep } from './steps/VerifyStep';
import {
  getSsoToken,
  NotInTeamsError,
  onThemeChange,
  reportFatal,
  reportLoaded,
  startTeamsSession,
  type TeamsThemeName,
  type TeamsUser,
} from './teams/teams-session';
import { fluentTheme } from './teams/theme';
import { NARROW } from './components/layout';

/** What a verify page runs first; re-checks are always plain verifications. */
type VerifyRun =
  | { run: 'verify'; mailbox?: string }
  | {
      run: 'connect-basic' | 'update-password';
      details: BasicDetails;
      sealed: SealedPasswordBody;
      /** The form the details came from: new details that did not verify go back to it. */
      mode: BasicMode;
    }
  | { run: 'prove-scope'; proof: { room: string; outside: string } };

type Page =
  | { kind: 'loading' }
  | { kind: 'fatal'; error: ReadableError }
  | { kind: 'not-admin' }
  | { kind: 'choose'; method?: Method }
  | { kind: 'modern'; purpose: ConsentPurpose; protocol?: Protocol }
  | { kind: 'basic'; mode: BasicMode; details?: BasicDetails }
  | ({ kind: 'verify'; connection: ConnectionKind; key: number } & VerifyRun)
  | { kind: 'status'; status: IntegrationStatusView & { integration: IntegrationView } };

const useStyles = makeStyles({
  app: {
    minHeight: '100vh',
    backgroundColor: tokens.colorNeutralBackground2,
    color: tokens.colorNeutralForeground1,
  },
  main: {
    maxWidth: '960px',
    margin: '0 auto',
    padding: `${tokens.spacingVerticalXXL} ${tokens.spacingHorizontalXXL}`,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXL,
    [NARROW]: { padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalM}` },
  },
  panel: {
    padding: tokens.spacingHorizontalXXL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusXLarge,
    boxShadow: tokens.shadow4,
    // Invisible in light and dark; Teams high contrast draws it white and forced colours in
    // CanvasText, where the shadow that outlines the panel is not drawn.
    border: `1px solid ${tokens.colorTransparentStroke}`,
    [NARROW]: { padding: tokens.spacingHorizontalL },
  },
  loading: { padding: tokens.spacingVerticalXXXL },
});

const api = new ApiClient(getSsoToken);
const loadAudit = () => api.audit();

function fatalError(error: unknown): ReadableError {
  if (error instanceof NotInTeamsError) {
    return {
      title: 'Open Exchange Connect in Microsoft Teams',
      message: 'This page is a Microsoft Teams app and works only inside Teams.',
      remediation: 'In Teams, select Apps, find Exchange Connect and open it.',
    };
  }
  if (error instanceof ApiError) {
    return {
      title: 'Exchange Connect could not load',
      message: error.message,
      ...(error.microsoftCode ? { code: error.microsoftCode } : {}),
      ...(error.remediation ? { remediation: error.remediation } : {}),
    };
  }
  return {
    title: 'Exchange Connect could not load',
    message: error instanceof Error ? error.message : String(error),
    remediation: 'Reload the tab. If it keeps failing, sign out of Teams and in again.',
  };
}

function hasIntegration(
  status: IntegrationStatusView,
): status is IntegrationStatusView & { integration: IntegrationView } {
  return status.integration !== null && status.integration.status !== 'disconnected';
}

let pageKeys = 0;
/** A verify page; each gets its own key, so a new run never reuses the last one's state. */
function verifyPage(connection: ConnectionKind, run: VerifyRun): Page {
  return { kind: 'verify', connection, key: ++pageKeys, ...run };
}

function kindOf(integration: IntegrationView): ConnectionKind {
  return { method: integration.method, protocol: integration.protocol, accessScope: integration.accessScope };
}

/**
 * Where an existing connection opens: its status page, or the step it is waiting in. Opening the
 * tab never verifies anything by itself, except re-checking a consent Microsoft is still applying
 * (with the stored mailbox, whoever looks).
 */
function pageFor(status: IntegrationStatusView): Page {
  if (!hasIntegration(status)) return { kind: 'choose' };
  const { integration } = status;
  if (integration.status === 'pending_consent') return { kind: 'modern', purpose: 'connect' };
  if (integration.status === 'pending') return verifyPage(kindOf(integration), { run: 'verify' });
  return { kind: 'status', status };
}

/** The first attempt of a verify page. */
function verifyStartFor(
  page: Extract<Page, { kind: 'verify' }>,
): (onStep: StepListener) => Promise<VerificationView> {
  switch (page.run) {
    case 'connect-basic': {
      const { details, sealed } = page;
      return (onStep) =>
        api.connectBasic(
          {
            ...(details.endpointKind === 'ewsUrl'
              ? { ewsUrl: details.endpoint }
              : { autodiscoverAddress: details.endpoint }),
            serviceAccount: details.serviceAccount,
            sealedPassword: sealed,
          },
          onStep,
        );
    }
    case 'update-password':
      return (onStep) => api.updatePassword({ sealedPassword: page.sealed }, onStep);
    case 'prove-scope':
      return (onStep) => api.proveRoomScope(page.proof, onStep);
    case 'verify':
      return (onStep) => api.verify(page.mailbox ? { mailbox: page.mailbox } : {}, onStep);
  }
}

function stageOf(page: Page): 'choose' | 'connect' | 'verify' | undefined {
  switch (page.kind) {
    case 'choose':
      return 'choose';
    case 'modern':
    case 'basic':
      return 'connect';
    case 'verify':
      return 'verify';
    default:
      return undefined;
  }
}

export function App() {
  const styles = useStyles();
  const [theme, setTheme] = useState<TeamsThemeName>('default');
  const [user, setUser] = useState<TeamsUser>({ upn: '' });
  const [appId, setAppId] = useState('');
  const [page, setPage] = useState<Page>({ kind: 'loading' });

  const loadStatus = useCallback(async () => {
    const status = await api.integration();
    setAppId(status.appId);
    return status;
  }, []);

  useEffect(() => {
    let cancelled = false;
    const boot = async () => {
      const session = await startTeamsSession();
      if (cancelled) return;
      setTheme(session.theme);
      setUser(session.user);
      onThemeChange(setTheme);
      const me = await api.me().catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'not_global_admin') return null;
        throw error;
      });
      if (cancelled) return;
      if (me) setUser((u) => ({ ...u, upn: me.upn, ...(me.name ? { displayName: me.name } : {}) }));
      if (!me || !me.isGlobalAdmin) {
        setPage({ kind: 'not-admin' });
      } else {
        setPage(pageFor(await loadStatus()));
      }
      reportLoaded();
    };
    boot().catch((error: unknown) => {
      if (cancelled) return;
      setPage({ kind: 'fatal', error: fatalError(error) });
      if (!(error instanceof NotInTeamsError)) {
        reportFatal(
          error instanceof ApiError && error.status === 401 ? 'auth' : 'other',
          fatalError(error).message,
        );
      }
    });
    return () => {
      cancelled = true;
    };
  }, [loadStatus]);

  const showStatus = useCallback(async () => {
    const status = await loadStatus();
    setPage(pageFor(status));
  }, [loadStatus]);

  const showStatusOrError = useCallback(() => {
    showStatus().catch((error: unknown) => setPage({ kind: 'fatal', error: fatalError(error) }));
  }, [showStatus]);

  const stage = stageOf(page);
  let content: React.JSX.Element;
  switch (page.kind) {
    case 'loading':
      content = <Spinner className={styles.loading} label="Loading Exchange Connect…" />;
      break;
    case 'fatal':
      content = <ErrorMessage error={page.error} intent="warning" />;
      break;
    case 'not-admin':
      content = <NotAdmin upn={user.upn} />;
      break;
    case 'choose':
      content = (
        <ChooseMethod
          {...(page.method ? { initial: page.method } : {})}
          onNext={(method) =>
            setPage(
              method === 'modern'
                ? { kind: 'modern', purpose: 'connect' }
                : { kind: 'basic', mode: 'connect' },
            )
          }
        />
      );
      break;
    case 'modern':
      content = (
        <ModernConsent
          key={page.purpose}
          api={api}
          upn={user.upn}
          purpose={page.purpose}
          {...(page.protocol ? { initialProtocol: page.protocol } : {})}
          onGranted={(protocol) => setPage(verifyPage({ method: 'modern', protocol }, { run: 'verify' }))}
          onBack={() =>
            page.purpose === 'connect' ? setPage({ kind: 'choose', method: 'modern' }) : showStatusOrError()
          }
        />
      );
      break;
    case 'basic':
      content = (
        <BasicConnect
          key={page.mode}
          api={api}
          mode={page.mode}
          {...(page.details ? { initial: page.details } : {})}
          onSubmit={(details, sealed) =>
            setPage(
              verifyPage(
                { method: 'basic' },
                {
                  run: page.mode === 'update-password' ? 'update-password' : 'connect-basic',
                  details,
                  sealed,
                  mode: page.mode,
                },
              ),
            )
          }
          onBack={() =>
            page.mode === 'connect' ? setPage({ kind: 'choose', method: 'basic' }) : showStatusOrError()
          }
        />
      );
      break;
    case 'verify': {
      const entered = page.run === 'connect-basic' || page.run === 'update-password' ? page : undefined;
      const mailbox =
        page.run === 'prove-scope'
          ? page.proof.room
          : page.run === 'verify' && page.mailbox
            ? page.mailbox
            : user.upn;
      content = (
        <VerifyStep
          key={page.key}
          kind={page.connection}
          mailbox={mailbox}
          appId={appId}
          scopeProof={page.run === 'prove-scope'}
          newCredentials={page.run === 'connect-basic' || page.run === 'update-password'}
          start={verifyStartFor(page)}
          recheck={(attempt, automatic, onStep) =>
            page.run === 'prove-scope'
              ? api.proveRoomScope(page.proof, onStep)
              : api.verify(
                  {
                    attempt,
                    ...(automatic ? { automatic } : {}),
                    ...(page.run === 'verify' && page.mailbox ? { mailbox: page.mailbox } : {}),
                  },
                  onStep,
                )
          }
          onVerified={showStatusOrError}
          // Exchange Online: the status page has every fix (consent again, another mailbox).
          fixLabel={page.connection.method === 'modern' ? 'Back to the status' : 'Change connection details'}
          onFix={() =>
            page.connection.method === 'modern'
              ? showStatusOrError()
              : setPage({
                  kind: 'basic',
                  // A first connect that did not verify stored nothing: back to "Connect", not "Change".
                  mode: entered?.mode === 'connect' ? 'connect' : 'change-details',
                  ...(entered ? { details: entered.details } : {}),
                })
          }
        />
      );
      break;
    }
    case 'status': {
      const { integration } = page.status;
      const basicDetails: BasicDetails = {
        endpointKind: integration.autodiscoverAddress ? 'autodiscover' : 'ewsUrl',
        endpoint: integration.autodiscoverAddress ?? integration.ewsUrl ?? '',
        serviceAccount: integration.serviceAccount ?? '',
      };
      content = (
        <StatusPage
          status={page.status}
          me={user.upn}
          actions={{
            verify: (mailbox) =>
              setPage(verifyPage(kindOf(integration), { run: 'verify', ...(mailbox ? { mailbox } : {}) })),
            consentAgain: () =>
              setPage({
                kind: 'modern',
                purpose: 'again',
                ...(integration.protocol ? { protocol: integration.protocol } : {}),
              }),
            moveToGraph: () => setPage({ kind: 'modern', purpose: 'move-to-graph', protocol: 'graph' }),
            updatePassword: () => setPage({ kind: 'basic', mode: 'update-password', details: basicDetails }),
            changeDetails: () => setPage({ kind: 'basic', mode: 'change-details', details: basicDetails }),
            proveScope: (proof) => setPage(verifyPage(kindOf(integration), { run: 'prove-scope', proof })),
            recheck: async () => {
              await api.checkHealth();
              await showStatus();
            },
            loadAudit,
            disconnect: api.disconnect,
            onDisconnected: showStatusOrError,
          }}
        />
      );
      break;
    }
  }

  return (
    <FluentProvider theme={fluentTheme(theme)} className={styles.app} data-theme={theme}>
      <AnnouncerProvider>
        <AppHeader upn={user.upn} {...(user.displayName ? { displayName: user.displayName } : {})} />
        <main className={styles.main}>
          {stage ? <WizardProgress stage={stage} /> : null}
          <div className={styles.panel}>{content}</div>
        </main>
        <PolicyFooter />
      </AnnouncerProvider>
    </FluentProvider>
  );
}
