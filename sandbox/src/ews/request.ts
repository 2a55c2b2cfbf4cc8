/** Reads a SOAP 1.1 EWS request: the operation element, RequestServerVersion and ExchangeImpersonation. */
import { NS, type EwsFault } from './soap';
import { childOf, parseXml, XmlSyntaxError, type XmlElement } from './xml';
import type { Organisation } from './auth';

export interface EwsRequest {
  operation: string;
  body: XmlElement;
  /** RequestServerVersion/@Version; Exchange assumes Exchange2007_SP1 when the header is absent. */
  requestedVersion: string;
  /** The SMTP address or UPN in ExchangeImpersonation/ConnectingSID, if the header is present. */
  impersonatedAddress?: string;
}

/** ExchangeVersionType in types.xsd, oldest first; Exchange Server 2016 knows up to `Exchange2016`. */
const VERSIONS = [
  'Exchange2007',
  'Exchange2007_SP1',
  'Exchange2009',
  'Exchange2010',
  'Exchange2010_SP1',
  'Exchange2010_SP2',
  'Exchange2012',
  'Exchange2013',
  'Exchange2013_SP1',
  'Exchange2015',
  'Exchange2016',
  'V2015_10_05',
  'V2016_01_06',
  'V2016_04_13',
  'V2016_07_13',
  'V2016_10_10',
  'V2017_01_07',
  'V2017_04_14',
  'V2017_07_11',
  'V2017_10_09',
  'V2018_01_08',
];

export function versionAtLeast(requested: string, minimum: string): boolean {
  return VERSIONS.indexOf(requested) >= VERSIONS.indexOf(minimum);
}

function schemaFault(detail: string): EwsFault {
  return { code: 'ErrorSchemaValidation', message: `The request failed schema validation: ${detail}` };
}

export function readRequest(xml: string, organisation: Organisation): EwsRequest | { fault: EwsFault } {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (error) {
    const at = error instanceof XmlSyntaxError ? ` Line ${error.line}, position ${error.column}.` : '';
    return { fault: schemaFault(`Data at the root level is invalid.${at}`) };
  }
  if (root.ns !== NS.soap || root.name !== 'Envelope') {
    return { fault: schemaFault(`The root element '${root.name}' is not a SOAP 1.1 Envelope.`) };
  }
  const header = childOf(root, NS.soap, 'Header');
  const body = childOf(root, NS.soap, 'Body')?.children[0];
  if (!body || body.ns !== NS.messages) {
    return { fault: schemaFault("The element 'Body' is missing an EWS request element.") };
  }
  const versionElement = childOf(header, NS.types, 'RequestServerVersion');
  const requestedVersion = versionElement?.attrs.Version ?? 'Exchange2007_SP1';
  const newest = organisation === 'server' ? 'Exchange2016' : 'V2018_01_08';
  if (!VERSIONS.includes(requestedVersion) || !versionAtLeast(newest, requestedVersion)) {
    return {
      fault: { code: 'ErrorInvalidServerVersion', message: 'The specified server version is invalid.' },
    };
  }
  const sid = childOf(childOf(header, NS.types, 'ExchangeImpersonation'), NS.types, 'ConnectingSID');
  const address =
    childOf(sid, NS.types, 'SmtpAddress') ??
    childOf(sid, NS.types, 'PrimarySmtpAddress') ??
    childOf(sid, NS.types, 'PrincipalName');
  return {
    operation: body.name,
    body,
    requestedVersion,
    ...(address ? { impersonatedAddress: address.text.toLowerCase() } : {}),
  };
}
