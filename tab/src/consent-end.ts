/**
 * The consent popup's last page: the server's consent callback redirects here with the outcome in
 * the fragment; we hand it to the tab through teams-js (notifySuccess), or report a broken result.
 */
import { authentication } from '@microsoft/teams-js';
import { consentResultFromFragment } from './teams/consent-result';
import { initializeTeams } from './teams/teams-session';

const status = document.getElementById('consent-end-status');

function show(text: string): void {
  if (status) status.textContent = text;
}

async function main(): Promise<void> {
  const result = consentResultFromFragment(window.location.hash);
  try {
    await initializeTeams();
  } catch {
    show('This page belongs to the Exchange Connect consent window in Microsoft Teams. You can close it.');
    return;
  }
  if (result) {
    authentication.notifySuccess(JSON.stringify(result));
    show('Done. You can close this window.');
  } else {
    authentication.notifyFailure('InvalidConsentResult');
    show('The consent result could not be read. Close this window and try again.');
  }
}

void main();
