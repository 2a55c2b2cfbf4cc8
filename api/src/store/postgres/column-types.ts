/**
 * How the pool hands columns back: in the shapes the shared row mappers (../rows.ts) expect, which
 * are SQLite's. Per pool, never pg's global parsers, so nothing else in the process is affected.
 *  - timestamptz → canonical ISO text (`2026-11-28T10:00:00.000Z`), the port's IsoInstant;
 *  - json / jsonb → the raw text, which the mappers parse and validate with zod.
 * Everything else keeps pg's defaults (integer and double precision come back as numbers).
 */
import { types, type CustomTypesConfig } from 'pg';

type TextParser = (text: string) => unknown;

const parseTimestamp = types.getTypeParser(types.builtins.TIMESTAMPTZ) as TextParser;
const keepText: TextParser = (text) => text;

/**
 * `infinity` (only ever written by hand) stays text, as SQLite would return any text. Anything else
 * that does not parse means a session DateStyle other than ISO (pg's parsers, like every driver's,
 * assume ISO): fail the query rather than hand on a wrong instant.
 */
const timestampAsIso: TextParser = (text) => {
  const parsed = parseTimestamp(text);
  if (parsed instanceof Date && !Number.isNaN(parsed.getTime())) return parsed.toISOString();
  if (text === 'infinity' || text === '-infinity') return text;
  throw new RangeError(
    `Cannot read the timestamptz ${JSON.stringify(text)}: the session's DateStyle must be ISO.`,
  );
};

function parserFor(oid: number, format?: 'text' | 'binary'): unknown {
  if (format === undefined || format === 'text') {
    if (oid === types.builtins.TIMESTAMPTZ) return timestampAsIso;
    if (oid === types.builtins.JSON || oid === types.builtins.JSONB) return keepText;
  }
  return types.getTypeParser(oid, format);
}

export const columnTypes: CustomTypesConfig = {
  getTypeParser: parserFor as CustomTypesConfig['getTypeParser'],
};
