import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Topics } from '@lgsp/contracts';
import { createKafka, EventProducer, loadKafkaSettings, toKafkaRecord, type CloudEvent } from '@lgsp/kafka';
import type { HoSoDongBo, TienDoHoSo } from '@lgsp/national';
import { DeadLetters } from '@lgsp/operations';
import { createTestTopic, dossierLifecycle, eventually, runCli, uniqueDossierCode } from '@lgsp/testing';
import { loadNationalBridgeConfig } from '../../apps/national-bridge/src/national-bridge.config';
import { startNationalBridge } from '../../apps/national-bridge/src/national-bridge.app';
import { startTestNationalSim } from './national-sim.fixture';

const OPERATOR = 'dev-operator-key';

interface SimDossierView {
  madonvi: string;
  record: HoSoDongBo;
  progress: TienDoHoSo[];
}

/** The outbound bridge against the real broker, a real store and the national simulator over HTTP. */
describe('national bridge (integration)', () => {
  const settings = loadKafkaSettings(process.env, 'national-bridge-test');
  const kafka: Kafka = createKafka(settings);
  const producer = new EventProducer(kafka);
  let sim: Awaited<ReturnType<typeof startTestNationalSim>>;
  let bridge: Awaited<ReturnType<typeof startNationalBridge>>;
  let topic: string;
  let env: Record<string, string | undefined>;

  const bridgeEnv = () => ({
    ...process.env,
    NATIONAL_BRIDGE_PORT: '0',
    NATIONAL_BRIDGE_CONSUMER_GROUP: `lgsp-national-bridge-test-${randomUUID()}`,
    LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-bridge-')),
    LGSP_DVCQG_URL: sim.url,
    LGSP_DVCQG_USERNAME: 'bridge-test',
    LGSP_DVCQG_PASSWORD: 'bridge-test-password',
    LGSP_DVCQG_AGENCY_CODE: '000.00.00.H22',
    LGSP_NATIONAL_TIMEOUT_MS: '3000',
    LGSP_NATIONAL_RETRY_BASE_MS: '50',
    LGSP_NATIONAL_RETRY_MAX_MS: '500',
    LGSP_NATIONAL_RETRY_MAX_ATTEMPTS: '20',
    LGSP_NATIONAL_BREAKER_OPEN_MS: '500',
    LOG_LEVEL: 'warn',
  });

  const publish = async (events: CloudEvent[]): Promise<void> =>
    producer.sendRaw(
      topic,
      events.map((e) => toKafkaRecord(e, (e.data as { MaHoSo: string }).MaHoSo)),
    );
  const simDossier = async (code: string): Promise<SimDossierView | undefined> => {
    const response = await fetch(`${sim.url}/sim/dossiers/${encodeURIComponent(code)}`);
    return response.status === 200 ? ((await response.json()) as SimDossierView) : undefined;
  };
  const statusesAt = async (code: string, count: number): Promise<string[]> =>
    eventually(async () => {
      const d = await simDossier(code);
      return d && d.progress.length >= count ? d.progress.map((s) => s.TrangThai) : undefined;
    }, 60_000);

  beforeAll(async () => {
    await producer.connect();
    sim = await startTestNationalSim('bridge-test');
    topic = await createTestTopic(kafka, 3);
    env = bridgeEnv();
    bridge = await startNationalBridge({ ...loadNationalBridgeConfig(env), topic });
  }, 120_000);
  afterAll(async () => {
    await bridge?.close();
    await sim?.close();
    await producer.disconnect();
  }, 60_000);

  it('delivers each dossier once, its steps in order, through answers lost after processing', async () => {
    await sim.sim.setFaults({ drop: { rate: 0.3 } });
    const codes = Array.from({ length: 6 }, () => uniqueDossierCode());
    await publish(codes.flatMap((code, n) => dossierLifecycle(code, n)));
    for (const code of codes) expect(await statusesAt(code, 5)).toEqual(['1', '2', '4', '9', '10']);
    await sim.sim.setFaults({});
    for (const code of codes) {
      const d = await simDossier(code);
      expect(d?.record).toMatchObject({ MaHoSo: code, TrangThaiHoSo: '10' });
      expect(d?.madonvi).toBe('000.00.00.H22');
    }
    const ready = await fetch(`${bridge.url}/health/ready`);
    expect(ready.status).toBe(200);
    // The simulator holds every step before the bridge has recorded the last answers (or, when an answer was
    // lost, reconciled them): none of these dossiers has an open call a little later. (The ledger's gauges count
    // every dossier of the store, which on PostgreSQL the other suites of the run share: asked per dossier.)
    // The circuit is not open by then; it may be half-open (1) when the last calls were lost answers, until the
    // next call closes it.
    await eventually(async () => {
      const heads = await Promise.all(codes.map((code) => bridge.repository.head(code)));
      return heads.every((h) => h === undefined) ? true : undefined;
    }, 60_000);
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${bridge.url}/metrics`)).text();
      return /lgsp_national_circuit_state\{[^}]*\} [01]\n/.test(text) ? text : undefined;
    }, 60_000);
    expect(metrics).toMatch(/lgsp_national_pending_calls\{[^}]*\} \d+\n/);
    expect(metrics).toMatch(/lgsp_national_delivered_total\{kind="delivered"[^}]*\} \d+/);

    // the operator sees the bridge's group in `lgsp lag`, caught up
    const group = env.NATIONAL_BRIDGE_CONSUMER_GROUP as string;
    const lag = await runCli(['--json', 'lag', '--group', group], { LGSP_API_KEY: OPERATOR });
    expect(lag.code).toBe(0);
    expect(JSON.parse(lag.stdout)).toMatchObject([
      { group, topics: expect.arrayContaining([expect.objectContaining({ topic, lag: 0 })]) },
    ]);
  }, 90_000);

  it('replans nothing when the dossier topic is read again from its start after a restart', async () => {
    await sim.sim.setFaults({ latency: { ms: 1000, rate: 1 } });
    const codes = Array.from({ length: 4 }, () => uniqueDossierCode());
    await publish(codes.flatMap((code, n) => dossierLifecycle(code, n)));
    await statusesAt(codes[0], 1);
    await bridge.close();
    // as after a crash between the ledger's commit and Kafka's: the group reads every record again
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({
      groupId: env.NATIONAL_BRIDGE_CONSUMER_GROUP as string,
      topic,
      earliest: true,
    });
    await admin.disconnect();
    bridge = await startNationalBridge({ ...loadNationalBridgeConfig(env), topic });
    await sim.sim.setFaults({});
    for (const code of codes) expect(await statusesAt(code, 5)).toEqual(['1', '2', '4', '9', '10']);
    const calls = (await (await fetch(`${sim.url}/sim/calls`)).json()) as {
      calls: { MaHoSo?: string; service?: string; result: string }[];
    };
    for (const code of codes)
      expect(calls.calls.filter((c) => c.MaHoSo === code && c.result === 'applied')).toHaveLength(10);
  }, 120_000);

  it('parks a refused call in lgsp.dlq, holds the later calls, and delivers them after `lgsp dlq redrive`', async () => {
    const code = uniqueDossierCode();
    const events = dossierLifecycle(code, 3).slice(0, 3);
    await publish(events.slice(0, 1));
    expect(await statusesAt(code, 1)).toEqual(['1']);
    // the next call is refused by the national side: the replace of the dossier's second event
    await sim.sim.setFaults({
      error: { status: 200, errorCode: '9', message: 'refused in the test', count: 1 },
    });
    await publish(events.slice(1));

    const deadLetters = new DeadLetters(kafka, settings);
    const letter = await eventually(async () => {
      const letters = await deadLetters.list({ code: 'LGSP_ERR_NATIONAL_REJECTED' });
      return letters.find((l) => l.key === code);
    }, 30_000);
    expect(letter).toMatchObject({ originalTopic: Topics.nationalRedrive, originalPartition: 0 });
    expect(letter.detail).toContain('error_code 9');
    const held = (await bridge.repository.dossiers([code])).get(code);
    expect(held).toMatchObject({ parked: true, openCalls: 4, lastError: 'rejected, HTTP 200, error_code 9' });
    expect((await simDossier(code))?.progress.map((s) => s.TrangThai)).toEqual(['1']);

    const cli = await runCli(['--json', '--yes', 'dlq', 'redrive', letter.id], { LGSP_API_KEY: OPERATOR });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({
      redriven: [{ id: letter.id, topic: Topics.nationalRedrive }],
    });

    expect(await statusesAt(code, 3)).toEqual(['1', '2', '4']);
    const done = await eventually(async () => {
      const d = (await bridge.repository.dossiers([code])).get(code);
      return d && d.openCalls === 0 ? d : undefined;
    });
    expect(done).toMatchObject({ parked: false, failingSince: null, lastError: null });
  }, 90_000);
});
