/**
 * Ingest benchmark (not a test): `npm run bench:ingest [-- --seconds 15 --connections 64 --batch 100]`.
 * Starts the ingest app against the configured broker (KAFKA_BROKERS, default the local one) with a
 * fresh PGlite store, then measures in one run:
 *   1. single events over HTTP (structured mode, acks=all): events/s, p50/p99 latency;
 *   2. batches over HTTP (application/cloudevents-batch+json): events/s;
 *   3. the baseline: Kafka's own producer performance tool (same jars as the broker) with acks=all
 *      and the same record size.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Command } from 'commander';
import { createKafka, ensureTopics, loadKafkaSettings, toKafkaRecord } from '@lgsp/kafka';
import { runKafkaTool } from '@lgsp/testing/kafka-tools';
import { event, sampleDossierCode, submitted } from '@lgsp/testing/samples';

const opts = new Command()
  .option('--seconds <n>', 'duration of each HTTP phase', '15')
  .option('--connections <n>', 'concurrent HTTP connections', '64')
  .option('--batch <n>', 'events per batch request', '100')
  .option('--records <n>', 'records for the Kafka producer baseline', '300000')
  .parse()
  .opts<{ seconds: string; connections: string; batch: string; records: string }>();

const KEY = 'dev-publisher-key-000.00.01.H22';
const port = 3900;
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
// The local development broker has no authentication (KAFKA_SECURITY=plaintext) unless the shell says otherwise.
const security = process.env.KAFKA_SECURITY ?? 'plaintext';
let n = 0;
function nextEvent() {
  n++;
  const code = sampleDossierCode('000.00.01.H22', new Date(Date.UTC(2026, 0, 1 + (n % 365))), n);
  return event('vn.lgsp.dossier.submitted.v1', submitted(code, n));
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer`);
}

async function httpPhase(
  batch: number,
): Promise<{ eventsPerSec: number; p50: number; p99: number; errors: number }> {
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
  const ok = result['2xx'];
  return {
    eventsPerSec: (ok * batch) / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

function producerBaseline(recordSize: number): string {
  const topic = 'lgsp.bench.producer-perf';
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

async function main(): Promise<void> {
  const settings = loadKafkaSettings({ KAFKA_BROKERS: brokers, KAFKA_SECURITY: security }, 'bench');
  const kafka = createKafka(settings);
  await ensureTopics(kafka, settings, [
    { topic: 'lgsp.bench.producer-perf', partitions: settings.partitions, config: {} },
  ]);
  const sample = nextEvent();
  const recordSize = toKafkaRecord(sample, sample.data.MaHoSo).value.length;

  const app = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/ingest/main.ts'],
    {
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers,
        KAFKA_SECURITY: security,
        INGEST_PORT: String(port),
        LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-bench-')),
        LOG_LEVEL: 'warn',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await waitFor(`http://127.0.0.1:${port}/health/ready`);
    await httpPhase(1); // warm-up is thrown away
    const single = await httpPhase(1);
    const batched = await httpPhase(Number(opts.batch));
    const baseline = producerBaseline(recordSize);
    const rawPerSec = Number(/([\d.]+) records\/sec/.exec(baseline)?.[1] ?? NaN);
    console.log(
      `\ningest benchmark (${opts.connections} connections, ${opts.seconds}s per phase, record ${recordSize} B, acks=all)`,
    );
    console.log(
      `single events over HTTP : ${single.eventsPerSec.toFixed(0)} events/s, p50 ${single.p50} ms, p99 ${single.p99} ms, errors ${single.errors}`,
    );
    console.log(
      `batches of ${opts.batch} over HTTP : ${batched.eventsPerSec.toFixed(0)} events/s, p50 ${batched.p50} ms/request, p99 ${batched.p99} ms/request, errors ${batched.errors}`,
    );
    console.log(`kafka producer-perf-test: ${baseline}`);
    console.log(
      `batch ingest / raw producer: ${((batched.eventsPerSec / rawPerSec) * 100).toFixed(1)}% (goal >= 50%)`,
    );
    console.log(
      `single events: ${single.eventsPerSec >= 10_000 ? 'meets' : 'misses'} 10,000/s; p99 ${single.p99 < 20 ? 'meets' : 'misses'} < 20 ms`,
    );
  } finally {
    app.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
