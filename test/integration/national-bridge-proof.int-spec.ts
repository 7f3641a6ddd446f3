import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka, EventProducer, loadKafkaSettings, toKafkaRecord } from '@lgsp/kafka';
import type { TienDoHoSo } from '@lgsp/national';
import { createTestTopic, dossierLifecycle, eventually, sampleDossierCode } from '@lgsp/testing';
import { loadNationalBridgeConfig } from '../../apps/national-bridge/src/national-bridge.config';
import { startNationalBridge } from '../../apps/national-bridge/src/national-bridge.app';
import { startTestNationalSim } from './national-sim.fixture';

const DOSSIERS = 1000;
const DOWNTIME_MS = 15_000;
const FLAKY_MS = 15_000;

interface SimCallView {
  MaHoSo?: string;
  isUpdating?: string;
  result: string;
}

/**
 * The proof of the outbound bridge: 1,000 dossiers with 3 to 5 status changes each, published to the real
 * broker, delivered to the national simulator over HTTP through an outage (the simulator answers 503) and a
 * flaky period (503 and 500 answers, answers lost after processing, latency). At the end every status is at
 * the simulator, in order per dossier, none twice, one national record per dossier, and nothing is parked.
 */
describe('national bridge: 1,000 dossiers through an outage and a flaky national side (integration)', () => {
  const settings = loadKafkaSettings(process.env, 'national-bridge-proof');
  const kafka: Kafka = createKafka(settings);
  const producer = new EventProducer(kafka);
  let sim: Awaited<ReturnType<typeof startTestNationalSim>>;
  let bridge: Awaited<ReturnType<typeof startNationalBridge>> | undefined;

  beforeAll(async () => {
    await producer.connect();
    sim = await startTestNationalSim('proof', 'error');
  }, 60_000);
  afterAll(async () => {
    await bridge?.close();
    await sim?.close();
    await producer.disconnect();
  }, 60_000);

  it('delivers every status in order, none twice, one record per dossier, nothing parked', async () => {
    const topic = await createTestTopic(kafka, 6);
    const day = new Date(Date.UTC(2026, 10, 2));
    const agency = `000.00.0${1 + Math.floor(Math.random() * 2)}.H22`;
    const run = Math.floor(Math.random() * 1000);
    const dossiers = Array.from({ length: DOSSIERS }, (_, n) => {
      const code = sampleDossierCode(agency, new Date(day.getTime() + run * 86_400_000), n);
      return { code, events: dossierLifecycle(code, n).slice(0, 3 + (n % 3)) };
    });
    const expected = new Map(
      dossiers.map((d) => [
        d.code,
        d.events.map((e) => String((e.data as { TrangThaiHoSo: number }).TrangThaiHoSo)),
      ]),
    );
    await producer.sendRaw(
      topic,
      dossiers.flatMap((d) => d.events.map((e) => toKafkaRecord(e, d.code))),
    );
    const events = dossiers.reduce((n, d) => n + d.events.length, 0);

    // the national side is down when the bridge starts
    await sim.sim.setFaults({ downtime: { forMs: DOWNTIME_MS, mode: '503', retryAfterSeconds: 1 } });
    const started = Date.now();
    bridge = await startNationalBridge({
      ...loadNationalBridgeConfig({
        ...process.env,
        NATIONAL_BRIDGE_PORT: '0',
        NATIONAL_BRIDGE_CONSUMER_GROUP: `lgsp-national-bridge-proof-${randomUUID()}`,
        LGSP_PGLITE_DIR: 'memory',
        LGSP_DVCQG_URL: sim.url,
        LGSP_DVCQG_USERNAME: 'proof',
        LGSP_DVCQG_PASSWORD: 'proof-password',
        LGSP_DVCQG_AGENCY_CODE: '000.00.00.H22',
        LGSP_NATIONAL_TIMEOUT_MS: '5000',
        LGSP_NATIONAL_RETRY_BASE_MS: '100',
        LGSP_NATIONAL_RETRY_MAX_MS: '2000',
        LGSP_NATIONAL_RETRY_MAX_ATTEMPTS: '12',
        LGSP_NATIONAL_BREAKER_OPEN_MS: '1000',
        LGSP_NATIONAL_CONCURRENCY: '16',
        LOG_LEVEL: 'error',
      }),
      topic,
    });
    const running = bridge;
    // the nation being down does not make the bridge unready
    expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await sleep(DOWNTIME_MS);
    const duringOutage = await running.repository.totals();
    // then flaky: refused for a while (503), failing after processing maybe (500), answers lost, slow answers
    await sim.sim.setFaults({
      error: { status: 503, retryAfterSeconds: 1, rate: 0.1 },
      drop: { rate: 0.05 },
      latency: { ms: 30, rate: 0.2 },
    });
    await sleep(FLAKY_MS);
    await sim.sim.setFaults({
      error: { status: 500, rate: 0.1 },
      drop: { rate: 0.05 },
      latency: { ms: 30, rate: 0.2 },
    });
    await sleep(FLAKY_MS);
    await sim.sim.setFaults({});

    const totals = await eventually(async () => {
      const t = await running.repository.totals();
      return t.pending === 0 ? t : undefined;
    }, 150_000);
    const drained = Date.now() - started;

    const seen = new Map<string, string[]>();
    for (let i = 0; i < dossiers.length; i += 50)
      await Promise.all(
        dossiers.slice(i, i + 50).map(async ({ code }) => {
          const response = await fetch(`${sim.url}/sim/dossiers/${encodeURIComponent(code)}`);
          expect(response.status).toBe(200);
          const d = (await response.json()) as { progress: TienDoHoSo[]; record: { TrangThaiHoSo: string } };
          seen.set(
            code,
            d.progress.map((s) => s.TrangThai),
          );
          expect(d.record.TrangThaiHoSo).toBe(expected.get(code)?.at(-1));
        }),
      );
    const wrong = dossiers.filter(
      (d) => JSON.stringify(seen.get(d.code)) !== JSON.stringify(expected.get(d.code)),
    );
    expect(
      wrong.map((d) => ({ code: d.code, expected: expected.get(d.code), seen: seen.get(d.code) })),
    ).toEqual([]);

    const creates = (
      (await (await fetch(`${sim.url}/sim/calls?service=DongBoHoSoMC`)).json()) as { calls: SimCallView[] }
    ).calls.filter((c) => c.isUpdating === 'False' && c.result === 'applied');
    const recordsPer = new Map<string, number>();
    for (const c of creates) if (c.MaHoSo) recordsPer.set(c.MaHoSo, (recordsPer.get(c.MaHoSo) ?? 0) + 1);
    expect(dossiers.filter((d) => recordsPer.get(d.code) !== 1)).toEqual([]);

    const states = await running.repository.dossiers(dossiers.map((d) => d.code));
    const tries = [...states.values()].reduce((n, d) => n + d.attempts, 0);
    const calls = events * 2;
    const simCalls = ((await (await fetch(`${sim.url}/sim/calls`)).json()) as { calls: SimCallView[] }).calls;
    const faults = simCalls.filter((c) => c.result === 'fault').length;
    expect(totals.parked).toBe(0);
    expect([...states.values()].filter((d) => d.parked || d.openCalls !== 0)).toEqual([]);
    process.stdout.write(
      `national bridge proof: ${DOSSIERS} dossiers, ${events} events, ${calls} calls delivered in ` +
        `${(drained / 1000).toFixed(1)} s from start (outage ${DOWNTIME_MS / 1000} s, flaky ${(2 * FLAKY_MS) / 1000} s); ` +
        `${tries} tries counted (${(tries / calls).toFixed(2)} per call), ${simCalls.length} requests at the simulator ` +
        `(${faults} answered with a fault), ${duringOutage.pending} calls pending during the outage, parked ${totals.parked}\n`,
    );
  }, 240_000);
});
