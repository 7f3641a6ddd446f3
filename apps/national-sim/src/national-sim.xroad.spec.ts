import http from 'node:http';
import {
  canonicalRequestHeaders,
  DvcqgRestAdapter,
  isOutage,
  reconcile,
  XRoadRestAdapter,
  xroadRequestHash,
  type XRoadRestSettings,
} from '@lgsp/national';
import type { RunningApp } from '@lgsp/platform';
import type { NationalSim } from './national-sim.service';
import {
  closedPort,
  code,
  deliverAll,
  dvcqgSettings,
  plannedCalls,
  reconcileCreate,
  startSimForTest,
} from './sim-fixtures.spec-helper';

const province = { instance: 'VN', memberClass: 'GOV', memberCode: '000.00.00.H22', subsystemCode: 'LGSP' };
const portal = {
  instance: 'VN',
  memberClass: 'GOV',
  memberCode: '000.00.00.G22',
  subsystemCode: 'DVCQG',
  serviceCode: 'dvcqgSync',
};

/** One request with exactly these headers, in this order, between Host and Content-Length (neither is hashed). */
function post(
  url: string,
  headers: [string, string][],
  body: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const raw = [
      'Host',
      new URL(url).host,
      ...headers.flat(),
      'Content-Length',
      String(Buffer.byteLength(body)),
    ];
    const request = http.request(url, { method: 'POST', headers: raw }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('the national simulator and the X-Road REST adapter', () => {
  let running: RunningApp & { sim: NationalSim };
  let sim: NationalSim;
  let adapter: XRoadRestAdapter;
  let warnings: string[];
  const calls = plannedCalls();
  const [create, firstStep, replace, secondStep] = calls;
  const settings = (overrides: Partial<XRoadRestSettings> = {}): XRoadRestSettings => ({
    kind: 'xroad-rest',
    securityServerUrl: running.url,
    client: province,
    service: portal,
    agencyCode: '000.00.01.H22',
    timeoutMs: 5000,
    ...overrides,
  });
  const newAdapter = (overrides: Partial<XRoadRestSettings> = {}): XRoadRestAdapter =>
    new XRoadRestAdapter(settings(overrides), { warn: (_details, message) => warnings.push(message) });

  beforeAll(async () => {
    running = await startSimForTest({
      NATIONAL_SIM_XROAD_SERVICE: 'VN/GOV/000.00.00.G22/DVCQG/dvcqgSync',
      NATIONAL_SIM_XROAD_CLIENT: 'VN/GOV/000.00.00.H22/LGSP',
    });
    sim = running.sim;
  });
  afterAll(() => running.close());

  beforeEach(async () => {
    await sim.reset();
    await adapter?.close();
    warnings = [];
    adapter = newAdapter();
    expect(await adapter.login()).toEqual({ kind: 'delivered' });
  });

  it('keeps a created dossier and its steps in order, answering with the X-Road headers and no warning', async () => {
    await deliverAll(adapter, sim);
    const log = sim.state.calls({ MaHoSo: code });
    expect(log.map((c) => [c.service, c.result, c.xroadClient])).toEqual([
      ['DongBoHoSoMC', 'applied', 'VN/GOV/000.00.00.H22/LGSP'],
      ['CapNhatTienDoHoSoMC', 'applied', 'VN/GOV/000.00.00.H22/LGSP'],
      ['DongBoHoSoMC', 'applied', 'VN/GOV/000.00.00.H22/LGSP'],
      ['CapNhatTienDoHoSoMC', 'applied', 'VN/GOV/000.00.00.H22/LGSP'],
    ]);
    expect(log.map((c) => c.path)).toEqual([
      '/r1/VN/GOV/000.00.00.G22/DVCQG/dvcqgSync/DongBoHoSoMC',
      '/r1/VN/GOV/000.00.00.G22/DVCQG/dvcqgSync/CapNhatTienDoHoSoMC',
      '/r1/VN/GOV/000.00.00.G22/DVCQG/dvcqgSync/DongBoHoSoMC',
      '/r1/VN/GOV/000.00.00.G22/DVCQG/dvcqgSync/CapNhatTienDoHoSoMC',
    ]);
    expect(log.map((c) => c.idempotencyKey)).toEqual(calls.map((c) => c.idempotency.key));
    expect(warnings).toEqual([]);
  });

  it('hashes the request as it came: headers in order and the body bytes (X-Road-Request-Hash)', async () => {
    const body = JSON.stringify({ madonvi: '000.00.01.H22', service: 'TraCuuHoSo', MaHoSo: code });
    const headers: [string, string][] = [
      ['Content-Type', 'application/json'],
      ['X-Road-Client', 'VN/GOV/000.00.00.H22/LGSP'],
      ['X-Road-Id', 'message-1'],
      ['X-Road-Request-Id', 'request-1'],
    ];
    const path = '/r1/VN/GOV/000.00.00.G22/DVCQG/dvcqgSync/TraCuuHoSo';
    const answer = await post(`${running.url}${path}`, headers, body);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ error_code: '0', message: 'Thành công', data: [] });
    expect(answer.headers['x-road-client']).toBe('VN/GOV/000.00.00.H22/LGSP');
    expect(answer.headers['x-road-service']).toBe('VN/GOV/000.00.00.G22/DVCQG/dvcqgSync');
    expect(answer.headers['x-road-id']).toBe('message-1');
    expect(answer.headers['x-road-request-id']).toBe('request-1');
    expect(answer.headers['x-road-request-hash']).toBe(
      xroadRequestHash({
        method: 'POST',
        url: path,
        headers: canonicalRequestHeaders(headers, { messageId: 'message-1', requestId: 'request-1' }),
        body: Buffer.from(body),
      }),
    );
  });

  it('shares one state with the DVCQG form: a dossier created there is stepped here', async () => {
    const dvcqg = new DvcqgRestAdapter(dvcqgSettings(running.url));
    expect(await dvcqg.login()).toEqual({ kind: 'delivered' });
    expect(await dvcqg.send(create)).toEqual({ kind: 'delivered' });
    await dvcqg.close();
    // the same key: the X-Road form answers it as the first time, applying nothing again
    expect(await adapter.send(create)).toEqual({ kind: 'delivered' });
    expect(await adapter.send(firstStep)).toEqual({ kind: 'delivered' });
    expect(sim.state.calls({ MaHoSo: code }).map((c) => c.result)).toEqual([
      'applied',
      'replayed',
      'applied',
    ]);
    expect(sim.state.dossier(code)?.progress).toHaveLength(1);
  });

  it('a retry after a dropped response makes no second record and no second step', async () => {
    await sim.setFaults({ drop: { count: 1 } });
    expect((await adapter.send(create)).kind).toBe('unknown');
    expect(sim.state.dossier(code)).toBeDefined();

    await reconcileCreate(adapter, create);

    await sim.setFaults({ drop: { count: 1 } });
    expect((await adapter.send(firstStep)).kind).toBe('unknown');
    const view = await adapter.lookup(code);
    expect(view.kind === 'found' && reconcile(firstStep, view.view).kind).toBe('skip');
    expect(await adapter.send(replace)).toEqual({ kind: 'delivered' });
    await sim.setFaults({ drop: { count: 1 } });
    expect((await adapter.send(secondStep)).kind).toBe('unknown');
    expect(await adapter.send(secondStep)).toEqual({ kind: 'delivered' });

    expect(sim.state.dossier(code)?.progress.map((s) => s.TrangThai)).toEqual(['1', '2']);
    expect(sim.state.calls({ MaHoSo: code }).map((c) => c.result)).toEqual([
      'applied', // dropped
      'applied', // lookup
      'replayed', // the reconciled replace carries the create's key
      'applied', // dropped
      'applied', // lookup: the step is there, not sent again
      'applied',
      'applied', // dropped
      'replayed',
    ]);
  });

  it('downtime is the adapter outage outcome, with the X-Road headers on the answers the service gives', async () => {
    await sim.setFaults({ downtime: { forMs: 60_000, retryAfterSeconds: 7 } });
    expect(await adapter.send(create)).toEqual({
      kind: 'unavailable',
      reason: 'HTTP 503',
      retryAfterMs: 7000,
    });
    await sim.setFaults({ downtime: { forMs: 60_000, mode: 'reset' } });
    expect((await adapter.send(create)).kind).toBe('unknown');
    await sim.setFaults({ error: { status: 502, count: 1 } });
    expect(await adapter.send(create)).toEqual({ kind: 'unknown', reason: 'HTTP 502' });
    await sim.setFaults({ error: { status: 500, xroadError: 'Server.ServerProxy.ServiceFailed', count: 1 } });
    expect(await adapter.send(create)).toMatchObject({
      kind: 'unknown',
      reason: expect.stringContaining('Server.ServerProxy.ServiceFailed'),
    });
    await sim.setFaults({ error: { status: 400, xroadError: 'Client.BadRequest', count: 1 } });
    expect(await adapter.send(create)).toMatchObject({ kind: 'rejected', code: 'Client.BadRequest' });
    await sim.setFaults({ error: { status: 200, errorCode: '99', count: 1 } });
    expect(await adapter.send(create)).toMatchObject({ kind: 'rejected', code: '99' });
    expect(sim.state.dossier(code)).toBeUndefined();

    await sim.setFaults({ downtime: { forMs: 300, mode: 'refuse' } });
    // the connection kept alive may be found reset first: an outage either way
    expect(isOutage(await adapter.login())).toBe(true);
    expect(await adapter.send(create)).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringContaining('ECONNREFUSED'),
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await adapter.login()).toEqual({ kind: 'delivered' });
    expect(await adapter.send(create)).toEqual({ kind: 'delivered' });
    expect(sim.state.calls({ MaHoSo: code }).filter((c) => c.result === 'applied')).toHaveLength(1);
    // every answer the service gave came with its request hash
    expect(warnings).toEqual([]);

    const nowhere = newAdapter({ securityServerUrl: `http://127.0.0.1:${await closedPort()}` });
    expect(await nowhere.login()).toMatchObject({ kind: 'unavailable' });
    await nowhere.close();
  });

  it('refuses a client it does not allow, a request without X-Road-Client and a service it does not provide', async () => {
    const stranger = newAdapter({ client: { ...province, memberCode: '000.00.00.H26' } });
    expect(await stranger.login()).toMatchObject({
      kind: 'rejected',
      code: 'Server.ServerProxy.AccessDenied',
    });
    expect(await stranger.send(create)).toMatchObject({
      kind: 'rejected',
      status: 500,
      code: 'Server.ServerProxy.AccessDenied',
    });
    await stranger.close();
    const elsewhere = newAdapter({ service: { ...portal, serviceCode: 'other' } });
    expect(await elsewhere.send(create)).toMatchObject({
      kind: 'rejected',
      code: 'Server.ServerProxy.UnknownService',
    });
    expect(await elsewhere.login()).toMatchObject({
      kind: 'rejected',
      message: expect.stringContaining('does not allow'),
    });
    await elsewhere.close();
    expect(sim.state.dossier(code)).toBeUndefined();

    const anonymous = await post(
      `${running.url}/r1/VN/GOV/000.00.00.G22/DVCQG/dvcqgSync/DongBoHoSoMC`,
      [['Content-Type', 'application/json']],
      JSON.stringify({ madonvi: '000.00.01.H22', ...create.body }),
    );
    expect(anonymous.status).toBe(400);
    expect(anonymous.headers['x-road-error']).toBe('Client.BadRequest');
    expect(JSON.parse(anonymous.body)).toMatchObject({ type: 'Client.BadRequest' });

    const unknownCall = await post(
      `${running.url}/r1/VN/GOV/000.00.00.G22/DVCQG/dvcqgSync/XoaHoSo`,
      [['X-Road-Client', 'VN/GOV/000.00.00.H22/LGSP']],
      '',
    );
    expect(unknownCall.status).toBe(404);
    expect(unknownCall.headers['x-road-error']).toBeUndefined();

    expect(sim.state.calls().map((c) => [c.result, c.status, c.xroadError])).toEqual([
      ['refused', 500, 'Server.ServerProxy.AccessDenied'],
      ['refused', 500, 'Server.ServerProxy.AccessDenied'],
      ['refused', 500, 'Server.ServerProxy.UnknownService'],
      ['refused', 400, 'Client.BadRequest'],
      ['refused', 404, undefined],
    ]);
  });
});
