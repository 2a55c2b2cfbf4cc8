/**
 * OPATH recipient filters as Exchange writes them in `New-ManagementScope -RecipientRestrictionFilter`:
 * `RecipientTypeDetails -eq 'RoomMailbox'`, `-ne`, `-like 'room.*'`, `-notlike`, `-and`, `-or`, `-not`
 * and parentheses, over the recipient properties the sandbox models. Parsed once, evaluated per mailbox.
 */
import { wildcardMatches } from '../wildcard';

export interface Recipient {
  RecipientTypeDetails: 'UserMailbox' | 'RoomMailbox';
  RecipientType: 'UserMailbox';
  PrimarySmtpAddress: string;
  WindowsEmailAddress: string;
  Alias: string;
  Name: string;
  DisplayName: string;
}

export const FILTERABLE_PROPERTIES = [
  'RecipientTypeDetails',
  'RecipientType',
  'PrimarySmtpAddress',
  'WindowsEmailAddress',
  'Alias',
  'Name',
  'DisplayName',
] as const;
type Property = (typeof FILTERABLE_PROPERTIES)[number];

export type RecipientFilter =
  | { op: 'compare'; property: Property; comparison: 'eq' | 'ne' | 'like' | 'notlike'; value: string }
  | { op: 'and' | 'or'; left: RecipientFilter; right: RecipientFilter }
  | { op: 'not'; operand: RecipientFilter };

export class RecipientFilterError extends Error {}

type Token =
  | { kind: 'operator'; value: string }
  | { kind: 'word'; value: string }
  | { kind: 'string'; value: string }
  | { kind: 'paren'; value: '(' | ')' };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(-[A-Za-z]+)|'((?:[^']|'')*)'|"((?:[^"]|"")*)"|([()])|([^\s()'"]+))/y;
  let at = 0;
  while (at < filter.length) {
    if (/^\s*$/.test(filter.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(filter);
    if (!m) throw new RecipientFilterError(`Invalid filter syntax at position ${at + 1}.`);
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'operator', value: m[1].toLowerCase() });
    else if (m[2] !== undefined) tokens.push({ kind: 'string', value: m[2].replace(/''/g, "'") });
    else if (m[3] !== undefined) tokens.push({ kind: 'string', value: m[3].replace(/""/g, '"') });
    else if (m[4]) tokens.push({ kind: 'paren', value: m[4] as '(' | ')' });
    else if (m[5]) tokens.push({ kind: 'word', value: m[5] });
  }
  return tokens;
}

/** Recursive descent: or → and → not → comparison | ( or ). */
export function parseRecipientFilter(filter: string): RecipientFilter {
  const tokens = tokenize(filter);
  let i = 0;
  const peek = () => tokens[i];
  const fail = (what: string): never => {
    throw new RecipientFilterError(`Invalid filter syntax: ${what} in "${filter}".`);
  };

  function or(): RecipientFilter {
    let left = and();
    while (peek()?.kind === 'operator' && peek()?.value === '-or') {
      i++;
      left = { op: 'or', left, right: and() };
    }
    return left;
  }
  function and(): RecipientFilter {
    let left = not();
    while (peek()?.kind === 'operator' && peek()?.value === '-and') {
      i++;
      left = { op: 'and', left, right: not() };
    }
    return left;
  }
  function not(): RecipientFilter {
    if (peek()?.kind === 'operator' && peek()?.value === '-not') {
      i++;
      return { op: 'not', operand: not() };
    }
    return primary();
  }
  function primary(): RecipientFilter {
    const token = peek();
    if (token?.kind === 'paren' && token.value === '(') {
      i++;
      const inner = or();
      if (peek()?.kind !== 'paren' || peek()?.value !== ')') fail("missing ')'");
      i++;
      return inner;
    }
    if (token?.kind !== 'word') return fail('expected a property name');
    const property = FILTERABLE_PROPERTIES.find((p) => p.toLowerCase() === token.value.toLowerCase());
    if (!property) return fail(`unknown property '${token.value}'`);
    i++;
    const operator = peek();
    const comparison = operator?.kind === 'operator' ? operator.value.slice(1) : '';
    if (!['eq', 'ne', 'like', 'notlike'].includes(comparison))
      return fail('expected -eq, -ne, -like or -notlike');
    i++;
    const value = peek();
    if (!value || (value.kind !== 'string' && value.kind !== 'word')) return fail('expected a value');
    i++;
    return { op: 'compare', property, comparison: comparison as 'eq', value: value.value };
  }

  const parsed = or();
  if (i !== tokens.length) fail(`unexpected '${tokens[i]!.value}'`);
  return parsed;
}

export function matchesRecipientFilter(filter: RecipientFilter, recipient: Recipient): boolean {
  switch (filter.op) {
    case 'and':
      return (
        matchesRecipientFilter(filter.left, recipient) && matchesRecipientFilter(filter.right, recipient)
      );
    case 'or':
      return (
        matchesRecipientFilter(filter.left, recipient) || matchesRecipientFilter(filter.right, recipient)
      );
    case 'not':
      return !matchesRecipientFilter(filter.operand, recipient);
    case 'compare': {
      const actual = recipient[filter.property];
      const equal = actual.toLowerCase() === filter.value.toLowerCase();
      switch (filter.comparison) {
        case 'eq':
          return equal;
        case 'ne':
          return !equal;
        case 'like':
          return wildcardMatches(actual, filter.value);
        case 'notlike':
          return !wildcardMatches(actual, filter.value);
      }
    }
  }
}
