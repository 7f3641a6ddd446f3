/**
 * Read-model rebuild benchmark (not a test):
 *   npm run bench:rebuild [-- --events 1000000 --database-url postgres://… --profile /tmp/prof-rebuild]
 * Starts a Kafka broker of its own (bench/lib/broker.ts), fills a topic with realistic dossier lifecycles (5
 * events per dossier), then measures in one run on that same topic:
 *   1. the baseline: Kafka's own consumer performance tool (same jars as the broker), records/s;
 *   2. the dossier rebuild (ReadModelRebuild.run: read, validate, project into a side schema, switch)
 *      into a fresh store (PGlite in a temp folder, or DATABASE_URL), events/s and resident memory sampled
 *      as it goes, so that growth with the topic's size shows; the CPU of this process, the broker and a local
 *      PostgreSQL; with --profile, where this process's time went.
 * The store is the run's own: a fresh PGlite folder, or with --database-url a fresh database on that server
 * (dropped at the end).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { createKafka, EventProducer, ensureTopics, loadKafkaSettings, toKafkaRecord } from '@lgsp/kafka';
import { SchemaRegistry } from '@lgsp/schema-registry';
import { openDatabase } from '@lgsp/store';
import { createDatabase, dropDatabases } from '@lgsp/testing/databases';
import { runKafkaTool } from '@lgsp/testing/kafka-tools';
import { dossierLifecycle, sampleDossierCode, SAMPLE_AGENCIES } from '@lgsp/testing/samples';
import { ReadModelRebuild, type RebuildStatus } from '@lgsp/domain-service';
import { DossierRepository } from '../apps/dossier/src/dossier.repository';
import { DossierProjectionService } from '../apps/dossier/src/dossier-projection.service';
import { benchBroker, retriable } from './lib/broker';
import { formatShares, profileThisProcess } from './lib/profile';
import { cpuBetween, cpuMs, cpuOfCommand, loadGeneratorCpuMs } from './lib/services';

const opts = new Command()
  .option('--events <n>', 'events in the topic (a multiple of 5)', '1000000')
  .option('--topic <name>', 'topic to fill and rebuild from', 'lgsp.bench.dossier.events')
  .option('--database-url <url>', 'rebuild into a fresh database on this PostgreSQL server instead of PGlite')
  .option('--profile <dir>', "print where this process's time went during the rebuild (V8 CPU profile)")
  .option('--brokers <list>', 'use this broker (one the benchmark has to itself) instead of starting one')
  .parse()
  .opts<{ events: string; topic: string; databaseUrl?: string; profile?: string; brokers?: string }>();
const wanted = Number(opts.events);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function fill(kafka: ReturnType<typeof createKafka>, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const have = (await retriable(() => admin.fetchTopicOffsets(topic))).reduce(
    (n, p) => n + Number(p.high) - Number(p.low),
    0,
  );
  await admin.disconnect();
  if (have >= wanted) return have;
  const producer = new EventProducer(kafka);
  await producer.connect();
  const started = Date.now();
  const dossiers = Math.ceil((wanted - have) / 5);
  const offset = Math.floor(have / 5);
  for (let i = 0; i < dossiers; i += 2000) {
    const records: ReturnType<typeof toKafkaRecord>[] = [];
    for (let j = i; j < Math.min(dossiers, i + 2000); j++) {
      const n = offset + j;
      const day = new Date(Date.UTC(2020 + (n % 7), Math.floor(n / 7) % 12, 1 + (Math.floor(n / 84) % 28)));
      const code = sampleDossierCode(SAMPLE_AGENCIES[n % 2], day, Math.floor(n / 2352));
      for (const e of dossierLifecycle(`${code}`, n)) records.push(toKafkaRecord(e, code));
    }
    await retriable(() => producer.sendRaw(topic, records));
    if (i % 40_000 === 0) process.stderr.write(`filling ${topic}: ${have + (i + 2000) * 5} events\n`);
  }
  await producer.disconnect();
  process.stderr.write(`filled in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return have + dossiers * 5;
}

function consumerBaseline(brokers: string, topic: string, records: number): { perSec: number; line: string } {
  const line = runKafkaTool('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--messages',
    String(records),
    '--group',
    `lgsp-bench-perf-${randomUUID()}`,
    '--timeout',
    '60000',
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const fields = line.split(',').map((f) => f.trim());
  return { perSec: Number(fields[5]), line };
}

async function main(): Promise<void> {
  const broker = await benchBroker('rebuild', opts.brokers);
  const databaseName = `lgsp_bench_${randomUUID().slice(0, 8)}_rebuild`;
  try {
    await measure(broker.brokers, broker.pid);
  } finally {
    if (opts.databaseUrl) await dropDatabases(opts.databaseUrl, [databaseName]).catch(() => undefined);
    await broker.stop();
  }

  async function measure(brokers: string, brokerPid: number | undefined): Promise<void> {
    const settings = loadKafkaSettings(
      { KAFKA_BROKERS: brokers, KAFKA_SECURITY: 'plaintext' },
      'bench-rebuild',
    );
    const kafka = createKafka(settings);
    await ensureTopics(kafka, settings, [{ topic: opts.topic, partitions: settings.partitions, config: {} }]);
    const records = await fill(kafka, opts.topic);

    const baseline = consumerBaseline(brokers, opts.topic, records);

    const db = await openDatabase({
      databaseUrl: opts.databaseUrl ? await createDatabase(opts.databaseUrl, databaseName) : undefined,
      pgliteDir: mkdtempSync(join(tmpdir(), 'lgsp-bench-rebuild-')),
    });
    const live = new DossierRepository(db, 'dossier');
    await live.migrate();
    const registry = new SchemaRegistry();
    const sut = new ReadModelRebuild(db, kafka, opts.topic, {
      live,
      in: (schema) => new DossierRepository(db, schema),
      projection: (model) => new DossierProjectionService(model, registry),
    });
    let peak = process.memoryUsage().rss;
    const samples: string[] = [];
    let nextMark = 0.1;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
    const status: RebuildStatus = {
      id: randomUUID(),
      state: 'running',
      requestedBy: 'bench',
      topic: opts.topic,
      startedAt: new Date().toISOString(),
      total: 0,
      processed: 0,
      refused: 0,
      eventsPerSecond: 0,
    };
    const cpu = () => ({
      self: loadGeneratorCpuMs(),
      broker: brokerPid ? cpuMs(brokerPid) : 0,
      postgres: opts.databaseUrl ? cpuOfCommand('postgres') : new Map<number, number>(),
    });
    const profiler = opts.profile ? await profileThisProcess(opts.profile, 'rebuild') : undefined;
    const cpuBefore = cpu();
    const started = Date.now();
    const end = await sut.run(status, new AbortController().signal, (s) => {
      while (s.total > 0 && s.processed / s.total >= nextMark && nextMark <= 1) {
        samples.push(
          `${Math.round(nextMark * 100)}%: rss ${mb(process.memoryUsage().rss)}, ${s.eventsPerSecond}/s`,
        );
        process.stderr.write(`rebuild ${samples.at(-1)}\n`);
        nextMark = Math.round((nextMark + 0.1) * 10) / 10;
      }
    });
    clearInterval(sampler);
    const wall = Date.now() - started;
    const cpuAfter = cpu();
    const shares = await profiler?.stop();
    const seconds = wall / 1000;
    const perSec = end.processed / seconds;
    const dossiers = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM dossier.dossiers');
    await db.close();
    const share = (k: keyof typeof cpuBefore) => {
      const ms =
        k === 'postgres' ? cpuBetween(cpuBefore.postgres, cpuAfter.postgres) : cpuAfter[k] - cpuBefore[k];
      return `${((ms / wall) * 100).toFixed(0)}%`;
    };

    console.log(
      `\nrebuild benchmark: topic ${opts.topic}, ${records} events, store ${db.kind}, a broker of its own`,
    );
    console.log(
      `kafka ConsumerPerformance (baseline): ${baseline.perSec.toFixed(0)} records/s   (${baseline.line})`,
    );
    console.log(
      `dossier rebuild          : ${perSec.toFixed(0)} events/s, ${end.processed} events in ${seconds.toFixed(1)} s, state ${end.state}, ${dossiers.rows[0].n} dossiers, refused ${end.refused}`,
    );
    if (end.error) console.log(`rebuild error            : ${end.error}`);
    console.log(
      `CPU (% of one core)      : rebuild process ${share('self')} · Kafka broker ${share('broker')}` +
        (opts.databaseUrl ? ` · database server ${share('postgres')}` : ''),
    );
    if (shares) console.log(`where the time went      : ${formatShares(shares)}`);
    console.log(
      `memory (rss)             : peak ${mb(peak)} (goal ≤ 300 MB, flat); by progress: ${samples.join('; ')}`,
    );
    console.log(
      `rebuild ÷ Kafka ConsumerPerformance: ${((perSec / baseline.perSec) * 100).toFixed(1)}% (goal ≥ 50%)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
