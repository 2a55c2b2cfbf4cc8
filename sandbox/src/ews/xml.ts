/**
 * A namespace-aware view of XML parsed by fast-xml-parser: clients choose their own prefixes
 * (`soap:`/`t:`/`m:` for ews-javascript-api, `s:`, default namespaces for others), so elements are
 * matched by namespace URI and local name, never by prefix.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlElement {
  ns: string;
  name: string;
  /** Unprefixed attributes by name (namespace declarations excluded). */
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses one XML document; throws XmlSyntaxError when it is not well-formed. */
export function parseXml(xml: string): XmlElement {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlSyntaxError(valid.err.msg, valid.err.line, valid.err.col);
  const roots = (parser.parse(xml) as OrderedNode[])
    .map((node) => toElement(node, {}))
    .filter((e): e is XmlElement => e !== undefined);
  const root = roots[0];
  if (!root) throw new XmlSyntaxError('Root element is missing.', 1, 1);
  return root;
}

function toElement(node: OrderedNode, scope: Record<string, string>): XmlElement | undefined {
  const tag = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
  if (!tag) return undefined;
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  const inner: Record<string, string> = { ...scope };
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns') inner[''] = value;
    else if (key.startsWith('xmlns:')) inner[key.slice(6)] = value;
    else if (!key.includes(':')) attrs[key] = value;
  }
  const colon = tag.indexOf(':');
  const prefix = colon >= 0 ? tag.slice(0, colon) : '';
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[tag] ?? []) as OrderedNode[]) {
    if ('#text' in child) text += String(child['#text']);
    else {
      const element = toElement(child, inner);
      if (element) children.push(element);
    }
  }
  return {
    ns: inner[prefix] ?? '',
    name: colon >= 0 ? tag.slice(colon + 1) : tag,
    attrs,
    children,
    text: text.trim(),
  };
}

export function childOf(parent: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  return parent?.children.find((c) => c.ns === ns && c.name === name);
}

export function childrenOf(parent: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return parent ? parent.children.filter((c) => c.ns === ns && c.name === name) : [];
}

export function escapeXml(value: string | number | boolean): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** `<tag attr="…">inner</tag>`, or self-closing when there is nothing inside; attributes are escaped. */
export function el(
  tag: string,
  attrs: Record<string, string | number | boolean | undefined>,
  inner = '',
): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v as string)}"`)
    .join('');
  return inner === '' ? `<${tag}${a}/>` : `<${tag}${a}>${inner}</${tag}>`;
}

/** An element with escaped text content. */
export function textEl(tag: string, value: string | number | boolean): string {
  return `<${tag}>${escapeXml(value)}</${tag}>`;
}
