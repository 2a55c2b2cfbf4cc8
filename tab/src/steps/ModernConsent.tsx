/**
 * Step 2 (Exchange Online): grant admin consent in Microsoft's page, opened by Teams as a popup,
 * for Microsoft Graph (the default) or EWS (the legacy option until it ends). Also the one step of
 * moving an EWS connection to Graph. Cancel, a closed window and errors come back as readable
 * messages with a retry.
 */
import { useState } from 'react';
import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { ShieldCheckmarkRegular } from '@fluentui/react-icons';
import type { ConsentPopupResult, Protocol } from '../../../api/src/http/contract';
import { EWS_DEFAULT_OFF_DATE, EWS_SHUTDOWN_DATE } from '../../../api/src/powershell-commands';
import { ApiError, type ApiClient } from '../api/client';
import { useAnnounce } from '../components/Announcer';
import { ErrorMessage, type ReadableError } from '../components/ErrorMessage';
import { useRadioLabelStyles } from '../components/radio-label';
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
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
  permissions: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  code: { fontFamily: tokens.fontFamilyMonospace, overflowWrap: 'anywhere' },
  // A date is read as one word: never split at its hyphens.
  date: { whiteSpace: 'nowrap' },
});

/** What the admin consents to, per API, and why Exchange Connect needs each permission. */
const PERMISSIONS: Record<Protocol, { api: string; name: string; what: string; why: string }[]> = {
  graph: [
    {
      api: 'Microsoft Graph',
      name: 'Calendars.ReadWrite',
      what: 'Read and write calendars in all mailboxes',
      why: 'To read room calendars and book rooms for your platform. Verification opens your own calendar to prove the connection; you can limit this permission to room mailboxes afterwards.',
    },
    {
      api: 'Microsoft Graph',
      name: 'Place.Read.All',
      what: 'Read all company places',
      why: 'To list your room lists and rooms.',
    },
  ],
  ews: [
    {
      api: 'Office 365 Exchange Online',
      name: 'full_access_as_app',
      what: 'Use Exchange Web Services with full access to all mailboxes',
      why: 'The only EWS permission that lets an app read and book room calendars. It cannot be limited to rooms.',
    },
  ],
};

export type ConsentPurpose = 'connect' | 'move-to-graph' | 'again';

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
  purpose = 'connect',
  initialProtocol = 'graph',
  onGranted,
  onBack,
}: {
  api: ApiClient;
  upn: string;
  purpose?: ConsentPurpose;
  initialProtocol?: Protocol;
  onGranted: (protocol: Protocol) => void;
  onBack: () => void;
}) {
  const styles = useStyles();
  const radio = useRadioLabelStyles();
  const announce = useAnnounce();
  const [protocol, setProtocol] = useState<Protocol>(purpose === 'move-to-graph' ? 'graph' : initialProtocol);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ReadableError | null>(null);

  const grant = async () => {
    setBusy(true);
    setError(null);
    announce('Opening the Microsoft consent window');
    let startUrl: string;
    try {
      startUrl = (await api.startConsent(protocol)).startUrl;
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
      onGranted(protocol);
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

  const heading =
    purpose === 'move-to-graph'
      ? 'Move to Microsoft Graph'
      : purpose === 'again'
        ? 'Grant admin consent again'
        : 'Grant admin consent';
  const description =
    purpose === 'move-to-graph'
      ? `EWS in Exchange Online ends on ${EWS_SHUTDOWN_DATE}. One admin consent to the Microsoft Graph permissions below moves this connection; Exchange Connect then verifies it over Graph. The connection, its history and its alerts stay.`
      : "Microsoft's consent page opens in a new window. Sign in there as a Global Administrator of your organisation and select Accept.";
  return (
    <section className={styles.root} aria-labelledby="consent-heading">
      <StepHeading description={description}>
        <span id="consent-heading">{heading}</span>
      </StepHeading>
      {purpose === 'move-to-graph' ? null : (
        <RadioGroup
          value={protocol}
          onChange={(_, data) => setProtocol(data.value === 'ews' ? 'ews' : 'graph')}
          aria-label="Which Microsoft API Exchange Connect uses"
        >
          <Radio
            value="graph"
            label={<span className={radio.label}>{'Microsoft Graph (recommended)'}</span>}
          />
          <Radio
            value="ews"
            label={
              <span className={radio.label}>
                Exchange Web Services (legacy, ends <span className={styles.date}>{EWS_SHUTDOWN_DATE}</span>)
              </span>
            }
          />
        </RadioGroup>
      )}
      {protocol === 'ews' ? (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            EWS in Exchange Online is off by default since{' '}
            <span className={styles.date}>{EWS_DEFAULT_OFF_DATE}</span> unless your organisation allow-lists
            Exchange Connect, and it is switched off for good on{' '}
            <span className={styles.date}>{EWS_SHUTDOWN_DATE}</span>. Choose it only if you cannot use
            Microsoft Graph yet.
          </MessageBarBody>
        </MessageBar>
      ) : null}
      <div className={styles.permissions} data-testid="consent-permissions">
        {PERMISSIONS[protocol].map((p) => (
          <div className={styles.permission} key={p.name}>
            <ShieldCheckmarkRegular className={styles.permissionIcon} aria-hidden="true" />
            <div className={styles.permissionText}>
              <Text weight="semibold" size={300}>
                {`${p.api}: ${p.what}`}
              </Text>
              <Text size={200} className={styles.secondary}>
                Application permission <span className={styles.code}>{p.name}</span>. {p.why}
              </Text>
            </div>
          </div>
        ))}
      </div>
      <ol className={styles.steps}>
        <li>
          <Text size={300}>Select “Grant admin consent”.</Text>
        </li>
        <li>
          <Text size={300}>Pick your account{upn ? ` (${upn})` : ''} and review the permissions.</Text>
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
          {purpose === 'connect' ? 'Back' : 'Cancel'}
        </Button>
        {busy ? <Spinner size="tiny" label="Waiting for the Microsoft consent window…" /> : null}
      </div>
    </section>
  );
}
