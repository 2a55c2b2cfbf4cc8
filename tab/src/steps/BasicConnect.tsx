/**
 * Step 2 (Exchange Server): where EWS is, the service account and its password — for a new
 * connection, to change the details of the current one in place, or for a new password only. The
 * password is read from the input at submit, sealed to the server's key in the browser, and the
 * field cleared. Nothing replaces what is stored until the new details verify.
 */
import { useRef, useState, type FormEvent } from 'react';
import {
  Button,
  Field,
  Input,
  makeStyles,
  Radio,
  RadioGroup,
  Spinner,
  tokens,
} from '@fluentui/react-components';
import type { SealedPasswordBody } from '../../../api/src/http/contract';
import { impersonationCommand } from '../../../api/src/powershell-commands';
import type { ApiClient } from '../api/client';
import { sealPasswordInput } from '../api/sealing';
import { CommandBlock } from '../components/CommandBlock';
import { ErrorMessage, type ReadableError } from '../components/ErrorMessage';
import { usePlaceholderStyles } from '../components/placeholder';
import { useRadioLabelStyles } from '../components/radio-label';
import { StepHeading } from '../components/StepHeading';

export type BasicMode = 'connect' | 'change-details' | 'update-password';

export interface BasicDetails {
  endpointKind: 'ewsUrl' | 'autodiscover';
  endpoint: string;
  serviceAccount: string;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXL },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '560px' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
  // Side by side while they fit; on a phone the second choice moves under the first, unbroken.
  endpointKinds: { flexWrap: 'wrap' },
});

const HEADINGS: Record<BasicMode, { title: string; submit: string }> = {
  connect: { title: 'Connect Exchange Server', submit: 'Connect and verify' },
  'change-details': { title: 'Change connection details', submit: 'Verify and save' },
  'update-password': { title: 'Update the service account password', submit: 'Verify and update password' },
};

export function BasicConnect({
  api,
  mode,
  initial,
  onSubmit,
  onBack,
}: {
  api: ApiClient;
  mode: BasicMode;
  initial?: BasicDetails;
  onSubmit: (details: BasicDetails, sealedPassword: SealedPasswordBody) => void;
  onBack: () => void;
}) {
  const styles = useStyles();
  const placeholder = usePlaceholderStyles();
  const radio = useRadioLabelStyles();
  const [endpointKind, setEndpointKind] = useState<BasicDetails['endpointKind']>(
    initial?.endpointKind ?? 'ewsUrl',
  );
  const [endpoint, setEndpoint] = useState(initial?.endpoint ?? '');
  const [serviceAccount, setServiceAccount] = useState(initial?.serviceAccount ?? '');
  const [invalid, setInvalid] = useState<Partial<Record<'endpoint' | 'serviceAccount' | 'password', string>>>(
    {},
  );
  const [error, setError] = useState<ReadableError | null>(null);
  const [sealing, setSealing] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);

  const validate = (): boolean => {
    const problems: typeof invalid = {};
    if (mode !== 'update-password') {
      if (endpointKind === 'ewsUrl' && !/^https:\/\/[^/\s]+/i.test(endpoint.trim())) {
        problems.endpoint =
          'Enter the https:// address of EWS, e.g. https://mail.contoso.com/EWS/Exchange.asmx.';
      }
      if (endpointKind === 'autodiscover' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(endpoint.trim())) {
        problems.endpoint = 'Enter an e-mail address in your Exchange organisation.';
      }
      if (!serviceAccount.trim()) problems.serviceAccount = 'Enter the service account.';
    }
    if (!passwordRef.current?.value) problems.password = 'Enter the password of the service account.';
    setInvalid(problems);
    return Object.keys(problems).length === 0;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const input = passwordRef.current;
    if (!validate() || !input) return;
    setSealing(true);
    try {
      // Connect and change-details both post a new connection's details; only a new password is an update.
      const sealed = await sealPasswordInput(api, input, mode === 'update-password' ? 'update' : 'connect');
      onSubmit({ endpointKind, endpoint: endpoint.trim(), serviceAccount: serviceAccount.trim() }, sealed);
    } catch (e) {
      setSealing(false);
      setError({
        title: 'The password could not be protected',
        message: e instanceof Error ? e.message : String(e),
        remediation: 'Try again. The password is never sent unencrypted.',
      });
    }
  };

  const account = serviceAccount.trim() || '<service account>';
  return (
    <section className={styles.root} aria-labelledby="basic-heading">
      <StepHeading
        description={
          mode === 'connect'
            ? 'Exchange Connect signs in to Exchange Web Services as this account and opens calendars on behalf of rooms and users. The password reaches Azure Key Vault only once it verified.'
            : mode === 'change-details'
              ? 'Change where Exchange Web Services is, the service account or its password. Exchange Connect verifies the new details first; until they verify, the current connection stays as it is.'
              : `Enter the new password of ${serviceAccount}. Exchange Connect verifies it before it replaces the old one.`
        }
      >
        <span id="basic-heading">{HEADINGS[mode].title}</span>
      </StepHeading>
      <form className={styles.form} onSubmit={(e) => void submit(e)} noValidate>
        {mode !== 'update-password' ? (
          <>
            <Field label="How should Exchange Connect find your server?">
              <RadioGroup
                layout="horizontal"
                className={styles.endpointKinds}
                value={endpointKind}
                onChange={(_, data) =>
                  setEndpointKind(data.value === 'autodiscover' ? 'autodiscover' : 'ewsUrl')
                }
              >
                <Radio value="ewsUrl" label={<span className={radio.label}>{'EWS URL'}</span>} />
                <Radio
                  value="autodiscover"
                  label={<span className={radio.label}>{'Autodiscover (e-mail address)'}</span>}
                />
              </RadioGroup>
            </Field>
            <Field
              label={endpointKind === 'ewsUrl' ? 'EWS URL' : 'Autodiscover e-mail address'}
              required
              validationMessage={invalid.endpoint}
              hint={
                endpointKind === 'ewsUrl'
                  ? 'The external address of Exchange Web Services, ending in /EWS/Exchange.asmx.'
                  : 'Exchange Connect finds the EWS URL with Autodiscover for this address.'
              }
            >
              <Input
                className={placeholder.input}
                type={endpointKind === 'ewsUrl' ? 'url' : 'email'}
                value={endpoint}
                onChange={(_, data) => setEndpoint(data.value)}
                placeholder={
                  endpointKind === 'ewsUrl'
                    ? 'https://mail.contoso.com/EWS/Exchange.asmx'
                    : 'admin@contoso.com'
                }
              />
            </Field>
            <Field
              label="Service account"
              required
              validationMessage={invalid.serviceAccount}
              hint="The account Exchange Connect signs in as, e.g. svc-ews@contoso.com."
            >
              <Input
                value={serviceAccount}
                onChange={(_, data) => setServiceAccount(data.value)}
                autoComplete="off"
              />
            </Field>
          </>
        ) : null}
        <Field
          label="Password"
          required
          validationMessage={invalid.password}
          hint="Encrypted in your browser before it is sent, and kept only in Azure Key Vault."
        >
          <Input type="password" input={{ ref: passwordRef }} autoComplete="new-password" />
        </Field>
        {mode !== 'update-password' ? (
          <CommandBlock
            id="impersonation-command"
            label="Give the service account ApplicationImpersonation (Exchange Management Shell):"
            command={impersonationCommand(account)}
          />
        ) : null}
        {error ? <ErrorMessage error={error} /> : null}
        <div className={styles.actions}>
          <Button appearance="primary" type="submit" disabled={sealing}>
            {HEADINGS[mode].submit}
          </Button>
          <Button onClick={onBack} disabled={sealing}>
            {mode === 'connect' ? 'Back' : 'Cancel'}
          </Button>
          {sealing ? <Spinner size="tiny" label="Encrypting the password…" /> : null}
        </div>
      </form>
    </section>
  );
}
