/** Jest expectations that recorded EWS traffic is valid against Microsoft's schema. */
import { readFileSync } from 'node:fs';
import type { RecordedExchange } from '../../sandbox/src/ews/recorder';
import { EWS_SCHEMA, isSoapFault, soapParts, validateAgainstEwsSchema } from './xmllint';

/** ResponseCodeType enumeration in messages.xsd: every fault code must be one Exchange defines. */
function responseCodes(): Set<string> {
  const schema = readFileSync(EWS_SCHEMA, 'utf8');
  const type = schema.slice(schema.indexOf('<xs:simpleType name="ResponseCodeType">'));
  const body = type.slice(0, type.indexOf('</xs:simpleType>'));
  return new Set([...body.matchAll(/<xs:enumeration value="([^"]+)"/g)].map((m) => m[1]!));
}

export async function expectSchemaValidTraffic(
  traffic: readonly RecordedExchange[],
  expected: { operations: string[]; faults: string[] },
): Promise<void> {
  const ews = traffic.filter((t) => t.service === 'ews');
  const wellFormed = ews.filter((t) => t.responseBody.endsWith('</s:Envelope>'));
  const documents = [
    ...new Set(ews.flatMap((t) => soapParts(t.requestBody))),
    ...new Set(wellFormed.flatMap((t) => soapParts(t.responseBody).filter((p) => !isSoapFault(p)))),
  ];
  expect(await validateAgainstEwsSchema(documents)).toEqual([]);

  const codes = responseCodes();
  const faultCodes = wellFormed
    .filter((t) => t.status === 500)
    .map((t) => /<e:ResponseCode[^>]*>([^<]+)</.exec(t.responseBody)?.[1] ?? 'missing');
  for (const code of faultCodes) expect(codes).toContain(code);
  for (const code of expected.faults) expect(faultCodes).toContain(code);
  const answered = new Set(wellFormed.filter((t) => t.status === 200).map((t) => t.operation));
  for (const operation of expected.operations) expect(answered).toContain(operation);
}
