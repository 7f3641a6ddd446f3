import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XRoadRestSettings } from '../adapter';
import { code, ev, options } from '../dvcqg/fixtures.spec-helper';
import { planDelivery, type NationalCall } from '../dvcqg/plan';
import { XRoadRestAdapter, xroadCallPath, type AdapterLog } from './rest-adapter';

/** What the security server in this spec received. */
interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

type Answer = { status: number; headers?: Record<string, string>; body?: unknown };

const service = {
  instance: 'VN',
  memberClass: 'GOV',
  memberCode: '000.00.00.G22',
  subsystemCode: 'DVCQG',
  serviceCode: 'dvcqgSync',
};
const client = { instance: 'VN', memberClass: 'GOV', memberCode: '000.00.00.H22', subsystemCode: 'LGSP' };

/** The first call of a dossier: the create of its national record. */
function planned(): NationalCall {
  const plan = planDelivery(undefined, ev.submitted(), options);
  if (plan.kind !== 'deliver') throw new Error('not planned');
  return plan.calls[0];
}
const create = planned();

const settingsFor = (url: string, overrides: Partial<XRoadRestSettings>): XRoadRestSettings => ({
  kind: 'xroad-rest',
  securityServerUrl: url,
  client,
  service,
  agencyCode: '000.00.01.H22',
  timeoutMs: 2000,
  ...overrides,
});

/** A security server that records each request and answers with what the test queued (else delivered). */
class SecurityServer {
  readonly received: Received[] = [];
  readonly answers: Answer[] = [];
  url = '';
  private server: http.Server | https.Server;

  constructor(tls?: https.ServerOptions) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        this.received.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: text ? (JSON.parse(text) as unknown) : undefined,
        });
        const answer = this.answers.shift() ?? {
          status: 200,
          headers: {
            'X-Road-Request-Hash': 'aGFzaA==',
            'X-Road-Id': String(req.headers['x-road-id']),
          },
          body: { error_code: '0', message: 'Thành công' },
        };
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    };
    this.server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `${this.server instanceof https.Server ? 'https' : 'http'}://127.0.0.1:${port}`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe(XRoadRestAdapter.name, () => {
  let ss: SecurityServer;
  let sut: XRoadRestAdapter;
  let warnings: { details: Record<string, unknown>; message: string }[];
  const log: AdapterLog = { warn: (details, message) => warnings.push({ details, message }) };
  const settings = (overrides: Partial<XRoadRestSettings> = {}) => settingsFor(ss.url, overrides);

  beforeEach(async () => {
    ss = await new SecurityServer().start();
    warnings = [];
    sut = new XRoadRestAdapter(settings(), log);
  });
  afterEach(async () => {
    await sut.close();
    await ss.close();
  });

  it('sends a call to /r1/{service}/{call} as the province, with a new X-Road-Id and the same key on every try', async () => {
    expect(await sut.send(create)).toEqual({ kind: 'delivered' });
    ss.answers.push({
      status: 503,
      headers: { 'retry-after': '3', 'X-Road-Request-Hash': 'aA==' },
      body: { error_code: '503' },
    });
    expect(await sut.send(create)).toEqual({ kind: 'unavailable', reason: 'HTTP 503', retryAfterMs: 3000 });
    expect(await sut.send(create)).toEqual({ kind: 'delivered' });

    const [first, second, third] = ss.received;
    expect(first.method).toBe('POST');
    expect(first.url).toBe('/r1/VN/GOV/000.00.00.G22/DVCQG/dvcqgSync/DongBoHoSoMC');
    expect(first.url).toBe(xroadCallPath(service, 'DongBoHoSoMC'));
    expect(first.headers['x-road-client']).toBe('VN/GOV/000.00.00.H22/LGSP');
    expect(first.headers['x-road-issue']).toBe(code);
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.body).toEqual({ madonvi: '000.00.01.H22', ...create.body });
    expect(JSON.stringify(first.body)).not.toContain('session');
    expect(ss.received.map((r) => r.headers['idempotency-key'])).toEqual(
      Array(3).fill(create.idempotency.key),
    );
    const ids = [first, second, third].map((r) => r.headers['x-road-id']);
    expect(new Set(ids).size).toBe(3);
    expect(warnings).toEqual([]);
  });

  it('logs, and does not fail, an answer without X-Road-Request-Hash or with another X-Road-Id', async () => {
    ss.answers.push({ status: 200, body: { error_code: '0' } });
    expect(await sut.send(create)).toEqual({ kind: 'delivered' });
    ss.answers.push({
      status: 200,
      headers: { 'X-Road-Request-Hash': 'aGFzaA==', 'X-Road-Id': 'someone-else' },
      body: { error_code: '0' },
    });
    expect(await sut.send(create)).toEqual({ kind: 'delivered' });
    expect(warnings.map((w) => w.message)).toEqual([
      'the security server answered without X-Road-Request-Hash',
      "the answer's X-Road-Id is not the request's",
    ]);
    expect(JSON.stringify(warnings)).not.toContain(code);
  });

  it('classifies X-Road errors by type and the service answers as the DVCQG form', async () => {
    const xroad = (type: string, status = 500): Answer => ({
      status,
      headers: { 'X-Road-Error': type },
      body: { type, message: 'from the security server', detail: 'x' },
    });
    ss.answers.push(
      xroad('Client.BadRequest', 400),
      xroad('Server.ServerProxy.AccessDenied'),
      xroad('Server.ServerProxy.ServiceFailed.NetworkError'),
      xroad('Server.ServerProxy.ServiceDisabled'),
      {
        status: 200,
        headers: { 'X-Road-Request-Hash': 'aA==' },
        body: { error_code: '2', message: 'đã có' },
      },
      { status: 502, headers: { 'X-Road-Request-Hash': 'aA==' } },
    );
    const kinds = [];
    for (let i = 0; i < 6; i++) kinds.push(await sut.send(create));
    expect(kinds).toEqual([
      {
        kind: 'rejected',
        status: 400,
        code: 'Client.BadRequest',
        message: 'Client.BadRequest: from the security server',
      },
      expect.objectContaining({ kind: 'rejected', code: 'Server.ServerProxy.AccessDenied' }),
      expect.objectContaining({ kind: 'unknown' }),
      expect.objectContaining({ kind: 'unavailable' }),
      { kind: 'rejected', status: 200, code: '2', message: 'đã có' },
      { kind: 'unknown', reason: 'HTTP 502' },
    ]);
    // X-Road's own errors carry no request hash: nothing to warn about
    expect(warnings).toHaveLength(0);
  });

  it('logs in by asking allowedMethods of the portal: allowed, not allowed, refused', async () => {
    const list = (codes: string[]): Answer => ({
      status: 200,
      headers: { 'X-Road-Request-Hash': 'aA==' },
      body: { service: codes.map((service_code) => ({ service_code, object_type: 'SERVICE' })) },
    });
    ss.answers.push(
      list(['other', 'dvcqgSync']),
      list(['other']),
      {
        status: 500,
        headers: { 'X-Road-Error': 'Server.ServerProxy.AccessDenied' },
        body: { message: 'no grant' },
      },
      { status: 200, headers: { 'X-Road-Request-Hash': 'aA==' }, body: { error_code: '0' } },
    );
    expect(await sut.login()).toEqual({ kind: 'delivered' });
    expect(await sut.login()).toMatchObject({
      kind: 'rejected',
      message: expect.stringContaining('does not allow VN/GOV/000.00.00.H22/LGSP'),
    });
    expect(await sut.login()).toMatchObject({ kind: 'rejected', code: 'Server.ServerProxy.AccessDenied' });
    expect((await sut.login()).kind).toBe('unknown');
    expect(ss.received[0].method).toBe('GET');
    expect(ss.received[0].url).toBe('/r1/VN/GOV/000.00.00.G22/DVCQG/allowedMethods');
    expect(ss.received[0].headers['x-road-client']).toBe('VN/GOV/000.00.00.H22/LGSP');
  });

  it('looks a dossier up with TraCuuHoSo and reads its history', async () => {
    ss.answers.push(
      {
        status: 200,
        headers: { 'X-Road-Request-Hash': 'aA==' },
        body: {
          error_code: '0',
          data: [
            {
              MaHoSo: code,
              DanhSachTienDo: [
                { TrangThai: 1, ThoiDiemXuLy: '20260302081530', NguoiXuLy: 'A', NoiDungXuLy: 'B' },
              ],
            },
          ],
        },
      },
      { status: 200, headers: { 'X-Road-Request-Hash': 'aA==' }, body: { error_code: '0', data: [] } },
      { status: 500, headers: { 'X-Road-Error': 'Server.ServerProxy.ServiceFailed' } },
    );
    expect(await sut.lookup(code)).toEqual({
      kind: 'found',
      view: {
        exists: true,
        progress: [{ TrangThai: '1', ThoiDiemXuLy: '20260302081530', NguoiXuLy: 'A', NoiDungXuLy: 'B' }],
      },
    });
    expect(await sut.lookup(code)).toEqual({ kind: 'found', view: { exists: false, progress: [] } });
    expect(await sut.lookup(code)).toMatchObject({ kind: 'failed', outcome: { kind: 'unknown' } });
    expect(ss.received[0].url).toBe('/r1/VN/GOV/000.00.00.G22/DVCQG/dvcqgSync/TraCuuHoSo');
    expect(ss.received[0].body).toEqual({ madonvi: '000.00.01.H22', service: 'TraCuuHoSo', MaHoSo: code });
    expect(ss.received[0].headers['idempotency-key']).toBeUndefined();
  });

  it('a refused connection is unavailable, a timeout after sending unknown, a closed adapter sends nothing', async () => {
    const url = ss.url;
    await ss.close();
    const refused = new XRoadRestAdapter(settings({ securityServerUrl: url }), log);
    expect(await refused.send(create)).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringContaining('ECONNREFUSED'),
    });
    await refused.close();

    const silent = http.createServer(() => undefined); // reads the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const slow = new XRoadRestAdapter(
      settings({
        securityServerUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        timeoutMs: 150,
      }),
      log,
    );
    expect(await slow.send(create)).toMatchObject({
      kind: 'unknown',
      reason: expect.stringContaining('TimeoutError'),
    });
    await slow.close();
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    ss = await new SecurityServer().start();

    await sut.close();
    expect(await sut.send(create)).toEqual({ kind: 'unavailable', reason: 'the adapter is closed' });
  });

  it('refuses mutual TLS towards a plain-HTTP security server, and an unreadable certificate, at construction', () => {
    expect(
      () => new XRoadRestAdapter(settings({ tls: { certFile: '/nonexistent', keyFile: '/nonexistent' } })),
    ).toThrow(/LGSP_XROAD_SECURITY_SERVER_URL: mutual TLS is configured/);
    expect(
      () =>
        new XRoadRestAdapter(
          settings({
            securityServerUrl: 'https://127.0.0.1:1',
            tls: { certFile: '/nonexistent/cert.pem', keyFile: '/nonexistent/key.pem' },
          }),
        ),
    ).toThrow(/LGSP_XROAD_TLS_CERT: cannot read \/nonexistent\/cert.pem/);
  });
});

describe(`${XRoadRestAdapter.name} over mutual TLS`, () => {
  let dir: string;
  let ss: SecurityServer;
  const pem = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  /** a new P-256 key in `<name>.key` and, by `-x509` or not, a self-signed certificate or a request for one */
  const newKey = (name: string, subject: string, x509: boolean): void =>
    openssl(
      ...[
        'req',
        ...(x509 ? ['-x509', '-days', '1'] : []),
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
      ],
      ...['-nodes', '-keyout', `${name}.key`, '-out', `${name}.${x509 ? 'crt' : 'csr'}`, '-subj', subject],
    );
  /** a certificate signed by `ca`: the security server's (for 127.0.0.1) and the province's */
  const issue = (name: string, ca: string, subject: string, ext?: string): void => {
    newKey(name, subject, false);
    openssl(
      ...['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial'],
      ...['-days', '1', '-out', `${name}.crt`, ...(ext ? ['-extfile', ext] : [])],
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xroad-tls-'));
    for (const ca of ['ca', 'other-ca']) newKey(ca, `/CN=${ca}`, true);
    writeFileSync(pem('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    issue('server', 'ca', '/CN=security-server', 'san.ext');
    issue('province', 'ca', '/CN=province-lgsp');
    issue('stranger', 'other-ca', '/CN=stranger');
    ss = await new SecurityServer({
      key: readFileSync(pem('server.key')),
      cert: readFileSync(pem('server.crt')),
      ca: readFileSync(pem('ca.crt')),
      requestCert: true,
      rejectUnauthorized: true,
    }).start();
  }, 30_000);
  afterAll(async () => {
    await ss?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const adapter = (cert: string): XRoadRestAdapter =>
    new XRoadRestAdapter(
      settingsFor(ss.url, {
        tls: { certFile: pem(`${cert}.crt`), keyFile: pem(`${cert}.key`), caFile: pem('ca.crt') },
      }),
      { warn: () => undefined },
    );

  it("is let in with the province's certificate, and not with one the security server does not trust", async () => {
    const province = adapter('province');
    expect(await province.send(create)).toEqual({ kind: 'delivered' });
    await province.close();
    const stranger = adapter('stranger');
    expect((await stranger.send(create)).kind).not.toBe('delivered');
    await stranger.close();
    expect(ss.received).toHaveLength(1);
  });
});
