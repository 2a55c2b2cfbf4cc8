/** One Graph request and response as the dispatcher sees them, whether direct or inside a $batch. */
import type { SeedTenant } from '../seed';

export interface GraphRequest {
  method: string;
  /** The path below the version, e.g. `/users/admin@contoso.com/calendar` (percent-decoding not applied). */
  path: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: unknown;
  /** Set for a request that arrived inside a `$batch`: the batch's request id and the item's id. */
  batch?: { requestId: string; id: string };
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON body; absent for bodiless answers. */
  body?: unknown;
  /** A broken body sent verbatim instead of `body` (fault injection). */
  raw?: string;
  /** Never answer (fault injection: a time-out the client must detect). */
  hang?: boolean;
}

/** The app the Bearer token names: its tenant, app id, service principal object id and roles. */
export interface GraphCaller {
  tenant: SeedTenant;
  appId: string;
  objectId: string;
  roles: string[];
}

export const JSON_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export function ok(body: unknown, status = 200): GraphResponse {
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body };
}
