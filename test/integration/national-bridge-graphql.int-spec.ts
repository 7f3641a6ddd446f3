import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka, EventProducer, loadKafkaSettings, toKafkaRecord, type CloudEvent } from '@lgsp/kafka';
import type { RunningApp } from '@lgsp/platform';
import { createTestTopic, dossierLifecycle, eventually, uniqueDossierCode } from '@lgsp/testing';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway.config';
import { startGateway } from '../../apps/gateway/src/gateway.app';
import { loadNationalBridgeConfig } from '../../apps/national-bridge/src/national-bridge.config';
import { startNationalBridge } from '../../apps/national-bridge/src/national-bridge.app';
import { startTestNationalSim } from './national-sim.fixture';

interface NationalSyncView {
  state: string;
  pendingCalls: number;
  deliveredAt: string | null;
  failingSince: string | null;
  lastError: string | null;
  attempts: number;
}

const QUERY = `query ($code: String!) { dossier(code: $code) {
  code statusCode nationalSync { state pendingCalls deliveredAt failingSince lastError attempts } } }`;

/** Each dossier's delivery to the nation, read through the federated gateway and its access policy. */
describe('national bridge subgraph through the gateway (integration)', () => {
  const settings = loadKafkaSettings(process.env, 'national-bridge-graphql-test');
  const kafka: Kafka = createKafka(settings);
  const producer = new EventProducer(kafka);
  let sim: Awaited<ReturnType<typeof startTestNationalSim>>;
  let bridge: RunningApp;
  let dossier: RunningApp;
  let gateway: RunningApp;
  let topic: string;

  beforeAll(async () => {
    await producer.connect();
    topic = await createTestTopic(kafka, 3);
    const env = {
      ...process.env,
      LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-bridge-gql-')),
      LOG_LEVEL: 'warn',
    };
    sim = await startTestNationalSim('gql-test');
    dossier = await startDossier({
      ...loadDossierConfig({
        ...env,
        DOSSIER_PORT: '0',
        DOSSIER_CONSUMER_GROUP: `lgsp-dossier-${randomUUID()}`,
      }),
      topic,
    });
    bridge = await startNationalBridge({
      ...loadNationalBridgeConfig({
        ...env,
        NATIONAL_BRIDGE_PORT: '0',
        NATIONAL_BRIDGE_CONSUMER_GROUP: `lgsp-national-bridge-gql-${randomUUID()}`,
        LGSP_DVCQG_URL: sim.url,
        LGSP_DVCQG_USERNAME: 'gql-test',
        LGSP_DVCQG_PASSWORD: 'gql-test-password',
        LGSP_DVCQG_AGENCY_CODE: '000.00.00.H22',
        LGSP_NATIONAL_RETRY_BASE_MS: '50',
        LGSP_NATIONAL_RETRY_MAX_MS: '200',
        LGSP_NATIONAL_RETRY_MAX_ATTEMPTS: '3',
      }),
      topic,
    });
    gateway = await startGateway(
      loadGatewayConfig({
        ...env,
        GATEWAY_PORT: '0',
        GATEWAY_SUBGRAPHS: `dossier=${dossier.url}/graphql,national-bridge=${bridge.url}/graphql`,
      }),
    );
  }, 180_000);
  afterAll(async () => {
    await gateway?.close();
    await bridge?.close();
    await dossier?.close();
    await sim?.close();
    await producer.disconnect();
  }, 60_000);

  const publish = (events: CloudEvent[]) =>
    producer.sendRaw(
      topic,
      events.map((e) => toKafkaRecord(e, (e.data as { MaHoSo: string }).MaHoSo)),
    );
  const query = async (code: string, key: string, purpose = 'statistics') => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'x-lgsp-purpose': purpose },
      body: JSON.stringify({ query: QUERY, variables: { code } }),
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        data?: { dossier: { statusCode: number; nationalSync: NationalSyncView | null } | null };
        errors?: unknown[];
      },
    };
  };
  const syncOf = (code: string, key: string, until: (s: NationalSyncView) => boolean) =>
    eventually(async () => {
      const { body } = await query(code, key);
      const s = body.data?.dossier?.nationalSync;
      return s && until(s) ? s : undefined;
    }, 60_000);

  it('shows a delivered dossier to a consumer granted dossiers, without personal data', async () => {
    const code = uniqueDossierCode();
    await publish(dossierLifecycle(code, 7).slice(0, 3));
    const sync = await syncOf(code, 'dev-consumer-key-press', (s) => s.state === 'DELIVERED');
    expect(sync).toMatchObject({ pendingCalls: 0, failingSince: null, lastError: null, attempts: 6 });
    expect(Date.parse(sync.deliveredAt ?? '')).not.toBeNaN();
  }, 90_000);

  it('shows a parked dossier as FAILING, with the failure and not the national message', async () => {
    const code = uniqueDossierCode();
    const events = dossierLifecycle(code, 11).slice(0, 2);
    const applicant = (events[0].data as { ChuHoSo: string }).ChuHoSo;
    // the national side refuses the next call and repeats the applicant's name in its message
    await sim.sim.setFaults({
      error: { status: 200, errorCode: '7', message: `Sai thông tin ${applicant}`, count: 1 },
    });
    await publish(events);
    const sync = await syncOf(code, 'dev-consumer-key-ioc', (s) => s.state === 'FAILING');
    expect(sync).toMatchObject({
      pendingCalls: 4,
      lastError: 'rejected, HTTP 200, error_code 7',
      attempts: 1,
    });
    expect(JSON.stringify(sync)).not.toContain(applicant);
  }, 90_000);

  it('answers null for a dossier the bridge has not seen, and nothing without a key', async () => {
    const { body } = await query(uniqueDossierCode(), 'dev-consumer-key-ioc');
    expect(body.data?.dossier).toBeNull();
    const anonymous = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY, variables: { code: 'x' } }),
    });
    expect(anonymous.status).toBe(401);
    const direct = await fetch(`${bridge.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    expect(direct.status).toBe(401);
  }, 60_000);
});
