/**
 * Step 2 (Exchange Online): grant admin consent in Microsoft's page, opened by Teams as a popup.
 * Cancel, a closed window and errors come back as readable messages with a retry.
 */
import { useState } from 'react';
import { Button, makeStyles, Spinner, Text, tokens } from '@fluentui/react-components';
import { ShieldCheckmarkRegular } from '@fluentui/react-icons';
import type { ConsentPopupResult } from '../../../api/src/http/contract';
import { ApiError, type ApiClient } from '../api/client';
import { useAnnounce } from '../components/Announcer';
import { ErrorMessage, type ReadableError } from '../components/ErrorMessage';
import { StepHeading } from '../components/StepHeading';
import { parseConsentResult } from '../teams/consent-result';
import { openAuthenticationPopup } from '../teams/teams-session';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXL },
  permission: {
    display: 'flex',
    gap: tokens.spacingHorizontalM,
    padding: tokens.spacingHorizontalL,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusLarge,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  permissionIcon: { fontSize: '28px', color: tokens.colorBrandForeground1, flexShrink: 0 },
  permissionText: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  secondary: { color: tokens.colorNeutralForeground2 },
  steps: {
    margin: 0,
    paddingLeft: tokens.spacingHorizontalXL,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXS,
  },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center' },
});

/** The popup's own failure reasons, as the Teams host reports them. */
function popupError(error: unknown): ReadableError {
  const reason = error instanceof Error ? error.message : String(error);
  if (reason === 'CancelledByUser') {
    return {
      title: 'The consent window was closed',
      message: 'Nothing was granted, because the Microsoft consent window was closed before you finished.',
      remediation: 'Choose "Grant admin consent" again and select Accept.',
    };
  }
  if (reason === 'FailedToOpenWindow') {
    return {
      title: 'The consent window could not open',
      message: 'Your browser blocked the Microsoft consent window.',
      remediation: 'Allow pop-ups for Microsoft Teams, then try again.',
    };
  }
  return { title: 'Consent did not complete', message: reason || 'The consent window reported an error.' };
}

function resultError(result: ConsentPopupResult): ReadableError {
  if (result.outcome === 'declined') {
    return {
      title: 'Consent was not granted',
      message: result.message ?? 'You cancelled the Microsoft consent page, so nothing was granted.',
      ...(result.code ? { code: result.code } : {}),
      remediation: result.remediation ?? 'Choose "Grant admin consent" again and select Accept.',
    };
  }
  return {
    title: 'Consent failed',
    message: result.message ?? 'Microsoft Entra ID could not record the consent.',
    ...(result.code ? { code: result.code } : {}),
    ...(result.remediation ? { remediation: result.remediation } : {}),
  };
}

function apiError(error: unknown): ReadableError {
  if (error instanceof ApiError) {
    return {
      title: 'Consent could not start',
      message: error.message,
      ...(error.microsoftCode ? { code: error.microsoftCode } : {}),
      ...(error.remediation ? { remediation: error.remediation } : {}),
    };
  }
  return {
    title: 'Consent could not start',
    message: error instanceof Error ? error.message : String(error),
  };
}

export function ModernConsent({
  api,
  upn,
  onGranted,
  onBack,
}: {
  api: ApiClient;
  upn: string;
  onGranted: () => void;
  onBack: () => void;
}) {
  const styles = useStyles();
  const announce = useAnnounce();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ReadableError | null>(null);

  const grant = async () => {
    setBusy(true);
    setError(null);
    announce('Opening the Microsoft consent window');
    let startUrl: string;
    try {
      startUrl = (await api.startConsent()).startUrl;
    } catch (e) {
      setBusy(false);
      setError(apiError(e));
      announce('Consent could not start');
      return;
    }
    let raw: string;
    try {
      raw = await openAuthenticationPopup(startUrl);
    } catch (e) {
      const readable = popupError(e);
      setBusy(false);
      setError(readable);
      announce(readable.title);
      return;
    }
    const result = parseConsentResult(raw);
    setBusy(false);
    if (result?.outcome === 'granted') {
      announce('Admin consent granted');
      onGranted();
      return;
    }
    const readable = result
      ? resultError(result)
      : {
          title: 'Consent did not complete',
          message: 'The consent window returned a result Exchange Connect could not read.',
        };
    setError(readable);
    announce(readable.title);
  };

  return (
    <section className={styles.root} aria-labelledby="consent-heading">
      <StepHeading description="Microsoft's consent page opens in a new window. Sign in there as a Global Administrator of your organisation and select Accept.">
        <span id="consent-heading">Grant admin consent</span>
      </StepHeading>
      <div className={styles.permission}>
        <ShieldCheckmarkRegular className={styles.permissionIcon} aria-hidden="true" />
        <div className={styles.permissionText}>
          <Text weight="semibold" size={300}>
            Office 365 Exchange Online: Use Exchange Web Services with full access to all mailboxes
          </Text>
          <Text size={200} className={styles.secondary}>
            Application permission full_access_as_app. This is the only permission Exchange Connect asks for.
          </Text>
        </div>
      </div>
      <ol className={styles.steps}>
        <li>
          <Text size={300}>Select “Grant admin consent”.</Text>
        </li>
        <li>
          <Text size={300}>Pick your account{upn ? ` (${upn})` : ''} and review the permission.</Text>
        </li>
        <li>
          <Text size={300}>Select Accept. Exchange Connect then verifies the connection by itself.</Text>
        </li>
      </ol>
      {error ? <ErrorMessage error={error} onRetry={() => void grant()} /> : null}
      <div className={styles.actions}>
        <Button appearance="primary" onClick={() => void grant()} disabled={busy}>
          Grant admin consent
        </Button>
        <Button onClick={onBack} disabled={busy}>
          Back
        </Button>
        {busy ? <Spinner size="tiny" label="Waiting for the Microsoft consent window…" /> : null}
      </div>
    </section>
  );
}
