/** What the policy pages say that depends on the deployment, and small formatters they share. */
import type { RetentionSettings } from '../../../api/src/retention/retention-job';
import { html, type Html } from './html';

export interface PolicySettings {
  /** Exchange Connect's Entra application (client) id, as admins find it in Entra. */
  appId: string;
  retention: RetentionSettings;
  /** Between two health checks of a connection. */
  healthIntervalMs: number;
  /** EC_PUBLISHER_CONTACT; unset, the pages say so. */
  publisherContact?: string;
}

/** infra/azure.bicep's softDeleteRetentionInDays (a unit test keeps the two equal). */
export const KEY_VAULT_SOFT_DELETE_DAYS = 90;

const plural = (n: number, unit: string) => (n === 1 ? `1 ${unit}` : `${n} ${unit}s`);

export const days = (n: number) => plural(n, 'day');

/** A health interval as people say it: `15 minutes`, `1 hour`, `30 seconds`. */
export function interval(ms: number): string {
  if (ms % 86_400_000 === 0) return plural(ms / 86_400_000, 'day');
  if (ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour');
  if (ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  return plural(Math.round(ms / 1000), 'second');
}

/** `2027-04-01` → `1 April 2027`, whatever the server's locale. */
export function longDate(isoDate: string): string {
  return new Date(`${isoDate}T00:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** The publisher's contact: a link for an email address or https URL, text otherwise. */
export function contactOf(contact: string | undefined): Html {
  if (!contact) {
    return html`<strong>No contact has been configured for this deployment.</strong> Its operator sets one
      with the <code>EC_PUBLISHER_CONTACT</code> setting; until then, ask whoever gave your organisation
      Exchange Connect.`;
  }
  if (/^https:\/\/\S+$/i.test(contact))
    return html`Contact the publisher at <a href="${contact}">${contact}</a>.`;
  if (/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(contact)) {
    return html`Contact the publisher at <a href="mailto:${contact}">${contact}</a>.`;
  }
  return html`Contact the publisher: ${contact}.`;
}
