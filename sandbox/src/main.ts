/** `npm run sandbox`: the sandbox tenant alone, on fixed ports, printing where each service listens. */
import { ensureDevCertificates } from '../../scripts/dev-certs';
import { startSandbox, DEFAULT_SANDBOX_PORTS, type Sandbox } from './sandbox';

export async function startDefaultSandbox(): Promise<Sandbox> {
  const certs = await ensureDevCertificates();
  const propagationSeconds = Number(process.env.SANDBOX_CONSENT_PROPAGATION_SECONDS ?? '20');
  const rbacSeconds = Number(process.env.SANDBOX_RBAC_PROPAGATION_SECONDS ?? '5');
  return startSandbox({
    tls: { certPem: certs.tlsCertPem, keyPem: certs.tlsKeyPem, caCertPem: certs.caCertPem },
    appCertificatePems: [certs.appCertPem],
    ports: DEFAULT_SANDBOX_PORTS,
    consentPropagationMs: propagationSeconds * 1000,
    rbacPropagationMs: rbacSeconds * 1000,
    appRequestsGraph: true,
  });
}

export function describeSandbox(sandbox: Sandbox): string {
  const { urls, context } = sandbox;
  const contoso = context.seed.tenants[0]!;
  return [
    'Sandbox tenant (development stand-ins for Microsoft services, HTTPS with .local/certs/sandbox-ca.pem):',
    `  Teams host + control API  ${urls.home}   (control: ${urls.home}/_sandbox)`,
    `  Entra ID                  ${urls.entra}/${contoso.id}/v2.0/.well-known/openid-configuration`,
    `  Exchange Online EWS       ${urls.exchangeOnline}/EWS/Exchange.asmx`,
    `  Exchange Server EWS       ${urls.exchangeServer}/EWS/Exchange.asmx, as https://mail.fabrikam.com:${new URL(urls.exchangeServer).port}/EWS/Exchange.asmx to the app (Autodiscover: /autodiscover/autodiscover.xml)`,
    `  Key Vault                 ${urls.keyVault}`,
    `  Bot connector             ${urls.connector}`,
    `  Microsoft Graph           ${urls.graph}/v1.0 (calendars, getSchedule, Places, $batch)`,
    `  Consent propagation delay ${context.directory.consentPropagationMs / 1000} s; RBAC for Applications ${context.exchange.rbac.propagationMs / 1000} s`,
  ].join('\n');
}

if (require.main === module) {
  startDefaultSandbox().then(
    (sandbox) => {
      console.log(describeSandbox(sandbox));
      const stop = () => void sandbox.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error('The sandbox could not start:', error);
      process.exit(1);
    },
  );
}
