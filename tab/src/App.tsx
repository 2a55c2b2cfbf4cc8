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
  SealedPasswordBody,
  VerificationView,
} from '../../api/src/http/contract';
import { ApiClient, ApiError, type StepListener } from './api/client';
import { AnnouncerProvider } from './components/Announcer';
import { AppHeader } from './components/AppHeader';
import { ErrorMessage, type ReadableError } from './components/ErrorMessage';
import { PolicyFooter } from './components/PolicyFooter';
import { WizardProgress } from './components/WizardProgress';
import { BasicConnect, type BasicDetails } from './steps/BasicConnect';
import { ChooseMethod } from './steps/ChooseMethod';
import { Connected } from './steps/Connected';
import { ModernConsent } from './steps/ModernConsent';
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

type Page =
  | { kind: 'loading' }
  | { kind: 'fatal'; error: ReadableError }
  | { kind: 'not-admin' }
  | { kind: 'choose'; method?: Method }
  | { kind: 'modern' }
  | { kind: 'basic'; mode: 'connect' | 'update-password'; details?: BasicDetails }
  | {
      kind: 'verify';
      method: Method;
      attempt: 'connect-basic' | 'verify';
      details?: BasicDetails;
      sealed?: SealedPasswordBody;
    }
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
  },
  panel: {
    padding: tokens.spacingHorizontalXXL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusXLarge,
    boxShadow: tokens.shadow4,
  },
  loading: { padding: tokens.spacingVerticalXXXL },
});

const api = new ApiClient(getSsoToken);

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

/** Where an existing connection should open: its status page, or the step it is waiting in. */
function pageFor(status: IntegrationStatusView): Page {
  if (!hasIntegration(status)) return { kind: 'choose' };
  const { integration } = status;
  if (integration.status === 'pending_consent') return { kind: 'modern' };
  if (integration.status === 'pending' || integration.status === 'verifying') {
    return { kind: 'verify', method: integration.method, attempt: 'verify' };
  }
  return { kind: 'status', status };
}

/** The first attempt of a verify page: connect with Basic, update the password, or just verify. */
function verifyStartFor(
  page: Extract<Page, { kind: 'verify' }>,
): (onStep: StepListener) => Promise<VerificationView> {
  const { details, sealed } = page;
  if (page.attempt === 'connect-basic' && details && sealed) {
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
  if (sealed) return (onStep) => api.updatePassword({ sealedPassword: sealed }, onStep);
  return (onStep) => api.verify({}, onStep);
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
            setPage(method === 'modern' ? { kind: 'modern' } : { kind: 'basic', mode: 'connect' })
          }
        />
      );
      break;
    case 'modern':
      content = (
        <ModernConsent
          api={api}
          upn={user.upn}
          onGranted={() => setPage({ kind: 'verify', method: 'modern', attempt: 'verify' })}
          onBack={() => setPage({ kind: 'choose', method: 'modern' })}
        />
      );
      break;
    case 'basic':
      content = (
        <BasicConnect
          api={api}
          mode={page.mode}
          {...(page.details ? { initial: page.details } : {})}
          onSubmit={(details, sealed) =>
            setPage(
              page.mode === 'connect'
                ? { kind: 'verify', method: 'basic', attempt: 'connect-basic', details, sealed }
                : { kind: 'verify', method: 'basic', attempt: 'verify', details, sealed },
            )
          }
          onBack={() =>
            page.mode === 'connect' ? setPage({ kind: 'choose', method: 'basic' }) : showStatusOrError()
          }
        />
      );
      break;
    case 'verify': {
      const { method, details } = page;
      content = (
        <VerifyStep
          key={`${page.attempt}-${page.sealed?.ciphertext ?? ''}`}
          kind={{ method }}
          mailbox={user.upn}
          appId={appId}
          start={verifyStartFor(page)}
          recheck={(attempt, onStep) => api.verify({ attempt }, onStep)}
          onVerified={showStatusOrError}
          fixLabel={method === 'modern' ? 'Back to consent' : 'Change connection details'}
          onFix={() =>
            setPage(
              method === 'modern'
                ? { kind: 'modern' }
                : { kind: 'basic', mode: 'connect', ...(details ? { details } : {}) },
            )
          }
        />
      );
      break;
    }
    case 'status': {
      const { integration } = page.status;
      content = (
        <Connected
          status={page.status}
          onReverify={() => setPage({ kind: 'verify', method: integration.method, attempt: 'verify' })}
          onReconnect={() =>
            setPage(
              integration.method === 'modern'
                ? { kind: 'modern' }
                : {
                    kind: 'basic',
                    mode: 'update-password',
                    details: {
                      endpointKind: 'ewsUrl',
                      endpoint: integration.ewsUrl ?? '',
                      serviceAccount: integration.serviceAccount ?? '',
                    },
                  },
            )
          }
          onDisconnect={api.disconnect}
          onDisconnected={showStatusOrError}
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
