/** The admin-consent outcome the popup hands back to the tab (JSON of ConsentPopupResult). */
import type { ConsentPopupResult } from '../../../api/src/http/contract';

const OUTCOMES: ConsentPopupResult['outcome'][] = ['granted', 'declined', 'failed'];

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

export function parseConsentResult(json: string): ConsentPopupResult | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const outcome = OUTCOMES.find((o) => o === record.outcome);
  if (!outcome) return undefined;
  const code = optionalString(record.code);
  const message = optionalString(record.message);
  const remediation = optionalString(record.remediation);
  return {
    outcome,
    ...(code ? { code } : {}),
    ...(message ? { message } : {}),
    ...(remediation ? { remediation } : {}),
  };
}

/** `#result=<base64url(JSON)>` as the server's consent callback writes it. */
export function consentResultFromFragment(hash: string): ConsentPopupResult | undefined {
  const encoded = new URLSearchParams(hash.replace(/^#/, '')).get('result');
  if (!encoded) return undefined;
  try {
    const base64 = encoded.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    return parseConsentResult(json);
  } catch {
    return undefined;
  }
}
