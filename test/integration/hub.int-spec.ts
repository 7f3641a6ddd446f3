import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics } from '@lgsp/contracts';
import { createKafka, loadKafkaSettings } from '@lgsp/kafka';
import {
  createDatabase,
  dropDatabases,
  event,
  eventually,
  startGroupAtEnd,
  submitted,
  uniqueDossierCode,
} from '@lgsp/testing';
import { loadHubConfig } from '../../apps/hub/src/hub.config';
import { startHub, type RunningHub } from '../../apps/hub/src/hub.app';

const PUBLISHER = 'dev-publisher-key-000.00.01.H22';
const CONSUMER = 'dev-consumer-key-ioc';
const OPERATOR = 'dev-operator-key';

/**
 * `npm start`'s hub: every service in this one process through its own start function, one store
 * (PGlite here unless DATABASE_URL is set), each service in its own schemas; an event published to
 * ingest is read back through the gateway.
 */
describe('one-process hub (integration)', () => {
  const adminUrl = process.env.DATABASE_URL;
  const database = `lgsp_hub_${process.pid}_${Date.now()}`;
  const groups = {
    DOSSIER_CONSUMER_GROUP: `lgsp-dossier-hub-${randomUUID()}`,
    LAND_CONSUMER_GROUP: `lgsp-land-hub-${randomUUID()}`,
    HEALTH_CONSUMER_GROUP: `lgsp-health-hub-${randomUUID()}`,
    NATIONAL_BRIDGE_CONSUMER_GROUP: `lgsp-national-bridge-hub-${randomUUID()}`,
  };
  let hub: RunningHub | undefined;
  let services: [string, string][] = [];

  beforeAll(async () => {
    const kafka = createKafka(loadKafkaSettings(process.env, 'hub-test'));
    // The projections start at their topics' end now: the store holds this run's events only.
    await startGroupAtEnd(kafka, groups.DOSSIER_CONSUMER_GROUP, [Topics.events('dossier')]);
    await startGroupAtEnd(kafka, groups.LAND_CONSUMER_GROUP, [Topics.events('land')]);
    await startGroupAtEnd(kafka, groups.HEALTH_CONSUMER_GROUP, [Topics.events('health')]);
    await startGroupAtEnd(kafka, groups.NATIONAL_BRIDGE_CONSUMER_GROUP, [
      Topics.events('dossier'),
      Topics.nationalRedrive,
    ]);
    const env = {
      ...process.env,
      ...groups,
      DATABASE_URL: adminUrl ? await createDatabase(adminUrl, database) : '',
      LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-hub-')),
      INGEST_PORT: '0',
      DOSSIER_PORT: '0',
      LAND_PORT: '0',
      HEALTH_PORT: '0',
      GATEWAY_PORT: '0',
      ADMIN_PORT: '0',
      NATIONAL_BRIDGE_PORT: '0',
      // no national side configured: the hub runs its simulator
      LGSP_DVCQG_URL: '',
      LGSP_XROAD_SECURITY_SERVER_URL: '',
      NATIONAL_SIM_PORT: '0',
      // unset: the gateway federates the hub's own subgraphs, wherever they listen
      GATEWAY_SUBGRAPHS: '',
      LOG_LEVEL: 'warn',
    };
    hub = await startHub(loadHubConfig(env));
    const { ingest, dossier, land, health, gateway, admin, nationalBridge, nationalSim } = hub;
    services = Object.entries({
      ingest,
      dossier,
      land,
      health,
      gateway,
      admin,
      nationalBridge,
      nationalSim,
    }).map(([n, s]) => [n, s?.url ?? 'not started']);
  }, 300_000);

  afterAll(async () => {
    await hub?.close();
    if (adminUrl) await dropDatabases(adminUrl, [database]);
  }, 120_000);

  it('runs every service in this process, each on a port of its own, and each answers ready', async () => {
    expect(services.map(([name]) => name)).toEqual([
      'ingest',
      'dossier',
      'land',
      'health',
      'gateway',
      'admin',
      'nationalBridge',
      'nationalSim',
    ]);
    expect(new Set(services.map(([, url]) => new URL(url).port)).size).toBe(8);
    for (const [name, url] of services) {
      const status = await eventually(async () => {
        const response = await fetch(`${url}/health/ready`);
        return response.status === 200 ? name : undefined;
      }, 60_000);
      expect(status).toBe(name);
    }
  });

  it('keeps one store, each service in its own schemas, its audit trail included on PGlite', async () => {
    const db = hub!.gateway.db;
    const { rows } = await db.query<{ name: string }>(
      `SELECT schema_name AS name FROM information_schema.schemata
       WHERE schema_name IN ('ingest', 'dossier', 'land', 'health', 'national_bridge', 'message_log')
          OR schema_name LIKE 'audit%'
       ORDER BY schema_name`,
    );
    // One PostgreSQL database keeps the one audit schema its services share when each runs alone.
    const audit =
      db.kind === 'pglite'
        ? [
            'audit_admin',
            'audit_dossier',
            'audit_gateway',
            'audit_health',
            'audit_land',
            'audit_national_bridge',
          ]
        : ['audit'];
    expect(rows.map((r) => r.name)).toEqual(
      [...audit, 'dossier', 'health', 'ingest', 'land', 'message_log', 'national_bridge'].sort(),
    );
  });

  it('projects an event published to ingest and serves it through the gateway, auditing the read', async () => {
    const { ingest, gateway } = hub!;
    const code = uniqueDossierCode();
    const data = submitted(code, 11);
    const published = await fetch(`${ingest.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': PUBLISHER },
      body: JSON.stringify(event('vn.lgsp.dossier.submitted.v1', data)),
    });
    expect(published.status).toBe(202);

    const dossier = await eventually(async () => {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': CONSUMER,
          'x-lgsp-purpose': 'public-service',
        },
        body: JSON.stringify({
          query: 'query ($code: String!) { dossier(code: $code) { code status applicantPersonalId } }',
          variables: { code },
        }),
      });
      const body = (await response.json()) as { data?: { dossier: object | null } };
      return body.data?.dossier ?? undefined;
    }, 60_000);
    expect(dossier).toEqual({ code, status: 'SUBMITTED', applicantPersonalId: data.SoDinhDanhChuHoSo });

    // the personal read is on the gateway's chain, which verifies against lgsp.audit
    expect((await gateway.audit.entries()).at(-1)).toMatchObject({
      consumer: { id: 'ioc' },
      citizens: [gateway.audit.subjectDigest(data.SoDinhDanhChuHoSo)],
    });
    const verify = await fetch(`${gateway.url}/admin/audit/verify`, { headers: { 'x-api-key': OPERATOR } });
    expect(((await verify.json()) as { ok: boolean }).ok).toBe(true);

    // the national bridge synced it to the (simulated) national portal, and says so through the gateway
    const sim = hub!.nationalSim!;
    const national = await eventually(async () => {
      const response = await fetch(`${sim.url}/sim/dossiers/${encodeURIComponent(code)}`);
      return response.status === 200
        ? ((await response.json()) as { record: { TrangThaiHoSo: string }; progress: unknown[] })
        : undefined;
    }, 60_000);
    expect(national.record.TrangThaiHoSo).toBe('1');
    const sync = await eventually(async () => {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': CONSUMER },
        body: JSON.stringify({
          query: 'query ($code: String!) { dossier(code: $code) { nationalSync { state pendingCalls } } }',
          variables: { code },
        }),
      });
      const body = (await response.json()) as {
        data?: { dossier: { nationalSync: { state: string; pendingCalls: number } } | null };
      };
      const state = body.data?.dossier?.nationalSync;
      return state?.state === 'DELIVERED' ? state : undefined;
    }, 60_000);
    expect(sync).toEqual({ state: 'DELIVERED', pendingCalls: 0 });
    // the exchanges are in the bridge's message log
    const log = await fetch(`${hub!.nationalBridge.url}/admin/national/log?limit=5`, {
      headers: { 'x-api-key': OPERATOR },
    });
    expect(log.status).toBe(200);
  }, 120_000);

  it('stops every service on close', async () => {
    const running = hub!;
    hub = undefined;
    await running.close();
    for (const [, url] of services) await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  }, 120_000);
});
