/**
 * Server-rendered pages of the sandbox admin-consent flow: account picker, consent prompt,
 * "Need admin approval" and Entra's sign-in error page. Plain HTML forms; every value escaped.
 */
import type { SeedTenant } from '../seed';

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The consent request's parameters, re-posted with every form so each step is self-contained. */
export type HiddenFields = Record<string, string | undefined>;

const hidden = (fields: HiddenFields) =>
  Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n      ');

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <style>
    body { font-family: "Segoe UI", system-ui, sans-serif; background: #f2f2f2; margin: 0; }
    main { background: #fff; max-width: 440px; margin: 48px auto; padding: 44px; box-shadow: 0 2px 6px rgba(0,0,0,.2); }
    h1 { font-size: 1.5rem; font-weight: 600; margin-top: 0; }
    fieldset { border: 0; padding: 0; margin: 0 0 16px; }
    label { display: block; padding: 8px 0; }
    .buttons { display: flex; gap: 8px; justify-content: flex-end; }
    button { min-width: 108px; padding: 6px 12px; font: inherit; border: 1px solid #8a8886; background: #fff; }
    button.primary { background: #0067b8; color: #fff; border-color: #0067b8; }
    .detail { color: #605e5c; font-size: .85rem; word-break: break-word; }
  </style>
</head>
<body>
  <main>
    ${body}
  </main>
</body>
</html>`;
}

export interface PickerAccount {
  upn: string;
  displayName: string;
  tenant: SeedTenant;
}

export function accountPickerPage(
  action: string,
  fields: HiddenFields,
  accounts: PickerAccount[],
  loginHint?: string,
) {
  const hint = loginHint?.toLowerCase();
  const preselected = accounts.some((a) => a.upn === hint) ? hint : accounts[0]?.upn;
  const options = accounts
    .map((a, i) => {
      const id = `account-${i}`;
      const checked = a.upn === preselected ? ' checked' : '';
      return `<label for="${id}"><input type="radio" id="${id}" name="account" value="${escapeHtml(a.upn)}"${checked}> ${escapeHtml(a.displayName)} &lt;${escapeHtml(a.upn)}&gt; <span class="detail">(${escapeHtml(a.tenant.displayName)})</span></label>`;
    })
    .join('\n        ');
  return page(
    'Sandbox sign-in: pick an account',
    `<h1>Sandbox sign-in: pick an account</h1>
    <p class="detail">This is the development sandbox, not Microsoft. Pick the account to sign in as.</p>
    <form method="post" action="${escapeHtml(action)}">
      ${hidden({ ...fields, step: 'pick' })}
      <fieldset>
        <legend>Accounts</legend>
        ${options}
      </fieldset>
      <div class="buttons"><button type="submit" class="primary">Sign in</button></div>
    </form>`,
  );
}

export interface ConsentPageModel {
  appName: string;
  publisherDomain: string;
  userUpn: string;
  permissions: string[];
}

export function consentPage(action: string, fields: HiddenFields, model: ConsentPageModel) {
  const permissions = model.permissions.map((p) => `<li>${escapeHtml(p)}</li>`).join('\n        ');
  return page(
    'Permissions requested',
    `<p class="detail">${escapeHtml(model.userUpn)}</p>
    <h1>Permissions requested</h1>
    <p><strong>${escapeHtml(model.appName)}</strong><br><span class="detail">${escapeHtml(model.publisherDomain)}</span></p>
    <p id="permissions-heading">This app would like to:</p>
    <ul aria-labelledby="permissions-heading">
        ${permissions}
    </ul>
    <p class="detail">If you accept, this app will get access to the specified resources for all users in your organization. No one else will be prompted to review these permissions.</p>
    <form method="post" action="${escapeHtml(action)}">
      ${hidden({ ...fields, step: 'consent' })}
      <div class="buttons">
        <button type="submit" name="decision" value="cancel">Cancel</button>
        <button type="submit" name="decision" value="accept" class="primary">Accept</button>
      </div>
    </form>`,
  );
}

export function adminApprovalPage(action: string, fields: HiddenFields, appName: string, errorText: string) {
  return page(
    'Need admin approval',
    `<h1>Need admin approval</h1>
    <p>${escapeHtml(appName)} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
    <p class="detail">${escapeHtml(errorText)}</p>
    <form method="post" action="${escapeHtml(action)}">
      ${hidden({ ...fields, step: 'return' })}
      <div class="buttons"><button type="submit">Return to the application without granting consent</button></div>
    </form>`,
  );
}

/** Entra's sign-in error page: no redirect back to the app, only the AADSTS text and trace ids. */
export function signInErrorPage(description: string) {
  const [message, ...traceLines] = description.split('\r\n');
  return page(
    'Sign in to your account',
    `<h1>Sign in</h1>
    <p role="alert">Sorry, but we’re having trouble signing you in.</p>
    <p>${escapeHtml(message ?? '')}</p>
    <p class="detail">${traceLines.map(escapeHtml).join('<br>')}</p>`,
  );
}
