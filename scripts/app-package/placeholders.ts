/** Teams Toolkit `${{NAME}}` placeholders: list them and fill them from an environment. */
import type { EnvironmentValues } from './environment';

const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export class MissingEnvironmentVariablesError extends Error {
  constructor(
    readonly variables: string[],
    source: string,
  ) {
    super(`Missing environment variables for ${source}: ${variables.join(', ')} (empty or not set)`);
  }
}

export function placeholderNames(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))].sort();
}

/**
 * Fills a JSON template (placeholders sit inside JSON strings; values are escaped so a quote cannot
 * break the document). An empty value counts as missing: the Toolkit leaves provision outputs empty
 * until provision has run.
 */
export function fillJsonPlaceholders(template: string, values: EnvironmentValues, source: string): string {
  const missing = placeholderNames(template).filter((name) => !values[name]);
  if (missing.length > 0) throw new MissingEnvironmentVariablesError(missing, source);
  return template.replace(PLACEHOLDER, (_match, name: string) => JSON.stringify(values[name]).slice(1, -1));
}
