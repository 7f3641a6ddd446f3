/**
 * National bridge benchmark (not a test):
 *   npm run bench:national [-- --dossiers 2000 --backlog 100000 --concurrency 16 --profile /tmp/prof-national]
 *
 * Everything runs on its own: a Kafka broker of the run's own (or `--brokers`, one the benchmark has to itself),
 * a topic `lgsp.bench.national.<run>`, a consumer group of that run, a fresh store (PGlite in a temp folder, or
 * DATABASE_URL), and a national simulator (apps/national-sim) on a free port. The bridge runs in this process
 * (from source), beside the simulator and the load generator.
 * In one run it measures:
 *   1. the baseline: the DVCQG adapter alone sending the same calls to the same simulator, dossiers in parallel
 *      (`--concurrency`) and each dossier's calls in order: what HTTP and the simulator allow on this machine;
 *   2. the delivery rate: `--dossiers` dossiers (5 events each) published, then the bridge started with the
 *      national side up: calls/s from start to nothing pending, and the ratio to the baseline;
 *   3. the drain of a backlog: the national side down (connections refused) while `--backlog` events are
 *      published and taken into the bridge's ledger, then up again: the time until nothing is pending.
 * Prints the bridge's resident memory and the process CPU (bridge, simulator and load generator share it), and
 * with --profile <dir> where this process's time went, by category, from the bridge's start to the end of the drain.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { createKafka, EventProducer, loadKafkaSettings, toKafkaRecord, type RawRecord } from '@lgsp/kafka';
import {
  DvcqgRestAdapter,
  planDelivery,
  type DossierEvent,
  type DossierRecord,
  type NationalCall,
} from '@lgsp/national';
import { dossierLifecycle, sampleDossierCode, SAMPLE_AGENCIES } from '@lgsp/testing/samples';
import { loadNationalBridgeConfig } from '../apps/national-bridge/src/national-bridge.config';
import { startNationalBridge } from '../apps/national-bridge/src/national-bridge.app';
import { startNationalSim } from '../apps/national-sim/src/national-sim.app';
import { loadNationalSimConfig } from '../apps/national-sim/src/national-sim.config';
import { benchBroker, type BenchBroker } from './lib/broker';
import { formatShares, profileThisProcess } from './lib/profile';

const opts = new Command()
  .option('--dossiers <n>', 'dossiers (5 events each) for the delivery rate', '2000')
  .option('--backlog <n>', 'events in the backlog drained after the outage (a multiple of 5)', '100000')
  .option('--concurrency <n>', 'dossiers delivered at the same time', '16')
  .option(
    '--brokers <list>',
    'use this Kafka broker (one the benchmark has to itself) instead of starting one of its own',
  )
  .option(
    '--profile <dir>',
    "print where this process's time went (the bridge, the simulator and the load generator; V8 CPU profile) from the bridge's start to the end of the drain, and keep the profile in this folder",
  )
  .parse()
  .opts<{
    dossiers: string;
    backlog: string;
    concurrency: string;
    brokers?: string;
    profile?: string;
  }>();

const dossiers = Number(opts.dossiers);
const backlog = Number(opts.backlog);
const concurrency = Number(opts.concurrency);
for (const [name, value] of Object.entries({ dossiers, backlog, concurrency }))
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);

const EVENTS_PER_DOSSIER = 5;
const run = randomUUID().slice(0, 8);
const account = { username: 'bench', password: `bench-${run}` };
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const perSecond = (n: number, ms: number) => Math.round((n * 1000) / ms);

/**
 * `count` dossiers, `first` the index of the first, 5 events each. Codes are unique within the run (agency,
 * day, serial); the topic, the store and the simulator are the run's own, so no earlier run is seen.
 */
function lifecycles(first: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const day = new Date(Date.UTC(2026, 0, 1 + Math.floor(n / 10_000)));
    const code = sampleDossierCode(SAMPLE_AGENCIES[n % 2], day, n);
    return { code, events: dossierLifecycle(code, n).slice(0, EVENTS_PER_DOSSIER) };
  });
}

async function publish(producer: EventProducer, topic: string, list: ReturnType<typeof lifecycles>) {
  let batch: RawRecord[] = [];
  for (const d of list)
    for (const e of d.events) {
      batch.push(toKafkaRecord(e, d.code));
      if (batch.length >= 5000) {
        await producer.sendRaw(topic, batch);
        batch = [];
      }
    }
  if (batch.length > 0) await producer.sendRaw(topic, batch);
}

/** The baseline: the adapter alone, `concurrency` dossiers at a time, each dossier's calls in order. */
async function baseline(simUrl: string, list: ReturnType<typeof lifecycles>): Promise<number> {
  const adapter = new DvcqgRestAdapter({
    kind: 'dvcqg-rest',
    baseUrl: simUrl,
    loginPath: '/dvcqg/login',
    syncPath: '/dvcqg/sync',
    ...account,
    agencyCode: '000.00.00.H22',
    timeoutMs: 15_000,
  });
  const login = await adapter.login();
  if (login.kind !== 'delivered') throw new Error(`baseline login: ${login.kind}`);
  const plans: NationalCall[][] = list.map((d) => {
    let record: DossierRecord | undefined;
    const calls: NationalCall[] = [];
    for (const e of d.events) {
      const plan = planDelivery(record, e as unknown as DossierEvent, { systemActor: 'Hệ thống' });
      if (plan.kind !== 'deliver') throw new Error(`baseline plan of ${d.code}: ${plan.kind}`);
      record = plan.record;
      calls.push(...plan.calls);
    }
    return calls;
  });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < plans.length) {
        for (const call of plans[next++]) {
          const outcome = await adapter.send(call);
          if (outcome.kind !== 'delivered') throw new Error(`baseline call: ${outcome.kind}`);
        }
      }
    }),
  );
  const ms = performance.now() - started;
  await adapter.close();
  return perSecond(
    plans.reduce((n, p) => n + p.length, 0),
    ms,
  );
}

let broker: BenchBroker | undefined;

async function main(): Promise<void> {
  broker = await benchBroker('national', opts.brokers);
  const env = { ...process.env, ...broker.env };
  const kafka = createKafka(loadKafkaSettings(env, 'bench-national'));
  const producer = new EventProducer(kafka);
  await producer.connect();
  const sim = await startNationalSim({
    ...loadNationalSimConfig({}),
    port: 0,
    ...account,
    sessionTtlMs: 3_600_000,
    logLevel: 'error',
  });
  const cpuAtStart = process.cpuUsage();
  const wallAtStart = performance.now();
  let bridge: Awaited<ReturnType<typeof startNationalBridge>> | undefined;
  try {
    const baselineList = lifecycles(0, dossiers);
    const baselineRate = await baseline(sim.url, baselineList);
    process.stdout.write(
      `baseline: the adapter alone, ${dossiers * EVENTS_PER_DOSSIER * 2} calls, ${concurrency} dossiers at a time: ${baselineRate} calls/s\n`,
    );

    const topic = `lgsp.bench.national.${run}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
    await admin.disconnect();
    const rateList = lifecycles(dossiers, dossiers);
    await publish(producer, topic, rateList);
    const pgliteDir = env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'lgsp-bench-national-'));
    const config = {
      ...loadNationalBridgeConfig({
        ...env,
        NATIONAL_BRIDGE_PORT: '0',
        NATIONAL_BRIDGE_CONSUMER_GROUP: `lgsp-bench-national-${run}`,
        ...(pgliteDir ? { LGSP_PGLITE_DIR: pgliteDir } : {}),
        LGSP_DVCQG_URL: sim.url,
        LGSP_DVCQG_USERNAME: account.username,
        LGSP_DVCQG_PASSWORD: account.password,
        LGSP_DVCQG_AGENCY_CODE: '000.00.00.H22',
        LGSP_NATIONAL_RETRY_BASE_MS: '200',
        LGSP_NATIONAL_RETRY_MAX_MS: '2000',
        LGSP_NATIONAL_RETRY_MAX_ATTEMPTS: '1000',
        LGSP_NATIONAL_BREAKER_OPEN_MS: '1000',
        LGSP_NATIONAL_CONCURRENCY: String(concurrency),
        LOG_LEVEL: 'error',
      }),
      topic,
    };
    const calls = dossiers * EVENTS_PER_DOSSIER * 2;
    let started = performance.now();
    const profiler = opts.profile ? await profileThisProcess(opts.profile, 'national-bridge') : undefined;
    bridge = await startNationalBridge(config);
    const running = bridge;
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 500);
    /** Waits until none of the list's calls is pending, printing progress; a parked call ends the run. */
    const drained = async (list: ReturnType<typeof lifecycles>, label: string) => {
      const deadline = performance.now() + 30 * 60_000;
      for (let last = 0; ; await sleep(1000)) {
        if (performance.now() > deadline) throw new Error(`${label}: not drained in 30 minutes`);
        const t = await running.repository.totals();
        if (t.parked > 0) throw new Error(`${label}: ${t.parked} calls parked`);
        if (t.pending === 0) {
          const states = await running.repository.dossiers(list.map((d) => d.code));
          const open = [...states.values()].filter((s) => s.openCalls !== 0).length;
          if (states.size === list.length && open === 0) return;
        }
        if (performance.now() - last > 5000) {
          last = performance.now();
          process.stderr.write(`${label}: ${t.pending} calls pending\n`);
        }
      }
    };
    const backlogList = lifecycles(2 * dossiers, Math.ceil(backlog / EVENTS_PER_DOSSIER));
    await drained(rateList, 'delivery');
    const rateMs = performance.now() - started;
    const rate = perSecond(calls, rateMs);
    process.stdout.write(
      `delivery: ${dossiers} dossiers, ${calls} calls from Kafka to the simulator in ${(rateMs / 1000).toFixed(1)} s ` +
        `(bridge start included): ${rate} calls/s = ${((100 * rate) / baselineRate).toFixed(1)} % of the baseline\n`,
    );

    // The national side goes down (connections refused); the backlog is published and taken into the ledger.
    await sim.sim.setFaults({ downtime: { forMs: 3_600_000, mode: 'refuse' } });
    const backlogEvents = backlogList.length * EVENTS_PER_DOSSIER;
    const publishStarted = performance.now();
    await publish(producer, topic, backlogList);
    process.stderr.write(
      `backlog: ${backlogEvents} events published in ${((performance.now() - publishStarted) / 1000).toFixed(1)} s\n`,
    );
    const backlogCalls = backlogEvents * 2;
    for (let last = 0; ;) {
      const t = await running.repository.totals();
      if (t.pending >= backlogCalls) break;
      if (performance.now() - last > 5000) {
        last = performance.now();
        process.stderr.write(`backlog: ${t.pending} of ${backlogCalls} calls in the ledger\n`);
      }
      await sleep(500);
    }
    const queued = performance.now() - publishStarted;
    await sim.sim.setFaults({});
    started = performance.now();
    await drained(backlogList, 'backlog');
    const drainMs = performance.now() - started;
    clearInterval(sampler);
    const shares = await profiler?.stop();
    const cpu = process.cpuUsage(cpuAtStart);
    const wall = performance.now() - wallAtStart;
    process.stdout.write(
      `backlog: ${backlogEvents} events (${backlogCalls} calls) taken into the ledger in ${(queued / 1000).toFixed(1)} s ` +
        `while the national side was down; drained in ${(drainMs / 1000).toFixed(1)} s after it came back: ` +
        `${perSecond(backlogCalls, drainMs)} calls/s = ${((100 * perSecond(backlogCalls, drainMs)) / baselineRate).toFixed(1)} % of the baseline\n` +
        `process: peak RSS ${mb(peakRss)} (bridge, simulator and load generator in one process), ` +
        `CPU ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(0)} % of one core over ${(wall / 1000).toFixed(0)} s\n`,
    );
    if (shares)
      process.stdout.write(
        `where the time went in this process (bridge, simulator and load generator; V8 CPU profile): ${formatShares(shares)}\n`,
      );
  } finally {
    await bridge?.close();
    await sim.close();
    await producer.disconnect();
    await broker.stop();
  }
}

process.once('SIGINT', () => {
  void (broker?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    // a failure before main's own cleanup (the broker's start, the simulator's) leaves the broker to stop here
    await broker?.stop();
    process.exit(1);
  },
);
