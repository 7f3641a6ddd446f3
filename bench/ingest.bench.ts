/**
 * Ingest benchmark (not a test): `npm run bench:ingest [-- --seconds 15 --connections 64 --batch 100]`.
 * Starts a Kafka broker of its own (bench/lib/broker.ts) and the compiled ingest app with a fresh store (PGlite,
 * or with --database-url a fresh PostgreSQL database), then measures in one run:
 *   1. single events over HTTP (structured mode, acks=all): events/s, p50/p99 latency;
 *   2. batches over HTTP (application/cloudevents-batch+json): events/s;
 *   3. the baseline: Kafka's own producer performance tool (same jars as the broker) with acks=all,
 *      idempotence on and the same record size, on the same broker.
 * For each phase: the CPU each process spent (ingest, the load generator, the broker, a local PostgreSQL);
 * with --profile <dir>, where the ingest process's time went (hub code, database, Kafka client, idle…).
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { Command } from 'commander';
import { createKafka, ensureTopics, loadKafkaSettings, toKafkaRecord } from '@lgsp/kafka';
import { runKafkaTool } from '@lgsp/testing/kafka-tools';
import { event, sampleDossierCode, submitted } from '@lgsp/testing/samples';
import { benchBroker, freePort, retriable } from './lib/broker';
import { BenchServices, cpuPerUnit, ensureBuilt, formatCpuShare, untilReady } from './lib/services';

const opts = new Command()
  .option('--seconds <n>', 'duration of each HTTP phase', '15')
  .option('--connections <n>', 'concurrent HTTP connections', '64')
  .option('--batch <n>', 'events per batch request', '100')
  .option('--records <n>', 'records for the Kafka producer baseline', '300000')
  .option('--profile <dir>', 'write a V8 CPU profile of the ingest process into this directory')
  .option('--database-url <url>', 'receipts in a fresh database on this PostgreSQL server instead of PGlite')
  .option('--brokers <list>', 'use this broker (one the benchmark has to itself) instead of starting one')
  .parse()
  .opts<{
    seconds: string;
    connections: string;
    batch: string;
    records: string;
    profile?: string;
    databaseUrl?: string;
    brokers?: string;
  }>();

const KEY = 'dev-publisher-key-000.00.01.H22';
let port = 0;
const run = randomUUID().slice(0, 8);
let n = 0;
function nextEvent() {
  n++;
  const code = sampleDossierCode('000.00.01.H22', new Date(Date.UTC(2026, 0, 1 + (n % 365))), n);
  return event('vn.lgsp.dossier.submitted.v1', submitted(code, n));
}

async function httpPhase(services: BenchServices, batch: number) {
  const before = services.cpuSnapshot();
  const started = Date.now();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/events`,
    method: 'POST',
    connections: Number(opts.connections),
    duration: Number(opts.seconds),
    headers: {
      'x-api-key': KEY,
      'content-type': batch > 1 ? 'application/cloudevents-batch+json' : 'application/cloudevents+json',
    },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify(batch > 1 ? Array.from({ length: batch }, nextEvent) : nextEvent()),
        }),
      },
    ],
  });
  const after = services.cpuSnapshot();
  const cpu = formatCpuShare(before, after, Date.now() - started);
  const events = result['2xx'] * batch;
  return {
    /** the ingest process's CPU per accepted event: what bounds it once it has a core of its own */
    ingestCpuMsPerEvent: cpuPerUnit(before, after, events).get('ingest') ?? NaN,
    eventsPerSec: events / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    cpu,
  };
}

function producerBaseline(brokers: string, topic: string, recordSize: number): string {
  return runKafkaTool('org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    topic,
    '--num-records',
    opts.records,
    '--record-size',
    String(recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers}`,
    'acks=all',
    'enable.idempotence=true',
  ]);
}

/** The ingest process's CPU per event, and the rate one core would allow at that cost. */
function ceiling(msPerEvent: number): string {
  return (
    `ingest CPU per event ${msPerEvent.toFixed(3)} ms: at most ${(1000 / msPerEvent).toFixed(0)} events/s ` +
    'on a core of its own'
  );
}

async function main(): Promise<void> {
  const broker = await benchBroker('ingest', opts.brokers);
  const services = new BenchServices(
    { run, profileDir: opts.profile, databaseUrl: opts.databaseUrl },
    broker.env,
    broker.pid,
  );
  try {
    ensureBuilt();
    const settings = loadKafkaSettings(broker.env, 'bench');
    const baselineTopic = `lgsp.bench.producer-perf.${run}`;
    const kafka = createKafka(settings);
    // the hub's topics before the app starts (on a fresh broker a topic is led a moment after it is created)
    await retriable(() => ensureTopics(kafka, settings));
    await retriable(() =>
      ensureTopics(kafka, settings, [{ topic: baselineTopic, partitions: settings.partitions, config: {} }]),
    );
    port = await freePort();
    const sample = nextEvent();
    const recordSize = toKafkaRecord(sample, sample.data.MaHoSo).value.length;

    services.start(
      'ingest',
      { app: 'ingest' },
      { INGEST_PORT: String(port), ...(await services.storeFor('ingest')) },
    );
    await untilReady('ingest', `http://127.0.0.1:${port}/health/ready`);
    await httpPhase(services, 1); // warm-up is thrown away
    const single = await httpPhase(services, 1);
    const batched = await httpPhase(services, Number(opts.batch));
    const baselineStarted = services.cpuSnapshot();
    const baselineAt = Date.now();
    const baseline = producerBaseline(broker.brokers, baselineTopic, recordSize);
    const baselineCpu = formatCpuShare(baselineStarted, services.cpuSnapshot(), Date.now() - baselineAt);
    const rawPerSec = Number(/([\d.]+) records\/sec/.exec(baseline)?.[1] ?? NaN);
    console.log(
      `\ningest benchmark (${opts.connections} connections, ${opts.seconds}s per phase, record ${recordSize} B, acks=all, ` +
        `receipts in ${opts.databaseUrl ? 'PostgreSQL' : 'PGlite'}, compiled code, a broker of its own)`,
    );
    console.log(
      `single events over HTTP : ${single.eventsPerSec.toFixed(0)} events/s, p50 ${single.p50} ms, p99 ${single.p99} ms, errors ${single.errors}`,
    );
    console.log(`  CPU (% of one core): ${single.cpu}`);
    console.log(`  ${ceiling(single.ingestCpuMsPerEvent)}`);
    console.log(
      `batches of ${opts.batch} over HTTP : ${batched.eventsPerSec.toFixed(0)} events/s, p50 ${batched.p50} ms/request, p99 ${batched.p99} ms/request, errors ${batched.errors}`,
    );
    console.log(`  CPU (% of one core): ${batched.cpu}`);
    console.log(`  ${ceiling(batched.ingestCpuMsPerEvent)}`);
    console.log(`kafka ProducerPerformance (baseline, same broker): ${baseline}`);
    console.log(`  CPU (% of one core; the tool itself is a JVM outside these figures): ${baselineCpu}`);
    console.log(
      `batch ingest ÷ Kafka ProducerPerformance: ${((batched.eventsPerSec / rawPerSec) * 100).toFixed(1)}% (goal ≥ 50%)`,
    );
    console.log(
      `single events: ${single.eventsPerSec.toFixed(0)}/s ${single.eventsPerSec >= 10_000 ? 'meets' : 'misses'} 10,000/s; ` +
        `p99 ${single.p99} ms ${single.p99 < 20 ? 'meets' : 'misses'} < 20 ms`,
    );
  } finally {
    await services.stop();
    services.printProfileSummary();
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
