/**
 * Freshness benchmark (not a test): `npm run bench:freshness [-- --rate 1000 --seconds 30 --sample 50]`.
 * How long after ingest accepts an event can a consumer read it through the gateway, while events keep coming?
 * Goal (issue): accepted → queryable p99 ≤ 100 ms while 1,000 events/s are published.
 *
 * Starts a broker of the run's own and the compiled services, each its own process: ingest, the dossier service
 * (projection + subgraph) and the gateway over it. Then, for `--seconds`:
 *   - publishes dossier `submitted` events at a steady `--rate` (a scheduler sends the events due every 10 ms,
 *     each event its own request over keep-alive connections, at most `--connections` in flight);
 *   - follows one event in `--sample`: from its 202, asks the gateway for the dossier every `--poll-ms` until an
 *     answer shows it; accepted → queryable is the time from the 202 to that answer (30 s at most, then lost).
 * The first 3 s are a warm-up and thrown away. The baseline, measured in the same run on the same broker once the
 * services have stopped: Kafka's own end-to-end latency tool (produce with acks=all, consume; one record at a
 * time) with records of one event's size.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { runKafkaTool } from '@lgsp/testing/kafka-tools';
import { event, sampleDossierCode, submitted } from '@lgsp/testing/samples';
import { benchBroker, freePort, type BenchBroker } from './lib/broker';
import { BenchServices, ensureBuilt, formatCpuShare, untilReady } from './lib/services';

const opts = new Command()
  .option('--rate <n>', 'events published per second', '1000')
  .option('--seconds <n>', 'how long events are published', '30')
  .option('--sample <n>', 'one event in N is followed until it is queryable', '50')
  .option('--connections <n>', 'publish requests in flight at most (keep-alive connections)', '64')
  .option('--poll-ms <n>', 'pause between two questions to the gateway about one followed event', '5')
  .option('--baseline-records <n>', "records sent by Kafka's end-to-end latency tool", '1000')
  .option('--profile <dir>', 'write a V8 CPU profile of each service into this directory')
  .option(
    '--database-url <url>',
    "keep every service's store in PostgreSQL (a fresh database per service on this server, dropped at the end) instead of PGlite",
  )
  .option('--brokers <list>', 'use this broker (one the benchmark has to itself) instead of starting one')
  .parse()
  .opts<{
    rate: string;
    seconds: string;
    sample: string;
    connections: string;
    pollMs: string;
    baselineRecords: string;
    profile?: string;
    databaseUrl?: string;
    brokers?: string;
  }>();

const rate = Number(opts.rate);
const seconds = Number(opts.seconds);
const sampleEvery = Number(opts.sample);
const connections = Number(opts.connections);
const pollMs = Number(opts.pollMs);
const baselineRecords = Number(opts.baselineRecords);
for (const [name, value] of Object.entries({
  rate,
  seconds,
  sample: sampleEvery,
  connections,
  baselineRecords,
}))
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
if (!Number.isFinite(pollMs) || pollMs < 0) throw new Error('--poll-ms must be a number ≥ 0');

const WARM_UP_MS = 3000;
const TICK_MS = 10;
const GIVE_UP_MS = 30_000;
const GOAL_P99_MS = 100;
const PUBLISHER_KEY = 'dev-publisher-key-000.00.01.H22';
const AGENCY = '000.00.01.H22';
const CONSUMER_HEADERS = {
  'content-type': 'application/json',
  'x-api-key': 'dev-consumer-key-ioc',
  'x-lgsp-purpose': 'public-service',
};
const QUERY = 'query Freshness($code: String!) { dossier(code: $code) { code status } }';
const run = `fresh_${randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Dossier codes of this run: a random first day (2000–2024) and serial, then one serial after the other and the
 * next day after serial 9999, so no two events of the run share a code and another run's codes are unlikely.
 */
const firstSerial = Math.floor(Math.random() * 10_000);
const firstDay = Date.UTC(2000, 0, 1) + Math.floor(Math.random() * 9000) * 86_400_000;
function dossierCode(n: number): string {
  const k = firstSerial + n;
  return sampleDossierCode(AGENCY, new Date(firstDay + Math.floor(k / 10_000) * 86_400_000), k);
}

/** TCP ports nobody listens on now, one per service, all different. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * One POST over a keep-alive agent (node:http: cheaper per request than fetch, so the load generator takes
 * less of the cores it shares with the services); the status and the body as text.
 */
function post(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : '–');

class Freshness {
  private readonly ingestAgent = new Agent({ keepAlive: true, maxSockets: connections });
  /** Followed events are few at a time; each asks again only once its previous answer is in. */
  private readonly gatewayAgent = new Agent({ keepAlive: true, maxSockets: 32 });

  constructor(
    private readonly ingestUrl: URL,
    private readonly gatewayUrl: URL,
  ) {}

  /**
   * Questions asked to the gateway so far: each costs the gateway and the subgraph a policy check and an audit
   * entry, load on the same cores as the path measured.
   */
  questions = 0;

  publish(n: number, code = dossierCode(n)): Promise<{ status: number; text: string }> {
    const body = JSON.stringify(event('vn.lgsp.dossier.submitted.v1', submitted(code, n)));
    return post(
      this.ingestAgent,
      this.ingestUrl,
      { 'content-type': 'application/cloudevents+json', 'x-api-key': PUBLISHER_KEY },
      body,
    );
  }

  /** Asks the gateway for `code` until an answer shows it; the time of that answer, or undefined at `deadline`. */
  async follow(code: string, deadline: number): Promise<{ at?: number; last: string; pollErrors: number }> {
    const body = JSON.stringify({ query: QUERY, variables: { code } });
    let last = 'no answer';
    let pollErrors = 0;
    for (;;) {
      try {
        this.questions++;
        const answer = await post(this.gatewayAgent, this.gatewayUrl, CONSUMER_HEADERS, body);
        const at = performance.now();
        last = `${answer.status} ${answer.text.slice(0, 300)}`;
        const parsed = JSON.parse(answer.text) as { data?: { dossier?: { code?: string } | null } };
        if (answer.status === 200 && parsed.data?.dossier?.code === code) return { at, last, pollErrors };
        if (answer.status !== 200) pollErrors++;
      } catch (error) {
        pollErrors++;
        last = error instanceof Error ? error.message : String(error);
      }
      if (performance.now() >= deadline) return { last, pollErrors };
      await sleep(pollMs);
    }
  }

  close(): void {
    this.ingestAgent.destroy();
    this.gatewayAgent.destroy();
  }
}

interface LoadResult {
  sent: number;
  accepted: number;
  errors: Map<string, number>;
  /** publish window: first send to last answer */
  wallMs: number;
  /** events sent and answered after the warm-up, and over how long */
  measuredSent: number;
  measuredMs: number;
  /**
   * how late the scheduler sent the events after the warm-up against their due time (late: every connection
   * was busy, or the generator itself fell behind)
   */
  lateP99: number;
  lateMax: number;
  latencies: number[];
  lost: { code: string; last: string }[];
  pollErrors: number;
  /** questions to the gateway per second after the warm-up, while publishing */
  questionsPerSec: number;
  warmUpSamples: number;
  cpuShare: string;
}

/**
 * The steady load and the followed events. Every TICK_MS the events due by then are queued and sent while fewer
 * than `connections` are in flight; each sampled event is followed from its 2xx on.
 */
async function measure(services: BenchServices, freshness: Freshness): Promise<LoadResult> {
  const total = rate * seconds;
  const errors = new Map<string, number>();
  const followed: Promise<void>[] = [];
  const latencies: number[] = [];
  const lost: { code: string; last: string }[] = [];
  const late: number[] = [];
  let warmUpSamples = 0;
  let pollErrors = 0;
  let queued = 0;
  let sent = 0;
  let accepted = 0;
  let answered = 0;
  let inFlight = 0;
  let measuredSent = 0;
  let cpuBefore: Map<string, number> | undefined;
  let questionsBefore = 0;
  let lastAnswerAt = 0;

  const start = performance.now();
  const warmUpEnd = start + WARM_UP_MS;
  let done!: () => void;
  const allAnswered = new Promise<void>((resolve) => (done = resolve));

  const send = () => {
    const n = sent++;
    const sentAt = performance.now();
    if (sentAt >= warmUpEnd) {
      late.push(sentAt - (start + (n * 1000) / rate));
      measuredSent++;
      if (!cpuBefore) {
        cpuBefore = services.cpuSnapshot();
        questionsBefore = freshness.questions;
      }
    }
    inFlight++;
    const code = dossierCode(n);
    freshness
      .publish(n, code)
      .then(({ status, text }) => {
        const acceptedAt = performance.now();
        if (status >= 200 && status < 300) {
          accepted++;
          if (n % sampleEvery === 0) {
            const warm = sentAt < warmUpEnd;
            if (warm) warmUpSamples++;
            followed.push(
              freshness.follow(code, acceptedAt + GIVE_UP_MS).then((result) => {
                pollErrors += result.pollErrors;
                if (warm) return;
                if (result.at === undefined) lost.push({ code, last: result.last });
                else latencies.push(result.at - acceptedAt);
              }),
            );
          }
        } else {
          const key = `${status} ${text.slice(0, 120)}`;
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
      })
      .catch((error: unknown) => {
        const key = error instanceof Error ? error.message : String(error);
        errors.set(key, (errors.get(key) ?? 0) + 1);
      })
      .finally(() => {
        inFlight--;
        answered++;
        lastAnswerAt = performance.now();
        pump();
        if (answered === total) done();
      });
  };
  const pump = () => {
    while (queued > 0 && inFlight < connections) {
      queued--;
      send();
    }
  };
  const tick = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
    queued += due - (sent + queued);
    pump();
    if (sent + queued >= total) clearInterval(tick);
  }, TICK_MS);

  await allAnswered;
  clearInterval(tick);
  const cpuAfter = services.cpuSnapshot();
  const questions = freshness.questions - questionsBefore;
  const measuredFrom = Math.min(warmUpEnd, lastAnswerAt);
  await Promise.all(followed);
  late.sort((a, b) => a - b);
  return {
    sent,
    accepted,
    errors,
    wallMs: lastAnswerAt - start,
    measuredSent,
    measuredMs: lastAnswerAt - measuredFrom,
    lateP99: percentile(late, 99),
    lateMax: late[late.length - 1] ?? NaN,
    latencies: latencies.sort((a, b) => a - b),
    lost,
    pollErrors,
    questionsPerSec: (questions * 1000) / Math.max(lastAnswerAt - measuredFrom, 1),
    warmUpSamples,
    cpuShare: cpuBefore
      ? formatCpuShare(cpuBefore, cpuAfter, lastAnswerAt - measuredFrom)
      : 'no events after the warm-up',
  };
}

/** Kafka's EndToEndLatency on the same broker: its last line, "Percentiles: 50th = 2, 99th = 5, 99.9th = 9" (ms). */
function kafkaEndToEnd(brokers: string, recordSize: number): { line: string; p50: number; p99: number } {
  const line = runKafkaTool('org.apache.kafka.tools.EndToEndLatency', [
    '--bootstrap-server',
    brokers,
    '--topic',
    `lgsp.bench.end-to-end.${run}`,
    '--num-records',
    String(baselineRecords),
    '--producer-acks',
    'all',
    '--record-size',
    String(recordSize),
  ]);
  const match = /50th = (\d+), 99th = (\d+)/.exec(line);
  return { line, p50: Number(match?.[1] ?? NaN), p99: Number(match?.[2] ?? NaN) };
}

async function main(): Promise<void> {
  let broker: BenchBroker | undefined;
  let services: BenchServices | undefined;
  let freshness: Freshness | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      freshness?.close();
      await services?.stop();
      await broker?.stop();
    })());
  // Interrupted: the services and the broker are this run's own, so they go too.
  process.once('SIGINT', () => {
    console.error('interrupted; stopping the services and the broker');
    void cleanup().finally(() => process.exit(130));
  });
  try {
    ensureBuilt();
    broker = await benchBroker('freshness', opts.brokers);
    services = new BenchServices(
      { run, profileDir: opts.profile, databaseUrl: opts.databaseUrl },
      { ...broker.env, DOSSIER_CONSUMER_GROUP: `bench-dossier-${run}` },
      broker.pid,
    );
    const [ingestPort, dossierPort, gatewayPort] = await freePorts(3);
    const ports = { ingest: ingestPort, dossier: dossierPort, gateway: gatewayPort };
    services.start(
      'ingest',
      { app: 'ingest' },
      { INGEST_PORT: String(ports.ingest), ...(await services.storeFor('ingest')) },
    );
    services.start(
      'dossier',
      { app: 'dossier' },
      { DOSSIER_PORT: String(ports.dossier), ...(await services.storeFor('dossier')) },
    );
    await untilReady('ingest', `http://127.0.0.1:${ports.ingest}/health/ready`);
    await untilReady('dossier', `http://127.0.0.1:${ports.dossier}/health/ready`);
    services.start(
      'gateway',
      { app: 'gateway' },
      {
        GATEWAY_PORT: String(ports.gateway),
        GATEWAY_SUBGRAPHS: `dossier=http://127.0.0.1:${ports.dossier}/graphql`,
        GATEWAY_GRAPHIQL: 'false',
        ...(await services.storeFor('gateway')),
      },
    );
    await untilReady('gateway', `http://127.0.0.1:${ports.gateway}/health/ready`);
    freshness = new Freshness(
      new URL(`http://127.0.0.1:${ports.ingest}/events`),
      new URL(`http://127.0.0.1:${ports.gateway}/graphql`),
    );

    // One event through the whole path before the load: a path that cannot work fails here, with its answer.
    const probe = `${AGENCY}-991231-${String(firstSerial).padStart(4, '0')}`;
    const published = await freshness.publish(0, probe);
    if (published.status !== 202)
      throw new Error(`ingest refused the probe event: ${published.status} ${published.text}`);
    const seen = await freshness.follow(probe, performance.now() + 60_000);
    if (seen.at === undefined)
      throw new Error(`the probe dossier was not queryable through the gateway in 60 s (last: ${seen.last})`);

    const result = await measure(services, freshness);
    freshness.close();
    await services.stop();

    const sample = event('vn.lgsp.dossier.submitted.v1', submitted(dossierCode(0), 0));
    const recordSize = Buffer.byteLength(JSON.stringify(sample));
    const baseline = kafkaEndToEnd(broker.brokers, recordSize);

    const errorCount = [...result.errors.values()].reduce((a, b) => a + b, 0);
    const measuredRate = (result.measuredSent * 1000) / Math.max(result.measuredMs, 1);
    const p99 = percentile(result.latencies, 99);
    console.log(
      `\nfreshness benchmark: ${rate} events/s for ${seconds} s, one in ${sampleEvery} followed (gateway asked every ${pollMs} ms), ` +
        `${WARM_UP_MS / 1000} s warm-up thrown away, at most ${connections} publishes in flight; ` +
        `stores: ${opts.databaseUrl ? 'PostgreSQL (one database per service)' : 'PGlite (one per service)'}`,
    );
    console.log(
      `published: ${result.sent} events in ${(result.wallMs / 1000).toFixed(1)} s = ${((result.sent * 1000) / result.wallMs).toFixed(0)} events/s ` +
        `(after the warm-up ${measuredRate.toFixed(0)} events/s); ` +
        `2xx ${result.accepted}, errors ${errorCount}; after the warm-up sent late by p99 ${ms(result.lateP99)}, max ${ms(result.lateMax)}`,
    );
    for (const [error, count] of result.errors) console.log(`  error × ${count}: ${error}`);
    if (measuredRate < rate * 0.95)
      console.log(
        `  the rate was not held (at most ${connections} publishes in flight: ingest's answers or the load generator fell behind); ` +
          'the figures below are for the rate achieved',
      );
    console.log(
      `accepted → queryable over ${result.latencies.length} followed events (${result.warmUpSamples} in the warm-up not counted): ` +
        `p50 ${ms(percentile(result.latencies, 50))}, p99 ${ms(p99)}, max ${ms(result.latencies[result.latencies.length - 1] ?? NaN)}; ` +
        `lost (not queryable after ${GIVE_UP_MS / 1000} s) ${result.lost.length}; gateway asked ${result.questionsPerSec.toFixed(0)} times/s after the warm-up, failed answers ${result.pollErrors}`,
    );
    for (const { code, last } of result.lost) console.log(`  lost ${code}: last answer ${last}`);
    console.log(`CPU after the warm-up (% of one core): ${result.cpuShare}`);
    console.log(
      `Kafka end-to-end latency (baseline: EndToEndLatency, same broker, ${baselineRecords} records of ${recordSize} B, acks=all): ${baseline.line}`,
    );
    console.log(
      `accepted→queryable p99 / Kafka end-to-end p99: ${
        baseline.p99 > 0 ? `${(p99 / baseline.p99).toFixed(1)}×` : `n/a (Kafka p99 ${baseline.p99} ms)`
      }`,
    );
    console.log(
      `goal: p99 ≤ ${GOAL_P99_MS} ms: ${p99 <= GOAL_P99_MS && result.lost.length === 0 ? 'meets' : 'misses'}`,
    );
    services.printProfileSummary();
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
