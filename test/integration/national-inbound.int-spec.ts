import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Global, Module } from '@nestjs/common';
import {
  canonicalRequestHeaders,
  EXCHANGE_RECORDER,
  xroadRequestHash,
  type ExchangeEntry,
  type ExchangeRecorder,
} from '@lgsp/national';
import { startNestApp, type RunningApp } from '@lgsp/platform';
import {
  event,
  eventually,
  parcelRegistered,
  sampleName,
  samplePersonalId,
  submitted,
  uniqueDossierCode,
} from '@lgsp/testing';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway.config';
import { startGateway } from '../../apps/gateway/src/gateway.app';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';
import { loadLandConfig, startLand } from '../../apps/land/src/land.app';
import {
  loadXRoadProviderConfig,
  XRoadProviderModule,
  type XRoadProviderConfig,
} from '../../apps/national-bridge/src/inbound';

/** The message log as a unit-level collaborator: keeps entries in memory, and can be made to fail. */
class MemoryRecorder implements ExchangeRecorder {
  readonly entries: ExchangeEntry[] = [];
  failing = false;

  async record(entry: ExchangeEntry): Promise<void> {
    if (this.failing) throw new Error('message log unavailable');
    this.entries.push(entry);
  }
}

function recorderModule(recorder: MemoryRecorder) {
  @Global()
  @Module({ providers: [{ provide: EXCHANGE_RECORDER, useValue: recorder }], exports: [EXCHANGE_RECORDER] })
  class MemoryRecorderModule {}
  return MemoryRecorderModule;
}

async function startProvider(config: XRoadProviderConfig, recorder: MemoryRecorder): Promise<RunningApp> {
  return startNestApp(XRoadProviderModule.forRoot({ config, imports: [recorderModule(recorder)] }), {
    port: 0,
    host: '127.0.0.1',
  });
}

/** Another endpoint of its own configuration and message log, for `use`, closed after. */
async function withProvider(
  env: Record<string, string>,
  use: (url: string, recorder: MemoryRecorder) => Promise<void>,
): Promise<void> {
  const recorder = new MemoryRecorder();
  const running = await startProvider(loadXRoadProviderConfig(env), recorder);
  try {
    await use(running.url, recorder);
  } finally {
    await running.close();
  }
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

/** An HTTP request with exactly these headers, in this order, after Host (which the hash leaves out). */
function call(
  base: string,
  method: string,
  target: string,
  headers: [string, string][],
  body?: Buffer,
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: target,
        headers: [
          ['Host', url.host],
          ...headers,
          ...(body ? [['Content-Length', String(body.length)]] : []),
        ].flat(),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const PROVIDER = 'VN/GOV/000.00.00.H22/LGSP';
const DVCQG = 'VN/GOV/000.00.00.G22/DVCQG';
const NEIGHBOUR = 'VN/GOV/000.00.00.H26/LGSP';
const STRANGER = 'VN/GOV/000.00.00.H99/OTHER';
const XROAD_HEADERS = [
  'x-road-client',
  'x-road-service',
  'x-road-id',
  'x-road-request-id',
  'x-road-request-hash',
];

/**
 * The province's X-Road provider endpoint against the real hub: ingest, the dossier and land services and the
 * gateway on a real broker and PGlite, the endpoint in its own Nest app calling the gateway with its own key.
 */
describe('the X-Road provider endpoint (inbound national bridge)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-xroad-'));
  const run = randomUUID();
  const env = {
    ...process.env,
    INGEST_PORT: '0',
    DOSSIER_PORT: '0',
    LAND_PORT: '0',
    GATEWAY_PORT: '0',
    LGSP_PGLITE_DIR: dir,
    DOSSIER_CONSUMER_GROUP: `lgsp-dossier-xroad-${run}`,
    LAND_CONSUMER_GROUP: `lgsp-land-xroad-${run}`,
  };
  const n = Math.floor(Math.random() * 900_000);
  const personalId = samplePersonalId(n);
  const code = uniqueDossierCode();
  const parcel = parcelRegistered(personalId, sampleName(n), n);
  const recorder = new MemoryRecorder();
  let ingest: RunningApp;
  let dossier: Awaited<ReturnType<typeof startDossier>>;
  let land: Awaited<ReturnType<typeof startLand>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let provider: RunningApp;

  const publish = async (key: string, source: string, type: string, data: object) =>
    fetch(`${ingest.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': key },
      body: JSON.stringify(event(type, data, source)),
    });
  /** the X-Road-Request-Id of every answer of the endpoint, in order: each must be in the message log */
  const answered: string[] = [];
  const ask = async (method: string, target: string, headers: [string, string][], body?: Buffer) => {
    const r = await call(provider.url, method, target, headers, body);
    answered.push(r.headers['x-road-request-id'] as string);
    return r;
  };
  const get = (target: string, client: string | undefined, extra: [string, string][] = []) =>
    ask('GET', target, [...(client ? ([['X-Road-Client', client]] as [string, string][]) : []), ...extra]);
  const svc = (service: string, path = '') => `/r1/${PROVIDER}/${service}${path}`;

  beforeAll(async () => {
    ingest = await startIngest(loadIngestConfig(env));
    dossier = await startDossier(loadDossierConfig(env));
    land = await startLand(loadLandConfig(env));
    gateway = await startGateway(
      loadGatewayConfig({
        ...env,
        GATEWAY_SUBGRAPHS: `dossier=${dossier.url}/graphql,land=${land.url}/graphql`,
      }),
    );
    provider = await startProvider(
      loadXRoadProviderConfig({ LGSP_XROAD_GATEWAY_URL: `${gateway.url}/graphql` }),
      recorder,
    );
    expect(
      (
        await publish(
          'dev-publisher-key-000.00.01.H22',
          '/000.00.01.H22/igate',
          'vn.lgsp.dossier.submitted.v1',
          {
            ...submitted(code, n),
            SoDinhDanhChuHoSo: personalId,
          },
        )
      ).status,
    ).toBe(202);
    expect(
      (
        await publish(
          'dev-publisher-key-000.00.02.H22',
          '/000.00.02.H22/land-registry',
          'vn.lgsp.land.parcel-registered.v1',
          parcel,
        )
      ).status,
    ).toBe(202);
    await eventually(async () => {
      const r = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'dev-consumer-key-ioc' },
        body: JSON.stringify({
          query: `{ dossier(code: "${code}") { code } parcel(communeCode: "${parcel.MaXa}", sheetNumber: ${parcel.SoHieuToBanDo}, parcelNumber: ${parcel.SoThuTuThua}) { id } }`,
        }),
      });
      const body = (await r.json()) as { data?: { dossier?: unknown; parcel?: unknown } };
      return body.data?.dossier && body.data.parcel ? true : undefined;
    }, 90_000);
  }, 240_000);

  afterAll(async () => {
    await provider?.close();
    await gateway?.close();
    for (const s of [dossier, land]) await s?.close();
    await ingest?.close();
  }, 60_000);

  beforeEach(() => {
    recorder.failing = false;
  });

  const lastEntry = () => recorder.entries.at(-1);

  it('answers a granted client from the gateway, with every X-Road header and the hash of the request', async () => {
    const headers: [string, string][] = [
      ['X-Road-Client', DVCQG],
      ['X-Road-Id', 'msg-1'],
      ['X-Road-UserId', 'VN12345'],
      ['Accept', 'application/json'],
    ];
    const r = await ask('GET', svc('dossierStatus', `/dossiers/${code}`), headers);
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ code, statusCode: 1, status: expect.any(String) });
    for (const h of XROAD_HEADERS) expect(r.headers[h]).toEqual(expect.any(String));
    expect(r.headers['x-road-error']).toBeUndefined();
    expect(r.headers['x-road-client']).toBe(DVCQG);
    expect(r.headers['x-road-service']).toBe(`${PROVIDER}/dossierStatus`);
    expect(r.headers['x-road-id']).toBe('msg-1');
    const requestId = r.headers['x-road-request-id'] as string;
    const expected = xroadRequestHash({
      method: 'GET',
      url: svc('dossierStatus', `/dossiers/${code}`),
      headers: canonicalRequestHeaders(headers, { messageId: 'msg-1', requestId }),
    });
    expect(r.headers['x-road-request-hash']).toBe(expected);
    expect(lastEntry()).toMatchObject({
      direction: 'inbound',
      client: DVCQG,
      service: `${PROVIDER}/dossierStatus`,
      requestId,
      messageId: 'msg-1',
      userId: 'VN12345',
      requestHash: expected,
      method: 'GET',
      status: 200,
      responseBody: expect.objectContaining({ code }),
    });
  });

  it('binds the body it received into the hash, and passes the hub’s own answers on without X-Road-Error', async () => {
    const body = Buffer.from('{"q":"trạng thái"}\n', 'utf8');
    const headers: [string, string][] = [
      ['X-Road-Client', DVCQG],
      ['X-Road-Request-Id', 'req-body-1'],
      ['Content-Type', 'application/xml'],
    ];
    const target = svc('dossierStatus', `/dossiers/${code}`);
    const r = await ask('POST', target, headers, body);
    expect(r.status).toBe(405);
    expect(r.headers['x-road-error']).toBeUndefined();
    expect(r.json()).toMatchObject({ code: 'LGSP_ERR_NATIONAL_METHOD_NOT_ALLOWED' });
    const messageId = r.headers['x-road-id'] as string;
    expect(r.headers['x-road-request-hash']).toBe(
      xroadRequestHash({
        method: 'POST',
        url: target,
        headers: canonicalRequestHeaders(headers, { messageId, requestId: 'req-body-1' }),
        body,
      }),
    );
    expect(lastEntry()).toMatchObject({
      requestId: 'req-body-1',
      status: 405,
      requestBody: body.toString('utf8'),
    });

    const unknown = await get(svc('dossierStatus', `/dossiers/000.00.01.H22-200101-9999`), DVCQG);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['x-road-error']).toBeUndefined();
    expect(unknown.json()).toMatchObject({ code: 'LGSP_ERR_NOT_FOUND' });
    for (const h of XROAD_HEADERS) expect(unknown.headers[h]).toEqual(expect.any(String));
  });

  it('answers the neighbouring province a land parcel it is granted', async () => {
    const r = await get(
      svc('landParcel', `/parcels/${parcel.MaXa}/${parcel.SoHieuToBanDo}/${parcel.SoThuTuThua}`),
      NEIGHBOUR,
    );
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({
      id: parcel.MaThuaDat,
      holders: [expect.objectContaining({ holderId: personalId })],
    });
  });

  it.each([
    ['a client without any grant', STRANGER, 'dossierStatus', `/dossiers/${code}`],
    ['a client not granted that service', DVCQG, 'landParcel', '/parcels/09400/1/1'],
    ['a member-level client', 'VN/GOV/000.00.00.G22', 'dossierStatus', `/dossiers/${code}`],
  ])('refuses %s: Server.ServerProxy.AccessDenied, 500', async (_what, client, service, path) => {
    const r = await get(svc(service, path), client);
    expect(r.status).toBe(500);
    expect(r.headers['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
    expect(r.json()).toMatchObject({ type: 'Server.ServerProxy.AccessDenied', detail: expect.any(String) });
    for (const h of XROAD_HEADERS) expect(r.headers[h]).toEqual(expect.any(String));
    expect(lastEntry()).toMatchObject({ client, status: 500, errorType: 'Server.ServerProxy.AccessDenied' });
  });

  it('answers UnknownService for a service or provider this endpoint does not have', async () => {
    for (const target of [
      svc('nope', '/x'),
      `/r1/VN/GOV/000.00.00.H22/OTHER/dossierStatus/dossiers/${code}`,
    ]) {
      const r = await get(target, DVCQG);
      expect(r.status).toBe(500);
      expect(r.headers['x-road-error']).toBe('Server.ServerProxy.UnknownService');
    }
  });

  it.each<[string, string, [string, string][]]>([
    ['a path without the service', `/r1/VN/GOV/000.00.00.H22`, [['X-Road-Client', DVCQG]]],
    ['a bad identifier', `/r1/VN/GOV/000.00.00.H22/LG%3BSP/dossierStatus`, [['X-Road-Client', DVCQG]]],
    ['a dot segment', svc('dossierStatus', '/dossiers/%2E%2E'), [['X-Road-Client', DVCQG]]],
    ['no client header', svc('dossierStatus', `/dossiers/${code}`), []],
    ['a bad client header', svc('dossierStatus', `/dossiers/${code}`), [['X-Road-Client', 'VN/GOV']]],
    [
      'a repeated client header',
      svc('dossierStatus', `/dossiers/${code}`),
      [
        ['X-Road-Client', DVCQG],
        ['X-Road-Client', NEIGHBOUR],
      ],
    ],
  ])('refuses %s: Client.BadRequest, 400', async (_what, target, headers) => {
    const r = await ask('GET', target, headers);
    expect(r.status).toBe(400);
    expect(r.headers['x-road-error']).toBe('Client.BadRequest');
    expect(r.json()).toMatchObject({ type: 'Client.BadRequest', message: expect.any(String) });
    expect(r.headers['x-road-request-id']).toEqual(expect.any(String));
    expect(r.headers['x-road-request-hash']).toEqual(expect.any(String));
    expect(lastEntry()).toMatchObject({ status: 400, errorType: 'Client.BadRequest' });
  });

  describe('the metadata services', () => {
    it('listMethods and allowedMethods: the provider’s services, and the ones the client is granted', async () => {
      const all = await get(svc('listMethods'), DVCQG);
      expect(all.status).toBe(200);
      const list = all.json() as { service: { service_code: string; endpoint_list: unknown[] }[] };
      expect(list.service.map((s) => s.service_code)).toEqual([
        'dossierStatus',
        'landParcel',
        'citizenDossiers',
      ]);
      expect(list.service[0]).toEqual({
        member_class: 'GOV',
        member_code: '000.00.00.H22',
        object_type: 'SERVICE',
        service_code: 'dossierStatus',
        service_type: 'OPENAPI',
        subsystem_code: 'LGSP',
        xroad_instance: 'VN',
        endpoint_list: [{ method: 'GET', path: '/dossiers/*' }],
      });
      const allowed = (await get(svc('allowedMethods'), NEIGHBOUR)).json() as typeof list;
      expect(allowed.service.map((s) => s.service_code)).toEqual(['landParcel']);
      for (const h of XROAD_HEADERS) expect(all.headers[h]).toEqual(expect.any(String));
    });

    it('getOpenAPI: the description of a granted service; a REST service has none', async () => {
      const r = await get(`${svc('getOpenAPI')}?serviceCode=dossierStatus`, DVCQG);
      expect(r.status).toBe(200);
      expect(r.json()).toMatchObject({ openapi: '3.0.3', paths: { '/dossiers/{code}': expect.any(Object) } });
      const rest = await get(`${svc('getOpenAPI')}?serviceCode=landParcel`, NEIGHBOUR);
      expect(rest.headers['x-road-error']).toBe('Server.ServerProxy.InvalidServiceType');
      const notGranted = await get(`${svc('getOpenAPI')}?serviceCode=dossierStatus`, NEIGHBOUR);
      expect(notGranted.headers['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
    });

    it('listClients: the members and subsystems, to a granted client', async () => {
      const r = await get('/listClients', DVCQG);
      expect(r.status).toBe(200);
      const { member } = r.json() as { member: { id: Record<string, string>; name: string }[] };
      expect(member).toContainEqual({
        id: {
          member_class: 'GOV',
          member_code: '000.00.00.G22',
          subsystem_code: 'DVCQG',
          object_type: 'SUBSYSTEM',
          xroad_instance: 'VN',
        },
        name: '000.00.00.G22',
        subsystem_name: 'Cổng Dịch vụ công quốc gia',
      });
      expect(r.headers['x-road-client']).toBe(DVCQG);
      expect(r.headers['x-road-request-hash']).toEqual(expect.any(String));
    });

    it.each([
      ['listMethods', () => svc('listMethods')],
      ['allowedMethods', () => svc('allowedMethods')],
      ['getOpenAPI', () => `${svc('getOpenAPI')}?serviceCode=dossierStatus`],
      ['listClients', () => '/listClients'],
    ])('%s refuses a client without grants', async (_name, target) => {
      const r = await get(target(), STRANGER);
      expect(r.status).toBe(500);
      expect(r.headers['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
    });
  });

  it('records the personal-data read in the audit trail, naming the national client, its user, case and purpose', async () => {
    const r = await get(svc('citizenDossiers', `/citizens/${personalId}/dossiers`), DVCQG, [
      ['X-Road-UserId', 'VN-CB-0042'],
      ['X-Road-Issue', 'HS-2026-17'],
    ]);
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ personalId, dossiers: [expect.objectContaining({ code })] });
    const entries = await gateway.audit.entries();
    expect(entries.filter((e) => e.operationName === 'NationalCitizenDossiers').at(-1)).toMatchObject({
      consumer: { id: 'xroad-provider' },
      onBehalfOf: { client: DVCQG, userId: gateway.audit.subjectDigest('VN-CB-0042'), issue: 'HS-2026-17' },
      purpose: 'public-service',
      citizens: [gateway.audit.subjectDigest(personalId)],
    });
    expect(lastEntry()).toMatchObject({
      service: `${PROVIDER}/citizenDossiers`,
      userId: 'VN-CB-0042',
      issue: 'HS-2026-17',
      status: 200,
    });
  });

  it('does not answer an exchange it could not record: Server.ServerProxy.InternalError', async () => {
    const before = recorder.entries.length;
    recorder.failing = true;
    const r = await get(svc('dossierStatus', `/dossiers/${code}`), DVCQG);
    answered.pop(); // answered with an error because it could not be recorded
    expect(r.status).toBe(500);
    expect(r.headers['x-road-error']).toBe('Server.ServerProxy.InternalError');
    expect(r.text).not.toContain(code);
    expect(recorder.entries.length).toBe(before);
  });

  it('records every exchange it answered', () => {
    // one entry per request answered above, in order, each under the X-Road-Request-Id it was answered with
    expect(recorder.entries.map((e) => e.requestId)).toEqual(answered);
    for (const e of recorder.entries)
      expect(e).toMatchObject({
        direction: 'inbound',
        requestId: expect.any(String),
        requestHash: expect.any(String),
        status: expect.any(Number),
        durationMs: expect.any(Number),
      });
  });

  it('answers its own security server only: another peer is refused whatever client it names', () =>
    withProvider(
      { LGSP_XROAD_GATEWAY_URL: `${gateway.url}/graphql`, LGSP_XROAD_ALLOWED_PEERS: '10.20.30.40' },
      async (url, own) => {
        const r = await call(url, 'GET', svc('dossierStatus', `/dossiers/${code}`), [
          ['X-Road-Client', DVCQG],
        ]);
        expect(r.status).toBe(500);
        expect(r.headers['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
        expect(r.json()).toMatchObject({ type: 'Server.ServerProxy.AccessDenied' });
        expect(r.text).not.toContain(code);
        expect(own.entries).toEqual([
          expect.objectContaining({ client: DVCQG, errorType: 'Server.ServerProxy.AccessDenied' }),
        ]);
      },
    ));

  it('answers Server.ServerProxy.ServiceFailed when the gateway does not answer, Client.BadRequest for a body over the limit', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    await withProvider(
      { LGSP_XROAD_GATEWAY_URL: `http://127.0.0.1:${closed}/graphql`, LGSP_XROAD_BODY_LIMIT: '8' },
      async (url, own) => {
        const r = await call(url, 'GET', svc('dossierStatus', `/dossiers/${code}`), [
          ['X-Road-Client', DVCQG],
        ]);
        expect(r.status).toBe(500);
        expect(r.headers['x-road-error']).toBe('Server.ServerProxy.ServiceFailed');
        const large = await call(
          url,
          'POST',
          svc('dossierStatus', `/dossiers/${code}`),
          [['X-Road-Client', DVCQG]],
          Buffer.from('more than eight bytes'),
        );
        expect(large.status).toBe(400);
        expect(large.headers['x-road-error']).toBe('Client.BadRequest');
        expect(large.json()).toMatchObject({ message: 'The request body is too large' });
        expect(own.entries).toEqual([
          expect.objectContaining({ status: 500, errorType: 'Server.ServerProxy.ServiceFailed' }),
          expect.objectContaining({ status: 400, errorType: 'Client.BadRequest' }),
        ]);
      },
    );
  });
});
