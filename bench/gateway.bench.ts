/**
 * Gateway benchmark (not a test): `npm run bench:gateway [-- --seconds 10 --connections 32]`.
 * Starts a Kafka broker of the run's own (or uses `--brokers`), then ingest and the dossier, land and health
 * services, compiled (dist/apps/<app>/main.js, built first when stale), each its own process with a fresh
 * store; publishes the citizens' dossiers, parcels and encounters, then starts three gateways over the same
 * subgraphs — ours (compiled: mercurius gateway with the access policy and the hash-chained audit trail),
 * Apollo Gateway and Hive Gateway (ts scripts in bench/gateways) — and measures, in one run, with the same
 * load (autocannon, same connections and duration):
 *   Q1, a citizen query one subgraph can answer: straight to the dossier subgraph and through each gateway;
 *   Q2, the federated citizen query (dossiers, parcels, encounters): through each gateway.
 * Prints each phase's CPU per request and per process (the load generator's as a share of one core too), the
 * ratios against the goals (ours ÷ Apollo on Q2, direct ÷ ours on Q1) and, with --profile, where each
 * process's time went.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import autocannon from 'autocannon';
import { Command } from 'commander';
import { createKafka, ensureTopics, loadKafkaSettings } from '@lgsp/kafka';
import {
  encounterRecorded,
  event,
  parcelRegistered,
  sampleName,
  samplePersonalId,
  sampleDossierCode,
  submitted,
} from '@lgsp/testing/samples';
import { benchBroker, freePort, retriable, type BenchBroker } from './lib/broker';
import { BenchServices, cpuPerUnit, ensureBuilt, formatCpuShare, untilReady } from './lib/services';

const opts = new Command()
  .option('--seconds <n>', 'duration of each measured phase', '10')
  .option('--connections <n>', 'concurrent HTTP connections', '32')
  .option('--citizens <n>', 'citizens published and asked for at random', '50')
  .option('--profile <dir>', 'write a V8 CPU profile of each process into this directory')
  .option(
    '--database-url <url>',
    "keep every service's store in PostgreSQL (a fresh database per service on this server, dropped at the end) instead of PGlite",
  )
  .option(
    '--brokers <list>',
    'use this Kafka broker (one the benchmark has to itself) instead of starting one of its own',
  )
  .option(
    '--trust-competitors',
    'let Apollo and Hive present our gateway key, so the subgraphs do not audit their calls (nobody does)',
  )
  .parse()
  .opts<{
    seconds: string;
    connections: string;
    citizens: string;
    profile?: string;
    databaseUrl?: string;
    brokers?: string;
    trustCompetitors?: boolean;
  }>();

const HEADERS = {
  'content-type': 'application/json',
  'x-api-key': 'dev-consumer-key-ioc',
  'x-lgsp-purpose': 'public-service',
};
let broker: BenchBroker | undefined;
let services: BenchServices | undefined;

async function until<T>(what: string, check: () => Promise<T | undefined>, seconds = 120): Promise<T> {
  let last: unknown;
  for (let i = 0; i < seconds * 4; i++) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready${last instanceof Error ? ` (last: ${last.message})` : ''}`);
}

async function graphql(
  url: string,
  query: string,
  variables: object,
): Promise<{ data?: unknown; errors?: unknown[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: unknown; errors?: unknown[] };
}

const Q1 = `query Q1($id: String!) { citizen(personalId: $id) { personalId dossiers { code status applicantName submittedAt } } }`;
const Q2 = `query Q2($id: String!) { citizen(personalId: $id) {
  personalId
  dossiers { code status applicantName submittedAt }
  parcels { id area landUse holders { holderId share } }
  encounters { id admittedAt mainDiagnosis totalCost }
} }`;

/** One measured phase: autocannon's figures, CPU per request and CPU as a share of one core, per process. */
async function load(running: BenchServices, url: string, query: string, ids: string[], seconds: number) {
  const before = running.cpuSnapshot();
  const started = performance.now();
  const result = await autocannon({
    url,
    method: 'POST',
    connections: Number(opts.connections),
    duration: seconds,
    headers: HEADERS,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ query, variables: { id: ids[Math.floor(Math.random() * ids.length)] } }),
        }),
      },
    ],
  });
  const wallMs = performance.now() - started;
  const after = running.cpuSnapshot();
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    /** CPU milliseconds per request, per process */
    cpu: cpuPerUnit(before, after, result.requests.total),
    /** CPU of each process as a share of one core during the phase */
    share: formatCpuShare(before, after, wallMs),
    loadGeneratorShare: ((after.get('load generator') ?? 0) - (before.get('load generator') ?? 0)) / wallMs,
  };
}

async function main(): Promise<void> {
  ensureBuilt();
  if (opts.profile) mkdirSync(opts.profile, { recursive: true });
  // The run's own broker: its topics start empty, so the citizens below never meet an earlier run's
  // dossiers or parcels, and nothing is written into a running hub's topics.
  broker = await benchBroker('gateway', opts.brokers);
  // A fresh broker has no topics: the services would all create them at once as they start, and one may ask
  // for a partition whose leader is not elected yet (ingest then fails to start). Created first, with leaders.
  const settings = loadKafkaSettings({ ...process.env, ...broker.env }, 'bench-gateway');
  await retriable(() => ensureTopics(createKafka(settings), settings));
  const run = randomUUID().slice(0, 8);
  const ports: Record<'ingest' | 'dossier' | 'land' | 'health' | 'ours' | 'apollo' | 'hive', number> = {
    ingest: await freePort(),
    dossier: await freePort(),
    land: await freePort(),
    health: await freePort(),
    ours: await freePort(),
    apollo: await freePort(),
    hive: await freePort(),
  };
  const s = (services = new BenchServices(
    { run, profileDir: opts.profile, databaseUrl: opts.databaseUrl },
    broker.env,
    broker.pid,
  ));
  s.start(
    'ingest',
    { app: 'ingest' },
    { INGEST_PORT: String(ports.ingest), ...(await s.storeFor('ingest')) },
  );
  s.start(
    'dossier',
    { app: 'dossier' },
    { DOSSIER_PORT: String(ports.dossier), ...(await s.storeFor('dossier')) },
  );
  s.start('land', { app: 'land' }, { LAND_PORT: String(ports.land), ...(await s.storeFor('land')) });
  s.start(
    'health',
    { app: 'health' },
    { HEALTH_PORT: String(ports.health), ...(await s.storeFor('health')) },
  );
  for (const [name, port] of Object.entries(ports).slice(0, 4))
    await untilReady(name, `http://127.0.0.1:${port}/health/ready`);

  // Each citizen: three dossiers, a parcel and a hospital encounter. The load asks for a random one
  // on each request, so no gateway can answer from a request identical to one already in flight.
  const citizens = Array.from({ length: Number(opts.citizens) }, (_, n) => n);
  const publish = async (key: string, source: string, type: string, data: object) => {
    const response = await fetch(`http://127.0.0.1:${ports.ingest}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': key },
      body: JSON.stringify(event(type, data, source)),
    });
    if (response.status !== 202) throw new Error(`${type}: ${response.status} ${await response.text()}`);
  };
  for (const n of citizens) {
    const personalId = samplePersonalId(n);
    const name = sampleName(n);
    for (let i = 0; i < 3; i++) {
      const code = sampleDossierCode('000.00.01.H22', new Date(Date.UTC(2026, 10, 1 + i)), n);
      await publish(
        'dev-publisher-key-000.00.01.H22',
        '/000.00.01.H22/igate',
        'vn.lgsp.dossier.submitted.v1',
        { ...submitted(code, n + i), SoDinhDanhChuHoSo: personalId, ChuHoSo: name },
      );
    }
    await publish(
      'dev-publisher-key-000.00.02.H22',
      '/000.00.02.H22/vilis',
      'vn.lgsp.land.parcel-registered.v1',
      parcelRegistered(personalId, name, n),
    );
    await publish(
      'dev-publisher-key-22001',
      '/22001/his',
      'vn.lgsp.health.encounter-recorded.v1',
      encounterRecorded(personalId, name, n),
    );
  }

  const subgraphs = [
    { name: 'dossier', url: `http://127.0.0.1:${ports.dossier}/graphql` },
    { name: 'land', url: `http://127.0.0.1:${ports.land}/graphql` },
    { name: 'health', url: `http://127.0.0.1:${ports.health}/graphql` },
  ];
  s.start(
    'lgsp gateway',
    { app: 'gateway' },
    {
      ...(await s.storeFor('gateway')),
      GATEWAY_PORT: String(ports.ours),
      GATEWAY_SUBGRAPHS: subgraphs.map((g) => `${g.name}=${g.url}`).join(','),
      GATEWAY_GRAPHIQL: 'false',
    },
  );
  const competitor = {
    BENCH_SUBGRAPHS: JSON.stringify(subgraphs),
    BENCH_TRUST_COMPETITORS: opts.trustCompetitors ? '1' : '0',
  };
  s.start('apollo', { script: 'bench/gateways/apollo.ts' }, { PORT: String(ports.apollo), ...competitor });
  s.start('hive', { script: 'bench/gateways/hive.ts' }, { PORT: String(ports.hive), ...competitor });

  const targets = {
    'dossier subgraph (direct)': `http://127.0.0.1:${ports.dossier}/graphql`,
    'lgsp gateway (mercurius, policy + audit)': `http://127.0.0.1:${ports.ours}/graphql`,
    '@apollo/gateway': `http://127.0.0.1:${ports.apollo}/`,
    '@graphql-hive/gateway': `http://127.0.0.1:${ports.hive}/graphql`,
  };
  const ids = citizens.map(samplePersonalId);
  for (const [name, url] of Object.entries(targets).slice(1))
    for (const id of ids)
      await until(name, async () => {
        const r = (await graphql(url, Q2, { id })) as {
          data?: { citizen?: { encounters?: unknown[]; parcels?: unknown[]; dossiers?: unknown[] } };
        };
        const c = r.data?.citizen;
        if (c?.encounters?.length && c.parcels?.length && c.dossiers?.length === 3) return true;
        throw new Error(`citizen ${id}: ${JSON.stringify(r)}`);
      });

  const seconds = Number(opts.seconds);
  const results: Record<
    string,
    { q1?: Awaited<ReturnType<typeof load>>; q2?: Awaited<ReturnType<typeof load>> }
  > = {};
  for (const [name, url] of Object.entries(targets)) {
    await load(s, url, Q1, ids, 2); // warm-up, thrown away
    results[name] = { q1: await load(s, url, Q1, ids, seconds) };
    if (!name.includes('direct')) results[name].q2 = await load(s, url, Q2, ids, seconds);
  }
  const processOf: Record<string, string> = {
    'dossier subgraph (direct)': 'dossier',
    'lgsp gateway (mercurius, policy + audit)': 'lgsp gateway',
    '@apollo/gateway': 'apollo',
    '@graphql-hive/gateway': 'hive',
  };
  type Phase = Awaited<ReturnType<typeof load>>;
  const subgraphCpu = (x: Phase) =>
    ['dossier', 'land', 'health'].reduce((t, p) => t + (x.cpu.get(p) ?? 0), 0);
  const f = (target: string, x?: Phase) =>
    x
      ? `${x.rps.toFixed(0).padStart(6)} req/s  p99 ${String(x.p99).padStart(4)} ms  ` +
        `cpu/req: own ${(x.cpu.get(processOf[target]) ?? 0).toFixed(2)} ms, subgraphs ${subgraphCpu(x).toFixed(2)} ms, ` +
        `load generator ${(x.cpu.get('load generator') ?? 0).toFixed(2)} ms` +
        (opts.databaseUrl ? `, database server ${(x.cpu.get('database server') ?? 0).toFixed(2)} ms` : '') +
        `  errors ${x.errors}\n` +
        `       % of one core: ${x.share}`
      : '-';
  console.log(
    `\ngateway benchmark: ${opts.connections} connections, ${seconds} s per phase, ${ids.length} citizens at random; ` +
      (opts.trustCompetitors
        ? 'subgraphs trust Apollo and Hive (their calls are not audited)'
        : 'subgraphs audit the calls of Apollo and Hive') +
      `; stores: ${opts.databaseUrl ? 'PostgreSQL (one database per service)' : 'PGlite (embedded, one per service)'}` +
      `; broker: ${opts.brokers ? opts.brokers : "the run's own"}`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(name);
    console.log(`  Q1 ${f(name, r.q1)}`);
    if (r.q2) console.log(`  Q2 ${f(name, r.q2)}`);
  }
  const phases = Object.entries(results).flatMap(([name, r]) =>
    [r.q1, r.q2].flatMap((x, q) =>
      x ? [`${processOf[name]} Q${q + 1} ${(x.loadGeneratorShare * 100).toFixed(0)}%`] : [],
    ),
  );
  console.log(`load generator (this process), % of one core per phase: ${phases.join(' · ')}`);
  const ours = results['lgsp gateway (mercurius, policy + audit)'];
  const direct = results['dossier subgraph (direct)'];
  const apollo = results['@apollo/gateway'];
  const federated = (ours.q2?.rps ?? 0) / (apollo.q2?.rps || NaN);
  const overhead = (direct.q1?.rps ?? 0) / (ours.q1?.rps || NaN);
  const verdict = (met: boolean) => (met ? 'met' : 'missed');
  console.log(
    `lgsp gateway ÷ @apollo/gateway, federated citizen query (Q2) req/s: ${federated.toFixed(2)}× (goal ≥ 3×: ${verdict(federated >= 3)})`,
  );
  console.log(
    `citizen query (Q1), dossier subgraph directly ÷ through the lgsp gateway: ${overhead.toFixed(2)}× (goal ≤ 1.2×: ${verdict(overhead <= 1.2)})`,
  );
  // On this shared machine every gateway waits on the same subgraphs; the gateway's own CPU per request
  // is what bounds its throughput once it has a core of its own.
  const own = (target: string, x?: Phase) => x?.cpu.get(processOf[target]) ?? NaN;
  console.log(
    `@apollo/gateway CPU per Q2 request ÷ lgsp gateway CPU per Q2 request: ${(own('@apollo/gateway', apollo.q2) / own('lgsp gateway (mercurius, policy + audit)', ours.q2)).toFixed(2)}×`,
  );
}

/** Stops the services (their profiles are written as they exit), prints where the time went, stops the broker. */
async function cleanup(): Promise<void> {
  try {
    await services?.stop();
    services?.printProfileSummary();
  } finally {
    await broker?.stop();
  }
}

process.once('SIGINT', () => {
  process.exitCode = 130;
  void cleanup().finally(() => process.exit());
});

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() =>
    cleanup().catch((error: unknown) => {
      console.error('cleanup failed:', error);
      process.exitCode = 1;
    }),
  );
