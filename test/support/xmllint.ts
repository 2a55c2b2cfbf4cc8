/**
 * Schema checks with xmllint (libxml2-utils) against Microsoft's EWS schema in ../shared/ews-schema:
 * each SOAP header element and the body element is cut out into a standalone document (namespace
 * declarations of its ancestors carried over) and validated, all in one xmllint run.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const EWS_SCHEMA = path.resolve(__dirname, '..', '..', '..', 'shared', 'ews-schema', 'messages.xsd');

interface Tag {
  start: number;
  end: number;
  name: string;
  closing: boolean;
  selfClosing: boolean;
}

function* tags(xml: string): Generator<Tag> {
  const re = /<(\/?)([A-Za-z_][\w.-]*(?::[\w.-]+)?)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    yield {
      start: m.index,
      end: re.lastIndex,
      name: m[2]!,
      closing: m[1] === '/',
      selfClosing: m[4] === '/',
    };
  }
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);
const namespaceDeclarations = (startTag: string) => startTag.match(/\sxmlns(?::[\w.-]+)?="[^"]*"/g) ?? [];

/** The children of SOAP Header and the first child of SOAP Body, each as a standalone XML document. */
export function soapParts(envelope: string): string[] {
  const parts: string[] = [];
  const inherited: string[] = [];
  const stack: Array<{ name: string; startTag: string; start: number }> = [];
  for (const tag of tags(envelope)) {
    const startTag = envelope.slice(tag.start, tag.end);
    const parent = stack[stack.length - 1];
    const inSection = stack.length === 2 && ['Header', 'Body'].includes(localName(parent!.name));
    if (tag.closing) {
      const open = stack.pop();
      if (open && stack.length === 2)
        parts.push(standalone(envelope.slice(open.start, tag.end), open.startTag, inherited));
      continue;
    }
    if (stack.length < 2) inherited.push(...namespaceDeclarations(startTag));
    if (inSection && tag.selfClosing) {
      parts.push(standalone(startTag, startTag, inherited));
      continue;
    }
    if (!tag.selfClosing) stack.push({ name: tag.name, startTag, start: tag.start });
  }
  return parts;
}

function standalone(element: string, startTag: string, inherited: string[]): string {
  const own = new Set(namespaceDeclarations(startTag).map((d) => d.split('=')[0]!.trim()));
  const extra = inherited.filter((d) => !own.has(d.split('=')[0]!.trim()));
  const unique = [...new Map(extra.map((d) => [d.split('=')[0]!.trim(), d])).values()];
  const openEnd = startTag.endsWith('/>') ? startTag.length - 2 : startTag.length - 1;
  return startTag.slice(0, openEnd) + unique.join('') + element.slice(openEnd);
}

/** Validates standalone documents against the EWS schema; returns xmllint's complaints (empty when valid). */
export async function validateAgainstEwsSchema(documents: string[]): Promise<string[]> {
  if (documents.length === 0) return [];
  const dir = mkdtempSync(path.join(tmpdir(), 'ews-xsd-'));
  try {
    const files = documents.map((doc, i) => {
      const file = path.join(dir, `part-${i}.xml`);
      writeFileSync(file, doc);
      return file;
    });
    const stderr = await new Promise<string>((resolve, reject) => {
      execFile('xmllint', ['--noout', '--schema', EWS_SCHEMA, ...files], (error, _stdout, err) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT')
          reject(new Error('xmllint is not installed'));
        else resolve(err);
      });
    });
    return stderr
      .split('\n')
      .filter((line) => line && !line.endsWith(' validates'))
      .map((line) => {
        const index = Number(/part-(\d+)\.xml/.exec(line)?.[1]);
        return `${line.slice(0, 600)}\n  in: ${documents[index]?.slice(0, 400) ?? ''}`;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const isSoapFault = (part: string) => /^<([\w.-]+:)?Fault[\s>/]/.test(part);

/**
 * Validates one string (a standalone EWS element or a whole SOAP envelope). A SOAP Fault belongs
 * to the SOAP envelope schema, not to EWS's: callers check its EWS response code separately.
 */
export function validateEws(xml: string): Promise<string[]> {
  const isEnvelope = /^(<\?xml[^>]*\?>)?\s*<([\w.-]+:)?Envelope[\s>]/.test(xml);
  return validateAgainstEwsSchema(isEnvelope ? soapParts(xml).filter((p) => !isSoapFault(p)) : [xml]);
}
