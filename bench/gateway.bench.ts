/**
 * Gateway benchmark (not a test): `npm run bench:gateway [-- --seconds 10 --connections 32]`.
 * Starts ingest and the dossier, land and health services (each its own process, fresh PGlite,
 * the configured broker), publishes one citizen's dossier, parcel and encounter, then starts three
 * gateways over the same subgraphs — ours (mercurius gateway with the access policy and the
 * hash-chained audit trail), Apollo Gateway and Hive Gateway — and measures, in one run, with the
 * same load (autocannon, same connections and duration):
 *   Q1, a citizen query one subgraph can answer: straight to the dossier subgraph and through each gateway;
 *   Q2, the federated citizen query (dossiers, parcels, encounters): through each gateway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Command } from 'commander';
import { createDatabase, dropDatabases } from '@lgsp/testing/databases';
import {
  encounterRecorded,
  event,
  parcelRegistered,
  sampleName,
  samplePersonalId,
  sampleDossierCode,
  submitted,
} from '@lgsp/testing/samples';

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
    trustCompetitors?: boolean;
  }>();

const root = join(__dirname, '..');
const run = randomUUID().slice(0, 8);
const ports = { ingest: 3900, dossier: 3901, land: 3902, health: 3903, ours: 3904, apollo: 3905, hive: 3906 };
const HEADERS = {
  'content-type': 'application/json',
  'x-api-key': 'dev-consumer-key-ioc',
  'x-lgsp-purpose': 'public-service',
};
const children: ChildProcess[] = [];
/** process name → pid, so each phase can charge CPU time to the process that spent it */
const pids = new Map<string, number>();
let stopping = false;
const env = {
  ...process.env,
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  KAFKA_SECURITY: process.env.KAFKA_SECURITY ?? 'plaintext',
  LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-bench-gw-')),
  LOG_LEVEL: 'warn',
  BENCH_TRUST_COMPETITORS: opts.trustCompetitors ? '1' : '0',
  KAFKAJS_NO_PARTITIONER_WARNING: '1',
  DOSSIER_CONSUMER_GROUP: `bench-dossier-${run}`,
  LAND_CONSUMER_GROUP: `bench-land-${run}`,
  HEALTH_CONSUMER_GROUP: `bench-health-${run}`,
};

function start(name: string, script: string, extra: Record<string, string>): void {
  const child = spawn(
    process.execPath,
    [
      ...(opts.profile
        ? ['--cpu-prof', '--cpu-prof-dir', opts.profile, '--cpu-prof-name', `${name}.cpuprofile`]
        : []),
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      script,
    ],
    {
      cwd: root,
      env: { ...env, ...extra },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(child);
  if (child.pid) pids.set(name, child.pid);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}) before the benchmark ended; stopping`);
      process.exitCode = 1;
      void shutdown().finally(() => process.exit(1));
    }
  });
}

/**
 * With --database-url: one fresh database per service on that server (as a province would give each
 * service its own), named after this run; dropped when the benchmark ends.
 */
const databases: string[] = [];
async function storeFor(service: string): Promise<Record<string, string>> {
  if (!opts.databaseUrl) return {};
  const name = `lgsp_bench_${run}_${service}`;
  const url = await createDatabase(opts.databaseUrl, name);
  databases.push(name);
  return { DATABASE_URL: url };
}

/**
 * CPU milliseconds of each PostgreSQL server process (a local server only), so the database is charged
 * too. Keyed by pid: a backend that ends between two readings drops out of both (its last moments are not
 * counted), one that starts counts from zero.
 */
function databaseServerCpu(): Map<string, number> {
  const cpu = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        cpu.set(`postgres:${entry}`, cpuMs(Number(entry)));
    } catch {
      // the process ended meanwhile
    }
  }
  return cpu;
}

/** CPU milliseconds (user + system) a process has spent so far, from /proc (Linux). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11], fields[12]: utime, stime in clock ticks (100 per second on Linux)
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function cpuSnapshot(): Map<string, number> {
  const snapshot = new Map<string, number>();
  for (const [name, pid] of pids) snapshot.set(name, cpuMs(pid));
  const self = process.cpuUsage();
  snapshot.set('load generator', (self.user + self.system) / 1000);
  if (opts.databaseUrl) for (const [pid, ms] of databaseServerCpu()) snapshot.set(pid, ms);
  return snapshot;
}

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

async function load(url: string, query: string, ids: string[], seconds: number) {
  const before = cpuSnapshot();
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
  const after = cpuSnapshot();
  const requests = result.requests.total;
  /** CPU milliseconds per request, per process */
  const cpu = new Map<string, number>();
  for (const [name, ms] of after) {
    const spent = (ms - (before.get(name) ?? 0)) / requests;
    const key = name.startsWith('postgres:') ? 'database server' : name;
    cpu.set(key, (cpu.get(key) ?? 0) + spent);
  }
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    cpu,
  };
}

async function main(): Promise<void> {
  start('ingest', 'apps/ingest/main.ts', {
    INGEST_PORT: String(ports.ingest),
    ...(await storeFor('ingest')),
  });
  start('dossier', 'apps/dossier/main.ts', {
    DOSSIER_PORT: String(ports.dossier),
    ...(await storeFor('dossier')),
  });
  start('land', 'apps/land/main.ts', { LAND_PORT: String(ports.land), ...(await storeFor('land')) });
  start('health', 'apps/health/main.ts', {
    HEALTH_PORT: String(ports.health),
    ...(await storeFor('health')),
  });
  for (const [name, port] of Object.entries(ports).slice(0, 4))
    await until(name, async () =>
      (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok ? true : undefined,
    );

  // Each citizen: three dossiers, a parcel and a hospital encounter. The load asks for a random one
  // on each request, so no gateway can answer from a request identical to one already in flight.
  const base = Math.floor(Math.random() * 900_000);
  const citizens = Array.from({ length: Number(opts.citizens) }, (_, k) => base + k);
  const publish = async (key: string, source: string, type: string, data: object) => {
    const response = await fetch(`http://127.0.0.1:${ports.ingest}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': key },
      body: JSON.stringify(event(type, data, source)),
    });
    if (response.status !== 202) throw new Error(`${type}: ${response.status} ${await response.text()}`);
  };
  // The land topic keeps earlier runs' parcels, which a new projection reads again: this run's parcels
  // sit on a map sheet of their own (above the tests' sheets 1–40), so none is refused as already registered.
  const sheet = 41 + Math.floor(Math.random() * 9959);
  const parcelOf = (personalId: string, name: string, n: number) => {
    const parcel = {
      ...parcelRegistered(personalId, name, n),
      SoHieuToBanDo: sheet,
      SoThuTuThua: 1 + n - base,
    };
    return { ...parcel, MaThuaDat: `${parcel.MaXa}-${sheet}-${parcel.SoThuTuThua}` };
  };
  for (const n of citizens) {
    const personalId = samplePersonalId(n);
    const name = sampleName(n);
    for (let i = 0; i < 3; i++) {
      const code = sampleDossierCode('000.00.01.H22', new Date(Date.UTC(2026, 10, 1 + i)), n % 10_000);
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
      parcelOf(personalId, name, n),
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
  start('lgsp gateway', 'apps/gateway/main.ts', {
    ...(await storeFor('gateway')),
    GATEWAY_PORT: String(ports.ours),
    GATEWAY_SUBGRAPHS: subgraphs.map((s) => `${s.name}=${s.url}`).join(','),
    GATEWAY_GRAPHIQL: 'false',
  });
  start('apollo', 'bench/gateways/apollo.ts', {
    PORT: String(ports.apollo),
    BENCH_SUBGRAPHS: JSON.stringify(subgraphs),
  });
  start('hive', 'bench/gateways/hive.ts', {
    PORT: String(ports.hive),
    BENCH_SUBGRAPHS: JSON.stringify(subgraphs),
  });

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
    await load(url, Q1, ids, 2); // warm-up, thrown away
    results[name] = { q1: await load(url, Q1, ids, seconds) };
    if (!name.includes('direct')) results[name].q2 = await load(url, Q2, ids, seconds);
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
        `  errors ${x.errors}`
      : '-';
  console.log(
    `\ngateway benchmark: ${opts.connections} connections, ${seconds} s per phase, ${ids.length} citizens at random; ` +
      (opts.trustCompetitors
        ? 'subgraphs trust Apollo and Hive (their calls are not audited)'
        : 'subgraphs audit the calls of Apollo and Hive') +
      `; stores: ${opts.databaseUrl ? 'PostgreSQL (one database per service)' : 'PGlite (embedded, one per service)'}`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(name);
    console.log(`  Q1 ${f(name, r.q1)}`);
    if (r.q2) console.log(`  Q2 ${f(name, r.q2)}`);
  }
  const ours = results['lgsp gateway (mercurius, policy + audit)'];
  const direct = results['dossier subgraph (direct)'];
  const apollo = results['@apollo/gateway'];
  const overhead = (direct.q1?.rps ?? 0) / (ours.q1?.rps ?? 1);
  console.log(
    `gateway overhead (Q1, direct req/s / lgsp gateway req/s): ${overhead.toFixed(2)}x (goal <= 1.5x)`,
  );
  console.log(
    `lgsp gateway vs Apollo Gateway (Q2 req/s): ${((ours.q2?.rps ?? 0) / (apollo.q2?.rps ?? 1)).toFixed(2)}x (goal >= 2x)`,
  );
  // On this shared machine every gateway waits on the same subgraphs; the gateway's own CPU per request
  // is what bounds its throughput once it has a core of its own.
  const own = (target: string, x?: Phase) => x?.cpu.get(processOf[target]) ?? NaN;
  console.log(
    `Apollo Gateway CPU per Q2 request / lgsp gateway CPU per Q2 request: ${(own('@apollo/gateway', apollo.q2) / own('lgsp gateway (mercurius, policy + audit)', ours.q2)).toFixed(2)}x`,
  );
}

/** Stops every child (SIGKILL after 10 s for one that ignores SIGTERM), then drops the run's databases. */
async function shutdown(): Promise<void> {
  stopping = true;
  const exited = children.map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  );
  const kill = setTimeout(() => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, 10_000);
  await Promise.all(exited);
  clearTimeout(kill);
  if (opts.databaseUrl) await dropDatabases(opts.databaseUrl, databases);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() =>
    shutdown().catch((error: unknown) => {
      console.error('cleanup failed:', error);
      process.exitCode = 1;
    }),
  );
