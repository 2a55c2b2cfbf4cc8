/** The OData query options the sandbox Graph honours ($select, $top, $skip) and its paging links. */
import { graphErrors } from './errors';

const SUPPORTED = new Set(['$select', '$top', '$skip', '$orderby']);

/** A path segment percent-decoded; a malformed escape is kept as written (Graph then finds nothing). */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Query option by name, case-insensitively, as Graph reads `$select` and `startDateTime`. */
export function queryValue(query: URLSearchParams, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of query) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Refuses OData options the sandbox does not implement rather than silently ignoring them. */
export function rejectUnsupportedOptions(query: URLSearchParams): void {
  for (const key of query.keys()) {
    if (key.startsWith('$') && !SUPPORTED.has(key.toLowerCase()))
      throw graphErrors.unsupportedQueryOption(key);
  }
}

function nonNegativeInteger(query: URLSearchParams, name: string): number | undefined {
  const raw = queryValue(query, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw graphErrors.invalidQueryOption(name, raw);
  return Number(raw);
}

export interface Page {
  top: number;
  skip: number;
}

export function readPage(query: URLSearchParams, defaultTop: number, maxTop: number): Page {
  const top = nonNegativeInteger(query, '$top') ?? defaultTop;
  return { top: Math.max(1, Math.min(top, maxTop)), skip: nonNegativeInteger(query, '$skip') ?? 0 };
}

/** `$select` properties, checked against the type's properties (Graph refuses unknown ones). */
export function readSelect(
  query: URLSearchParams,
  known: readonly string[],
  type: string,
): string[] | undefined {
  const raw = queryValue(query, '$select');
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((p) => {
    const name = p.trim();
    // Every entity has its id, and Graph accepts it in $select (a common way to ask for little).
    if (name.toLowerCase() === 'id') return 'id';
    const property = known.find((k) => k.toLowerCase() === name.toLowerCase());
    if (!property) throw graphErrors.unknownProperty(name, type);
    return property;
  });
}

/** A property bag cut down to `$select` (plus what Graph always returns: the etag and the id). */
export function project(
  entity: Record<string, unknown>,
  select: string[] | undefined,
): Record<string, unknown> {
  if (!select) return entity;
  const keep = new Set(['@odata.etag', 'id', ...select]);
  return Object.fromEntries(Object.entries(entity).filter(([key]) => keep.has(key)));
}

/**
 * A page of a collection with Graph's `@odata.nextLink`: the same URL with `$skip` moved on,
 * absolute on the sandbox's Graph origin so clients can follow it as they would Graph's.
 */
export function pageOf<T>(
  all: readonly T[],
  page: Page,
  link: { origin: string; path: string; query: URLSearchParams },
): { value: T[]; nextLink?: string } {
  const value = all.slice(page.skip, page.skip + page.top);
  if (page.skip + value.length >= all.length) return { value };
  const next = new URLSearchParams();
  for (const [key, v] of link.query) {
    if (!['$skip', '$top'].includes(key.toLowerCase())) next.append(key, v);
  }
  next.set('$top', String(page.top));
  next.set('$skip', String(page.skip + value.length));
  const query = next.toString().replace(/%24/g, '$');
  return { value, nextLink: `${link.origin}/v1.0${link.path}?${query}` };
}

/** `users('admin%40contoso.com')`: how Graph names an addressed entity in `@odata.context`. */
export const contextKey = (segment: string) => `'${encodeURIComponent(decodeSegment(segment))}'`;
