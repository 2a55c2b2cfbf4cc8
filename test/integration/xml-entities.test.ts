/**
 * XML from servers a customer's admin points us at is inert: no external entity is fetched or read
 * (XXE), and no entity is expanded into a large string (the "billion laughs"). Both XML readers the
 * app uses are covered: ews-javascript-api's for EWS answers (through the gateway, over a real
 * socket) and fast-xml-parser's for Autodiscover answers.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EwsGateway } from '../../api/src/exchange/ews-gateway';
import { readPoxResponse } from '../../api/src/exchange/autodiscover';
import { ensureDevCertificates, type DevCertificates } from '../../scripts/dev-certs';
import { startCannedServer, type CannedServer } from '../support/canned-https';
import { exchangeFailure } from '../support/rejections';
import { testPolicy } from '../support/outbound';

/** A local file with a unique marker: an entity that names it must never bring the marker back. */
const secretLine = `secret-${randomUUID()}`;
const SECRET_FILE = path.join(mkdtempSync(path.join(tmpdir(), 'xxe-')), 'secret.txt');
writeFileSync(SECRET_FILE, secretLine);

const laughs = (depth: number) => {
  const defs = ['<!ENTITY l0 "lollollollollollollollollollol">'];
  for (let i = 1; i <= depth; i++) defs.push(`<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`);
  return defs.join('');
};

/** A GetFolder answer whose DisplayName is an entity the DOCTYPE defines. */
const getFolderWith = (doctype: string, displayName: string) => `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE s:Envelope [${doctype}]>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header>
  <s:Body>
    <m:GetFolderResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
      <m:ResponseMessages>
        <m:GetFolderResponseMessage ResponseClass="Success">
          <m:ResponseCode>NoError</m:ResponseCode>
          <m:Folders><t:CalendarFolder><t:FolderId Id="AAMk" ChangeKey="AgAA"/><t:DisplayName>${displayName}</t:DisplayName><t:TotalCount>1</t:TotalCount></t:CalendarFolder></m:Folders>
        </m:GetFolderResponseMessage>
      </m:ResponseMessages>
    </m:GetFolderResponse>
  </s:Body>
</s:Envelope>`;

const poxWith = (doctype: string, ewsUrl: string) => `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE Autodiscover [${doctype}]>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
    <Account><Action>settings</Action><Protocol><Type>EXPR</Type><EwsUrl>${ewsUrl}</EwsUrl></Protocol></Account>
  </Response>
</Autodiscover>`;

let certs: DevCertificates;
let server: CannedServer;
let gateway: EwsGateway;

beforeAll(async () => {
  // ews-javascript-api's XML reader (xmldom) reports undefined entities on the console.
  for (const method of ['warn', 'error'] as const)
    jest.spyOn(console, method).mockImplementation(() => undefined);
  certs = await ensureDevCertificates();
  server = await startCannedServer({ certPem: certs.tlsCertPem, keyPem: certs.tlsKeyPem });
  gateway = new EwsGateway({
    appId: '00000000-0000-0000-0000-000000000001',
    policy: testPolicy({ caPem: certs.caCertPem, dangerouslyAllowPrivateHosts: true }),
  });
});
afterAll(async () => {
  jest.restoreAllMocks();
  gateway.close();
  await server.close();
});

function openThrough(body: string) {
  const ewsUrl = server.urlFor({ status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
  return gateway.openCalendar(
    { method: 'basic', tenantId: 'tenant-x', ewsUrl, username: 'svc@fabrikam.com', password: 'x' },
    'admin@fabrikam.com',
  );
}

/** Whatever the gateway made of the answer, as text: the folder it opened or the failure it reported. */
async function outcomeText(body: string): Promise<string> {
  try {
    return JSON.stringify(await openThrough(body));
  } catch {
    return JSON.stringify(await exchangeFailure(openThrough(body)));
  }
}

describe('EWS answers (ews-javascript-api)', () => {
  it('never reads a file an external entity names', async () => {
    const text = await outcomeText(getFolderWith(`<!ENTITY x SYSTEM "file://${SECRET_FILE}">`, '&x;'));
    expect(text).not.toContain(secretLine);
  });

  it('never expands nested entities into a large string', async () => {
    // Fully expanded, &l6; is 30 characters × 10^6 = 30 MB.
    const text = await outcomeText(getFolderWith(laughs(6), '&l6;'));
    expect(text.length).toBeLessThan(10_000);
  });
});

describe('Autodiscover answers (fast-xml-parser)', () => {
  it('never reads a file an external entity names', () => {
    const step = readPoxResponse(
      poxWith(`<!ENTITY x SYSTEM "file://${SECRET_FILE}">`, 'https://a.example/&x;'),
    );
    expect(JSON.stringify(step)).not.toContain(secretLine);
  });

  it('never expands nested entities into a large string', () => {
    const step = readPoxResponse(poxWith(laughs(6), 'https://a.example/&l6;'));
    expect(JSON.stringify(step).length).toBeLessThan(10_000);
  });
});
