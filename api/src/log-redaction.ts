/**
 * What a log line may carry. pino's own `redact` names fixed paths in one spelling; a secret can
 * arrive under any case and at any depth (`AUTHORIZATION`, `err.cause.config.headers.Authorization`),
 * inside a string (`Bearer eyJ…` in an error message), or in the config/request of an HTTP
 * library's error (axios, undici, ews-javascript-api's transport). So every logged object is
 * copied through `redactForLog` first: keys are judged case-insensitively at every depth, strings
 * lose credentials they quote, and error objects keep only what diagnoses them.
 */

export const CENSOR = '[redacted]';
/** Deep enough for every object we log on purpose; beyond it a value is summarised, not walked. */
const MAX_DEPTH = 10;
const MAX_ARRAY_ITEMS = 100;

/**
 * Keys whose values are secrets, compared without case, `-` or `_` (so `client_assertion`,
 * `Client-Assertion` and `clientAssertion` are one key). A key that ends in one of them counts
 * too (`accessToken`, `sealedPassword`, `x-api-key`), but not one that merely starts with it
 * (`secretId`, `tokenIssuer` are identifiers, not secrets).
 */
const SECRET_KEY_ENDINGS = [
  'authorization',
  'cookie',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'assertion',
  'privatekey',
  'apikey',
  'ciphertext',
  'connectionstring',
  'dsn',
  'credential',
  'credentials',
];

/** Transport internals of HTTP libraries' errors: they hold the request headers and body. */
const TRANSPORT_KEYS = new Set(['config', 'request', 'response', 'headers', 'socket', 'agent', '_header']);

/** `auth` alone is a credential (`user:password` in Node's and axios' options); `keyVaultAuth` is a mode. */
const SECRET_KEYS_EXACT = new Set(['auth', 'basicauth', 'proxyauth']);

export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (
    SECRET_KEYS_EXACT.has(normalized) || SECRET_KEY_ENDINGS.some((ending) => normalized.endsWith(ending))
  );
}

/** Credentials quoted inside text: auth schemes, JWTs, form fields. */
const SECRET_PATTERNS: [RegExp, string][] = [
  // A credential after an auth scheme; a plain word there ("Basic authentication") is prose.
  [
    /\b([Bb]earer|[Bb]asic|Negotiate|NTLM)\s+(?![A-Za-z][a-z]*(?=[\s,;.:"'<>]|$))[^\s,;"'<>]{8,}/g,
    `$1 ${CENSOR}`,
  ],
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, CENSOR],
  // user:password@ inside a URL (a database URL in a driver's message).
  [/\b([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)(?!\[?redacted\]?@)[^@\s/]+@/gi, `$1${CENSOR}@`],
  [
    /\b(client_secret|client_assertion|password|access_token|refresh_token|id_token)=[^&\s"']+/gi,
    `$1=${CENSOR}`,
  ],
];

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** An axios-style error (axios, @ewsjs/xhr) or anything carrying a request configuration. */
function isHttpLibraryError(value: object): boolean {
  const v = value as Record<string, unknown>;
  return v.isAxiosError === true || ('config' in v && ('request' in v || 'response' in v));
}

function isErrorLike(value: object): boolean {
  return value instanceof Error || isHttpLibraryError(value);
}

type Walk = { seen: WeakSet<object>; depth: number };

/** A copy of `value` that is safe to write to a log. Never throws. */
export function redactForLog(value: unknown): unknown {
  return walk(value, { seen: new WeakSet(), depth: 0 });
}

function walk(value: unknown, state: Walk): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (state.seen.has(value)) return '[Circular]';
  if (state.depth >= MAX_DEPTH) return '[Too deep]';
  state.seen.add(value);
  const inner: Walk = { seen: state.seen, depth: state.depth + 1 };
  try {
    if (Array.isArray(value)) return value.slice(0, MAX_ARRAY_ITEMS).map((item) => walk(item, inner));
    if (value instanceof Map) return walk(Object.fromEntries(value), state);
    if (value instanceof Set) return walk([...value], state);
    return isErrorLike(value) ? errorSummary(value, inner) : plainObject(value, inner, false);
  } finally {
    state.seen.delete(value);
  }
}

function plainObject(value: object, state: Walk, dropTransport: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let entries: [string, unknown][];
  try {
    entries = Object.entries(value);
  } catch {
    return { unreadable: true };
  }
  for (const [key, item] of entries) {
    if (dropTransport && TRANSPORT_KEYS.has(key)) continue;
    if (isSecretKey(key)) {
      out[key] = CENSOR;
      continue;
    }
    const copied = walk(item, state);
    if (copied !== undefined) out[key] = copied;
  }
  return out;
}

/**
 * An error as it diagnoses a failure: its type, message, stack, codes and own plain properties,
 * and its causes; never the request it was made from (config, request, headers, response body).
 */
function errorSummary(error: object, state: Walk): Record<string, unknown> {
  const e = error as Record<string, unknown> & { constructor?: { name?: unknown } };
  const out: Record<string, unknown> = {
    type: typeof e.constructor?.name === 'string' ? e.constructor.name : 'Error',
  };
  for (const key of ['name', 'message', 'stack', 'code'] as const) {
    if (typeof e[key] === 'string' || typeof e[key] === 'number') out[key] = walk(e[key], state);
  }
  const response = e.response as { status?: unknown } | undefined;
  if (response && typeof response === 'object' && typeof response.status === 'number') {
    out.status = response.status;
  }
  Object.assign(out, plainObject(error, state, true));
  if (e.cause !== undefined) out.cause = walk(e.cause, state);
  if (Array.isArray(e.errors)) out.errors = walk(e.errors, state);
  return out;
}
