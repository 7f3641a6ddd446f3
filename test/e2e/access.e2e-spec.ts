import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningApp } from '@lgsp/platform';
import {
  encounterRecorded,
  event,
  eventually,
  sampleName,
  samplePersonalId,
  submitted,
  uniqueDossierCode,
} from '@lgsp/testing';
import { loadAdminConfig } from '../../apps/admin/src/admin.config';
import { startAdmin } from '../../apps/admin/src/admin.app';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway.config';
import { startGateway } from '../../apps/gateway/src/gateway.app';
import { loadHealthConfig, startHealth } from '../../apps/health/src/health.app';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';
import { loadLandConfig, startLand } from '../../apps/land/src/land.app';

const KEYS = {
  publisher: 'dev-publisher-key-000.00.01.H22',
  ioc: 'dev-consumer-key-ioc',
  'land-office': 'dev-consumer-key-land-office',
  press: 'dev-consumer-key-press',
  gateway: 'dev-gateway-service-key',
  operator: 'dev-operator-key',
  none: undefined,
  bad: 'not-a-key-of-anyone',
} as const;
type Role = keyof typeof KEYS;
const ROLES = Object.keys(KEYS) as Role[];

interface GqlBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}
const codes = (b: GqlBody) => (b.errors ?? []).map((e) => e.extensions?.code);
const YEAR = { from: '2000-01-01T00:00:00+07:00', to: '2100-01-01T00:00:00+07:00' };

/**
 * Who reaches what, as an attacker with the development keys would try it (issue 10): the operation
 * executed is the one checked and audited, names are personal data, purposes are granted per consumer,
 * cost and size limits hold, the schema is closed to consumers in production mode, the policy covers
 * every field at start-up, and every role × endpoint × sensitive category has its expected outcome.
 */
describe('access to the hub end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-access-'));
  const run = randomUUID();
  const devPolicy = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'config', 'policy.dev.json'), 'utf8'),
  ) as { limits: Record<string, number>; sensitive: Record<string, string[]> };
  // Small lists and a small response cap, so that both show with a handful of records.
  const policyFile = join(dir, 'policy.json');
  writeFileSync(
    policyFile,
    JSON.stringify({
      ...devPolicy,
      limits: { ...devPolicy.limits, defaultListSize: 3, maxResponseBytes: 30_000 },
    }),
  );
  const env = {
    ...process.env,
    INGEST_PORT: '0',
    DOSSIER_PORT: '0',
    LAND_PORT: '0',
    HEALTH_PORT: '0',
    GATEWAY_PORT: '0',
    ADMIN_PORT: '0',
    LGSP_PGLITE_DIR: dir,
    LGSP_POLICY_FILE: policyFile,
    // what production (NODE_ENV=production) defaults to
    LGSP_GRAPHQL_INTROSPECTION: 'operators',
    DOSSIER_CONSUMER_GROUP: `lgsp-dossier-access-${run}`,
    LAND_CONSUMER_GROUP: `lgsp-land-access-${run}`,
    HEALTH_CONSUMER_GROUP: `lgsp-health-access-${run}`,
  };
  const n = Math.floor(Math.random() * 900_000);
  const personalId = samplePersonalId(n);
  const name = sampleName(n);
  const code = uniqueDossierCode();
  const encounters = [0, 1, 2, 3].map((i) => encounterRecorded(personalId, name, n + i));
  let ingest: RunningApp;
  let admin: RunningApp;
  let dossier: Awaited<ReturnType<typeof startDossier>>;
  let land: Awaited<ReturnType<typeof startLand>>;
  let health: Awaited<ReturnType<typeof startHealth>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  const publish = async (key: string, source: string, type: string, data: object) =>
    fetch(`${ingest.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': key },
      body: JSON.stringify(event(type, data, source)),
    });
  const gql = async (
    url: string,
    key: string | undefined,
    query: string,
    options: { purpose?: string; variables?: object; operationName?: string; get?: boolean } = {},
  ): Promise<{ status: number; body: GqlBody; bytes: number }> => {
    const headers: Record<string, string> = {
      ...(key ? { 'x-api-key': key } : {}),
      ...(options.purpose ? { 'x-lgsp-purpose': options.purpose } : {}),
    };
    const response = options.get
      ? await fetch(
          `${url}/graphql?${new URLSearchParams({
            query,
            ...(options.operationName ? { operationName: options.operationName } : {}),
            ...(options.variables ? { variables: JSON.stringify(options.variables) } : {}),
          }).toString()}`,
          { headers },
        )
      : await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({
            query,
            variables: options.variables ?? {},
            ...(options.operationName ? { operationName: options.operationName } : {}),
          }),
        });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as GqlBody, bytes: text.length };
  };

  /** Every data-access entry of every store (with PostgreSQL they share one chain: counted once). */
  const entries = async () => {
    const all = new Map<string, Awaited<ReturnType<typeof gateway.audit.entries>>[number]>();
    for (const app of [gateway, dossier, land, health])
      for (const e of await app.audit.entries()) all.set(`${e.chain}:${e.seq}`, e);
    return [...all.values()];
  };
  /** Reads as counted: one per consumer request (a subgraph's entry for the gateway is part of it). */
  const counted = async () => (await entries()).filter((e) => !e.operationName?.endsWith(' (via gateway)'));
  const lastCounted = async () => (await counted()).sort((a, b) => a.at.localeCompare(b.at)).at(-1);

  beforeAll(async () => {
    ingest = await startIngest(loadIngestConfig(env));
    dossier = await startDossier(loadDossierConfig(env));
    land = await startLand(loadLandConfig(env));
    health = await startHealth(loadHealthConfig(env));
    gateway = await startGateway(
      loadGatewayConfig({
        ...env,
        GATEWAY_SUBGRAPHS: `dossier=${dossier.url}/graphql,land=${land.url}/graphql,health=${health.url}/graphql`,
      }),
    );
    admin = await startAdmin(loadAdminConfig(env));
    const accepted = await publish(KEYS.publisher, '/000.00.01.H22/igate', 'vn.lgsp.dossier.submitted.v1', {
      ...submitted(code, n),
      SoDinhDanhChuHoSo: personalId,
      ChuHoSo: name,
    });
    expect(accepted.status).toBe(202);
    for (const e of encounters)
      expect(
        (await publish('dev-publisher-key-22001', '/22001/his', 'vn.lgsp.health.encounter-recorded.v1', e))
          .status,
      ).toBe(202);
    await eventually(async () => {
      const r = await gql(
        gateway.url,
        KEYS.ioc,
        `query ($id: String!, $code: String!) { dossier(code: $code) { code } citizen(personalId: $id) { encounters(first: 10) { id } } }`,
        { purpose: 'healthcare', variables: { id: personalId, code } },
      );
      const citizen = r.body.data?.citizen as { encounters: unknown[] } | undefined;
      return r.body.data?.dossier && citizen?.encounters.length === encounters.length ? true : undefined;
    }, 90_000);
  }, 240_000);
  afterAll(async () => {
    await admin?.close();
    await gateway?.close();
    for (const s of [dossier, land, health]) await s?.close();
    await ingest?.close();
  }, 60_000);

  const TWO = `query A { dossierIndicators(from: "${YEAR.from}", to: "${YEAR.to}") { agencyCode } }
    query B { citizen(personalId: "${personalId}") { encounters { mainDiagnosis totalCost } } }`;

  describe('the operation executed is the operation checked and audited', () => {
    it.each([
      ['GET', true],
      ['POST', false],
    ])('over %s, checks and audits the operation operationName names', async (_method, get) => {
      const before = await entries();
      const r = await gql(gateway.url, KEYS.ioc, TWO, { purpose: 'healthcare', operationName: 'B', get });
      expect(r.status).toBe(200);
      expect(r.body.data).toEqual({
        citizen: { encounters: expect.arrayContaining([{ mainDiagnosis: 'J18.9', totalCost: 8_450_000 }]) },
      });
      const added = (await entries()).filter(
        (e) => !before.some((b) => b.chain === e.chain && b.seq === e.seq),
      );
      // one entry counts the read (the gateway's); the health subgraph records what it released for it
      expect(added.filter((e) => e.operationName === 'B')).toEqual([
        expect.objectContaining({
          consumer: expect.objectContaining({ id: 'ioc' }),
          purpose: 'healthcare',
          fields: ['Encounter.mainDiagnosis', 'Encounter.totalCost'],
          citizens: [gateway.audit.subjectDigest(personalId)],
        }),
      ]);
      // every subgraph the gateway asked (dossier for the citizen, health for the encounters) recorded its part
      const via = added.filter((e) => e.operationName === 'B (via gateway)');
      expect(via.map((e) => e.domains)).toEqual(expect.arrayContaining([['health']]));
      for (const e of via)
        expect(e).toMatchObject({
          consumer: { id: 'ioc' },
          purpose: 'healthcare',
          citizens: [gateway.audit.subjectDigest(personalId)],
        });
      expect(added).toHaveLength(1 + via.length);
    });

    it('judges the named operation for grants and purpose: a harmless first one does not let another through', async () => {
      const press = await gql(gateway.url, KEYS.press, TWO, { operationName: 'B', get: true });
      expect(press.status).toBe(403);
      expect(codes(press.body)).toEqual(['LGSP_ERR_FIELD_FORBIDDEN']);
      const noPurpose = await gql(gateway.url, KEYS.ioc, TWO, { operationName: 'B', get: true });
      expect(codes(noPurpose.body)).toEqual(['LGSP_ERR_PURPOSE_REQUIRED']);
      const harmless = await gql(gateway.url, KEYS.press, TWO, { operationName: 'A', get: true });
      expect(harmless.status).toBe(200);
      expect(Array.isArray(harmless.body.data?.dossierIndicators)).toBe(true);
    });

    it('audits at the subgraph a read sent straight to it, and marks nothing there as via the gateway without its key', async () => {
      const before = (await counted()).length;
      const r = await gql(
        health.url,
        KEYS.ioc,
        `query Straight { encounter(id: "${encounters[0].MA_LK}") { mainDiagnosis } }`,
        { purpose: 'healthcare' },
      );
      expect(r.body.data).toEqual({ encounter: { mainDiagnosis: 'J18.9' } });
      expect((await counted()).length).toBe(before + 1);
      expect(await lastCounted()).toMatchObject({
        operationName: 'Straight',
        records: [encounters[0].MA_LK],
      });
      // a consumer that claims to be the gateway is still counted: the header needs the gateway's key
      const forged = await fetch(`${health.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': KEYS.ioc,
          'x-lgsp-purpose': 'healthcare',
          'x-lgsp-via-gateway': 'dev-consumer-key-ioc',
          'x-lgsp-operation': 'Hidden',
        },
        body: JSON.stringify({
          query: `query Forged { encounter(id: "${encounters[0].MA_LK}") { mainDiagnosis } }`,
        }),
      });
      expect(forged.status).toBe(200);
      expect(await lastCounted()).toMatchObject({ operationName: 'Forged' });
    });
  });

  describe('names and other identifying fields are personal data', () => {
    it('masks a name for a consumer without the personal-identity grant, requires a purpose and audits the read', async () => {
      const q = `query Name($code: String!) { dossier(code: $code) { code applicantName } }`;
      const without = await gql(gateway.url, KEYS.press, q, { variables: { code } });
      expect(codes(without.body)).toEqual(['LGSP_ERR_PURPOSE_REQUIRED']);
      const before = (await counted()).length;
      const r = await gql(gateway.url, KEYS.press, q, { variables: { code }, purpose: 'statistics' });
      expect(r.body.data).toEqual({ dossier: { code, applicantName: '***' } });
      expect(codes(r.body)).toEqual(['LGSP_ERR_FIELD_MASKED']);
      expect(JSON.stringify(r.body)).not.toContain(name);
      expect((await counted()).length).toBe(before + 1);
      expect(await lastCounted()).toMatchObject({
        consumer: { id: 'press' },
        purpose: 'statistics',
        masked: ['Dossier.applicantName'],
        records: [code],
      });
    });

    it('requires a purpose for patient names and codes by facility, and audits them', async () => {
      const q = `query ByFacility { encountersByFacility(facilityCode: "22001", from: "${YEAR.from}", to: "${YEAR.to}") { patientName patientCode admittedAt } }`;
      const without = await gql(gateway.url, KEYS['land-office'], q);
      expect(without.body.data ?? null).toBeNull();
      expect(codes(without.body)).toEqual(['LGSP_ERR_PURPOSE_REQUIRED']);
      const before = (await counted()).length;
      const r = await gql(gateway.url, KEYS['land-office'], q, { purpose: 'land-administration' });
      expect((r.body.data?.encountersByFacility as unknown[]).length).toBeGreaterThan(0);
      expect((await counted()).length).toBe(before + 1);
      expect(await lastCounted()).toMatchObject({
        consumer: { id: 'land-office' },
        purpose: 'land-administration',
        fields: ['Encounter.patientCode', 'Encounter.patientName'],
      });
    });

    it('does not start a gateway whose policy leaves a field of the schema unclassified', async () => {
      const incomplete = join(dir, 'incomplete.json');
      writeFileSync(
        incomplete,
        JSON.stringify({
          ...devPolicy,
          sensitive: {
            ...devPolicy.sensitive,
            'personal-identity': devPolicy.sensitive['personal-identity'].filter(
              (c) => c !== 'Encounter.patientName',
            ),
          },
        }),
      );
      await expect(
        startGateway(
          loadGatewayConfig({
            ...env,
            LGSP_POLICY_FILE: incomplete,
            GATEWAY_SUBGRAPHS: `dossier=${dossier.url}/graphql,land=${land.url}/graphql,health=${health.url}/graphql`,
          }),
        ),
      ).rejects.toThrow(/not classified in .*incomplete\.json: Encounter\.patientName\b/);
    }, 60_000);
  });

  describe('purposes are granted per consumer', () => {
    it.each([
      ['land-office', 'inspection'],
      ['land-office', 'healthcare'],
      ['press', 'public-service'],
    ] as const)('refuses %s declaring %s with a coded 403', async (role, purpose) => {
      const r = await gql(
        gateway.url,
        KEYS[role],
        `{ dossier(code: "${code}") { code applicantPersonalId } }`,
        {
          purpose,
        },
      );
      expect(r.status).toBe(403);
      expect(r.body.data ?? null).toBeNull();
      expect(codes(r.body)).toEqual(['LGSP_ERR_PURPOSE_NOT_GRANTED']);
      expect(r.body.errors?.[0].message).toContain(`${role} is not granted the purpose ${purpose}`);
    });

    it('refuses a purpose the policy does not know', async () => {
      const r = await gql(gateway.url, KEYS.ioc, `{ dossier(code: "${code}") { code } }`, {
        purpose: 'curiosity',
      });
      expect(codes(r.body)).toEqual(['LGSP_ERR_PURPOSE_REQUIRED']);
    });
  });

  describe('cost limits that hold', () => {
    it('counts first on a connection, for every alias', async () => {
      const aliases = Array.from(
        { length: 30 },
        (_, i) =>
          `a${i}: dossiers(first: 200) { edges { node { code agencyCode status statusCode submittedAt } } }`,
      );
      const r = await gql(gateway.url, KEYS.press, `{ ${aliases.join(' ')} }`);
      expect(r.status).toBe(400);
      expect(codes(r.body)).toEqual(['LGSP_ERR_QUERY_TOO_COSTLY']);
      expect(r.body.errors?.[0].message).toContain('about 36060 fields');
    });

    it('counts named and inline fragment spreads, each one', async () => {
      const spreads = Array.from(
        { length: 30 },
        () => '...F ... on DossierConnection { edges { node { code } } }',
      );
      const r = await gql(
        gateway.url,
        KEYS.press,
        `{ dossiers(first: 200) { ${spreads.join(' ')} } } fragment F on DossierConnection { edges { node { code status } } }`,
      );
      expect(codes(r.body)).toEqual(['LGSP_ERR_QUERY_TOO_COSTLY']);
    });

    it('returns as many items without first as the estimate counts: the policy’s one default', async () => {
      const r = await gql(
        gateway.url,
        KEYS.ioc,
        `{ citizen(personalId: "${personalId}") { encounters { id } } }`,
        {
          purpose: 'healthcare',
        },
      );
      expect((r.body.data?.citizen as { encounters: unknown[] }).encounters).toHaveLength(3);
    });

    it('counts introspection: 3,000 __schema aliases are refused before they are answered', async () => {
      const flood = `{ ${Array.from({ length: 3000 }, (_, i) => `s${i}: __schema { types { name } }`).join(' ')} }`;
      const r = await gql(gateway.url, KEYS.operator, flood);
      expect(codes(r.body)).toEqual(['LGSP_ERR_QUERY_TOO_COSTLY']);
      expect(r.bytes).toBeLessThan(2_000);
    });

    it('refuses an answer over the size cap whole, with a coded error', async () => {
      const big = `{ __schema { types { name kind description
        fields { name description type { name kind ofType { name kind ofType { name kind } } } args { name description } }
        enumValues { name description } } } }`;
      const r = await gql(gateway.url, KEYS.operator, big);
      expect(r.body.data ?? null).toBeNull();
      expect(codes(r.body)).toEqual(['LGSP_ERR_RESPONSE_TOO_LARGE']);
      expect(r.bytes).toBeLessThan(2_000);
      const small = await gql(gateway.url, KEYS.operator, `{ __schema { queryType { name } } }`);
      expect(small.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    });

    it('keeps the schema from consumers in production mode: no introspection, no suggestions', async () => {
      for (const url of [gateway.url, health.url]) {
        const r = await gql(url, KEYS.ioc, `{ __type(name: "Encounter") { fields { name } } }`);
        expect(r.status).toBe(403);
        expect(codes(r.body)).toEqual(['LGSP_ERR_INTROSPECTION_DISABLED']);
        const typo = await gql(url, KEYS.ioc, `{ encounter(id: "x") { patientNam } }`);
        expect(typo.status).toBe(400);
        expect(typo.body.errors?.[0].message).toBe('Cannot query field "patientNam" on type "Encounter".');
      }
      const sdl = await gql(health.url, KEYS.ioc, `{ _service { sdl } }`);
      expect(codes(sdl.body)).toEqual(['LGSP_ERR_INTROSPECTION_DISABLED']);
      const operator = await gql(gateway.url, KEYS.operator, `{ encounter(id: "x") { patientNam } }`);
      expect(operator.body.errors?.[0].message).toContain('Did you mean "patientName"');
    });
  });

  describe('authorization matrix', () => {
    type Outcome = number;
    interface Endpoint {
      name: string;
      url: () => string;
      method?: 'GET' | 'POST' | 'DELETE';
      path: string;
      body?: () => unknown;
      purpose?: string;
    }
    const graphql = (query: string) => () => ({ query });
    const INDICATORS = graphql(
      `{ dossierIndicators(from: "${YEAR.from}", to: "${YEAR.to}") { agencyCode } }`,
    );
    const OPEN = Object.fromEntries(ROLES.map((r) => [r, 200])) as Record<Role, Outcome>;
    /** only `granted` roles get `ok`; other known keys 403, no key and a bad key 401 */
    const only = (ok: number, ...granted: Role[]): Record<Role, Outcome> =>
      Object.fromEntries(
        ROLES.map((r) => [r, granted.includes(r) ? ok : r === 'none' || r === 'bad' ? 401 : 403]),
      ) as Record<Role, Outcome>;
    const consumers: Role[] = ['ioc', 'land-office', 'press'];

    const table: [Endpoint, Record<Role, Outcome>][] = [
      [
        {
          name: 'ingest POST /events',
          url: () => ingest.url,
          method: 'POST',
          path: '/events',
          body: () =>
            event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), n), '/000.00.01.H22/igate'),
        },
        only(202, 'publisher'),
      ],
      [{ name: 'ingest GET /openapi.json', url: () => ingest.url, path: '/openapi.json' }, OPEN],
      [
        {
          name: 'gateway POST /graphql (data)',
          url: () => gateway.url,
          method: 'POST',
          path: '/graphql',
          body: INDICATORS,
        },
        only(200, ...consumers),
      ],
      [
        {
          name: 'gateway GET /graphql (data)',
          url: () => gateway.url,
          path: `/graphql?query=${encodeURIComponent(INDICATORS().query)}`,
        },
        only(200, ...consumers),
      ],
      [
        {
          name: 'gateway POST /graphql (introspection)',
          url: () => gateway.url,
          method: 'POST',
          path: '/graphql',
          body: graphql('{ __schema { queryType { name } } }'),
        },
        only(200, 'operator'),
      ],
      [
        {
          name: 'subgraph POST /graphql (data)',
          url: () => dossier.url,
          method: 'POST',
          path: '/graphql',
          body: INDICATORS,
        },
        only(200, ...consumers),
      ],
      [
        {
          name: 'subgraph POST /graphql (_service)',
          url: () => health.url,
          method: 'POST',
          path: '/graphql',
          body: graphql('{ _service { sdl } }'),
        },
        only(200, 'gateway', 'operator'),
      ],
      [
        { name: 'admin GET /admin/topics', url: () => admin.url, path: '/admin/topics' },
        only(200, 'operator'),
      ],
      [{ name: 'admin GET /admin/dlq', url: () => admin.url, path: '/admin/dlq' }, only(200, 'operator')],
      [
        { name: 'admin GET /admin/schemas/check', url: () => admin.url, path: '/admin/schemas/check' },
        only(200, 'operator'),
      ],
      // operators pass authorization and then fail validation: nothing is replayed or redriven
      [
        {
          name: 'admin POST /admin/replay',
          url: () => admin.url,
          method: 'POST',
          path: '/admin/replay',
          body: () => ({}),
        },
        only(400, 'operator'),
      ],
      [
        {
          name: 'admin POST /admin/dlq/redrive',
          url: () => admin.url,
          method: 'POST',
          path: '/admin/dlq/redrive',
          body: () => ({}),
        },
        only(409, 'operator'),
      ],
      [
        { name: 'gateway GET /admin/audit/verify', url: () => gateway.url, path: '/admin/audit/verify' },
        only(200, 'operator'),
      ],
      // no rebuild has run on the dossier service: the operator is told so
      [
        { name: 'dossier GET /admin/rebuild', url: () => dossier.url, path: '/admin/rebuild' },
        only(404, 'operator'),
      ],
      [
        {
          name: 'dossier DELETE /admin/rebuild',
          url: () => dossier.url,
          method: 'DELETE',
          path: '/admin/rebuild',
        },
        only(404, 'operator'),
      ],
      [
        { name: 'land POST /admin/rebuild', url: () => land.url, method: 'POST', path: '/admin/rebuild' },
        only(202, 'operator'),
      ],
      ...(['gateway', 'dossier', 'admin'] as const).map((app): [Endpoint, Record<Role, Outcome>] => [
        {
          name: `${app} GET /audit/keys`,
          url: () => ({ gateway, dossier, admin })[app].url,
          path: '/audit/keys',
        },
        OPEN,
      ]),
      // probes and metrics answer everyone: they carry no personal data and sit on the internal network
      ...(['ingest', 'gateway', 'health', 'admin'] as const).flatMap((app) =>
        ['/health/live', '/health/ready', '/metrics'].map((path): [Endpoint, Record<Role, Outcome>] => [
          { name: `${app} GET ${path}`, url: () => ({ ingest, gateway, health, admin })[app].url, path },
          OPEN,
        ]),
      ),
    ];

    it('answers every role at every endpoint as the table says', async () => {
      const actual: Record<string, Record<Role, Outcome>> = {};
      const expected: Record<string, Record<Role, Outcome>> = {};
      for (const [endpoint, outcomes] of table) {
        expected[endpoint.name] = outcomes;
        actual[endpoint.name] = {} as Record<Role, Outcome>;
        for (const role of ROLES) {
          const key = KEYS[role];
          const body = endpoint.body?.();
          const response = await fetch(`${endpoint.url()}${endpoint.path}`, {
            method: endpoint.method ?? 'GET',
            headers: {
              ...(key ? { 'x-api-key': key } : {}),
              ...(body !== undefined
                ? {
                    'content-type':
                      endpoint.path === '/events' ? 'application/cloudevents+json' : 'application/json',
                  }
                : {}),
            },
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          });
          await response.arrayBuffer();
          actual[endpoint.name][role] = response.status;
        }
      }
      expect(actual).toEqual(expected);
    }, 120_000);

    type FieldOutcome = 'clear' | 'masked' | 'refused' | 'purpose-required' | 'purpose-not-granted';
    const PURPOSE: Partial<Record<Role, string>> = {
      ioc: 'healthcare',
      'land-office': 'land-administration',
      press: 'statistics',
      operator: 'inspection',
    };
    const fields: [string, string, () => string, () => unknown][] = [
      [
        'personal-id',
        'Dossier.applicantPersonalId',
        () => `{ dossier(code: "${code}") { applicantPersonalId } }`,
        () => personalId,
      ],
      [
        'personal-identity',
        'Dossier.applicantName',
        () => `{ dossier(code: "${code}") { applicantName } }`,
        () => name,
      ],
      [
        'personal-identity',
        'Encounter.patientName',
        () => `{ encounter(id: "${encounters[0].MA_LK}") { patientName } }`,
        () => name,
      ],
      [
        'diagnosis',
        'Encounter.mainDiagnosis',
        () => `{ encounter(id: "${encounters[0].MA_LK}") { mainDiagnosis } }`,
        () => 'J18.9',
      ],
      [
        'cost',
        'Encounter.totalCost',
        () => `{ encounter(id: "${encounters[0].MA_LK}") { totalCost } }`,
        () => 8_450_000,
      ],
    ];
    const expectedFields: Record<
      string,
      Record<'ioc' | 'land-office' | 'press' | 'operator', FieldOutcome>
    > = {
      'Dossier.applicantPersonalId': {
        ioc: 'clear',
        'land-office': 'clear',
        press: 'masked',
        operator: 'refused',
      },
      'Dossier.applicantName': { ioc: 'clear', 'land-office': 'clear', press: 'masked', operator: 'refused' },
      'Encounter.patientName': {
        ioc: 'clear',
        'land-office': 'clear',
        press: 'refused',
        operator: 'refused',
      },
      'Encounter.mainDiagnosis': {
        ioc: 'clear',
        'land-office': 'masked',
        press: 'refused',
        operator: 'refused',
      },
      'Encounter.totalCost': { ioc: 'clear', 'land-office': 'masked', press: 'refused', operator: 'refused' },
    };

    it('gives every consumer each sensitive category as the policy says, with a purpose, and audits each answer', async () => {
      const actual: Record<string, Record<string, string>> = {};
      const expected: Record<string, Record<string, string>> = {};
      for (const [category, coordinate, query, value] of fields) {
        const row = `${category} ${coordinate}`;
        actual[row] = {};
        expected[row] = {};
        for (const role of ['ioc', 'land-office', 'press', 'operator'] as const) {
          const want = expectedFields[coordinate][role];
          // an answer (clear or masked) is one counted audit entry; a refusal is none
          expected[row][role] = want === 'clear' || want === 'masked' ? `${want}, audited` : want;
          const before = (await counted()).length;
          const r = await gql(gateway.url, KEYS[role], query(), { purpose: PURPOSE[role] });
          const got = codes(r.body);
          const answered = JSON.stringify(r.body.data ?? null);
          const outcome: FieldOutcome | 'other' = got.includes('LGSP_ERR_FIELD_FORBIDDEN')
            ? 'refused'
            : got.includes('LGSP_ERR_PURPOSE_NOT_GRANTED')
              ? 'purpose-not-granted'
              : got.includes('LGSP_ERR_FIELD_MASKED') && !answered.includes(JSON.stringify(value()))
                ? 'masked'
                : got.length === 0 && answered.includes(JSON.stringify(value()))
                  ? 'clear'
                  : 'other';
          const audited = (await counted()).length - before;
          actual[row][role] =
            outcome === 'clear' || outcome === 'masked'
              ? `${outcome}${audited === 1 ? ', audited' : `, ${audited} entries`}`
              : audited === 0
                ? outcome
                : `${outcome}, ${audited} entries`;
          // and without a purpose, nothing personal is answered at all
          const bare = await gql(gateway.url, KEYS[role], query());
          expect([want, codes(bare.body)]).toEqual([
            want,
            [want === 'refused' ? 'LGSP_ERR_FIELD_FORBIDDEN' : 'LGSP_ERR_PURPOSE_REQUIRED'],
          ]);
        }
      }
      expect(actual).toEqual(expected);
    }, 120_000);
  });
});
