import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { logLevel, type KafkaConfig } from 'kafkajs';
import { Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, loadKafkaSettings } from '@lgsp/kafka';
import { event, readToEnd, submitted, uniqueDossierCode, type ReadRecord } from '@lgsp/testing';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';

const run = promisify(execFile);
export const repo = join(__dirname, '..', '..');
const script = join(repo, 'docker', 'kafka-local', 'kafka.sh');
const PUBLISHER = 'dev-publisher-key-000.00.01.H22';
export const TOPIC = Topics.events('dossier');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// --- settings -----------------------------------------------------------------------------------------

/** Durations and load of a fault run; every figure can be raised by env for a longer soak (scripts/soak.sh). */
export interface FaultSettings {
  /** broker faults per scenario */
  cycles: number;
  /** how long a stopped or killed broker stays down (ms) */
  outageMs: number;
  /** load with every broker up, before each fault and after the last (ms) */
  upMs: number;
  /** concurrent HTTP publishers */
  clients: number;
  /** events per batch request (every other request of a client is a batch) */
  batch: number;
  /** pause of a publisher between two requests (ms), to keep the topic small enough to verify quickly */
  pauseMs: number;
  /** longest wait for publishing to work again after a broker is back (ms) */
  recoveryMs: number;
  /** longest time /health/ready may say "up" while no publish succeeds (ms) */
  readyLieMs: number;
  /** a readiness answer slower than this counts as none (probes of orchestrators time out too) */
  readyTimeoutMs: number;
  /** first port of the fault suite's brokers (single: base, base+1; cluster: base+100 …) */
  basePort: number;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer >= ${min} (got "${text}")`);
  return value;
}

export function faultSettings(env = process.env): FaultSettings {
  return {
    cycles: num(env, 'FAULT_CYCLES', 4, 1),
    outageMs: num(env, 'FAULT_OUTAGE_MS', 8_000, 0),
    upMs: num(env, 'FAULT_UP_MS', 8_000, 2_000),
    clients: num(env, 'FAULT_CLIENTS', 6, 1),
    batch: num(env, 'FAULT_BATCH', 5, 2),
    pauseMs: num(env, 'FAULT_PAUSE_MS', 20, 0),
    recoveryMs: num(env, 'FAULT_RECOVERY_MS', 45_000, 1_000),
    readyLieMs: num(env, 'FAULT_READY_LIE_MS', 10_000, 0),
    readyTimeoutMs: num(env, 'FAULT_READY_TIMEOUT_MS', 3_000, 100),
    basePort: num(env, 'FAULT_BASE_PORT', 19_192, 1_024),
  };
}

/** Upper bound of one scenario's run time, for jest's timeout. */
export function scenarioBudgetMs(s: FaultSettings): number {
  return s.cycles * (s.upMs + s.outageMs + 90_000) + s.upMs + 300_000;
}

// --- brokers ------------------------------------------------------------------------------------------

async function kafkaSh(env: Record<string, string>, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('bash', [script, ...args], {
      env: { ...process.env, ...env },
      timeout: 180_000,
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`kafka.sh ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}

/** The fault suite's own brokers, started through kafka.sh, never the shared one on 9092. */
export interface FaultBrokers {
  readonly brokers: string;
  readonly nodes: number[];
  /** deletes earlier data and starts every node */
  freshStart(): Promise<void>;
  stopNode(node: number, how: 'stop' | 'kill'): Promise<void>;
  startNode(node: number): Promise<void>;
  stopAll(): Promise<void>;
}

export function singleBroker(s: FaultSettings): FaultBrokers {
  const env = {
    LGSP_KAFKA_HOME: join(repo, '.local', 'fault', 'single'),
    LGSP_KAFKA_PORT: String(s.basePort),
    LGSP_KAFKA_CONTROLLER_PORT: String(s.basePort + 1),
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
    // the fault suite's brokers are PLAINTEXT whatever the shell says (tests/security covers SASL)
    LGSP_KAFKA_SASL: '0',
  };
  return {
    brokers: `127.0.0.1:${s.basePort}`,
    nodes: [1],
    async freshStart() {
      await kafkaSh(env, 'reset');
      await kafkaSh(env, 'start');
    },
    stopNode: async (_node, how) => void (await kafkaSh(env, how === 'kill' ? 'kill' : 'stop')),
    startNode: async () => void (await kafkaSh(env, 'start')),
    // The next run resets the data, so the end of a run need not be clean.
    stopAll: async () => void (await kafkaSh(env, 'kill')),
  };
}

export function cluster(s: FaultSettings): FaultBrokers {
  const base = s.basePort + 100;
  const env = {
    LGSP_KAFKA_CLUSTER_HOME: join(repo, '.local', 'fault', 'cluster'),
    LGSP_KAFKA_CLUSTER_PORT: String(base),
    LGSP_KAFKA_SASL: '0',
  };
  return {
    brokers: [0, 1, 2].map((i) => `127.0.0.1:${base + i}`).join(','),
    nodes: [1, 2, 3],
    async freshStart() {
      await kafkaSh(env, 'cluster', 'reset');
      await kafkaSh(env, 'cluster', 'start');
    },
    stopNode: async (node, how) =>
      void (await kafkaSh(env, 'cluster', how === 'kill' ? 'kill-node' : 'stop-node', String(node))),
    startNode: async (node) => void (await kafkaSh(env, 'cluster', 'start-node', String(node))),
    // A clean stop of the last two nodes waits for a quorum that is gone; the next run resets the data.
    stopAll: async () => void (await kafkaSh(env, 'cluster', 'kill')),
  };
}

// --- the hub under test ---------------------------------------------------------------------------------

/** kafkajs logs of the apps under test go to a file (a fault run logs thousands of retries). */
export function kafkaLogFile(scenario: string): {
  path: string;
  stream: WriteStream;
  counts: Map<string, number>;
  override: Partial<KafkaConfig>;
} {
  const dir = join(repo, '.local', 'fault');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${scenario}-kafkajs.log`);
  const stream = createWriteStream(path);
  const counts = new Map<string, number>();
  const override: Partial<KafkaConfig> = {
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...rest } = log;
        const r = rest as { error?: string; type?: string };
        const key = r.type ?? r.error ?? message;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        stream.write(`${JSON.stringify({ level, msg: message, ...rest })}\n`);
      },
  };
  return { path, stream, counts, override };
}

export function hubEnv(brokers: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KAFKA_BROKERS: brokers,
    KAFKA_SECURITY: 'plaintext',
    INGEST_PORT: '0',
    DOSSIER_PORT: '0',
    DATABASE_URL: '',
    LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-fault-')),
    LOG_LEVEL: 'error',
    ...extra,
  };
}

export async function startHubIngest(env: NodeJS.ProcessEnv, kafka: Partial<KafkaConfig>) {
  return startIngest(loadIngestConfig(env), { kafka });
}

// --- load -----------------------------------------------------------------------------------------------

export interface Ack {
  id: string;
  source: string;
  partition: number;
  offset: string;
  status: number;
}

interface Outcome {
  at: number;
  ok: boolean;
}

/** What every publisher saw; shared by all clients of one scenario. */
export class Ledger {
  readonly acks = new Map<string, Ack>();
  /** ids answered 2xx twice with different partitions or offsets */
  readonly conflictingAcks: string[] = [];
  readonly outcomes: Outcome[] = [];
  readonly probes: { start: number; end: number; ok: boolean }[] = [];
  readonly readiness: { at: number; status: number | 'timeout'; ms: number }[] = [];
  readonly answers = new Map<string, number>();
  events = 0;
  requests = 0;
  unexpected: string[] = [];

  count(what: string, n = 1): void {
    this.answers.set(what, (this.answers.get(what) ?? 0) + n);
  }

  ack(a: Ack): void {
    const earlier = this.acks.get(a.id);
    if (earlier && (earlier.partition !== a.partition || earlier.offset !== a.offset))
      this.conflictingAcks.push(
        `${a.id}: ${earlier.partition}/${earlier.offset} then ${a.partition}/${a.offset}`,
      );
    if (!earlier) this.acks.set(a.id, a);
    this.outcomes.push({ at: Date.now(), ok: true });
  }

  failed(): void {
    this.outcomes.push({ at: Date.now(), ok: false });
  }
}

type CE = ReturnType<typeof event>;

interface ItemAnswer {
  status: number;
  id?: string;
  source?: string;
  partition?: number;
  offset?: string;
  code?: string;
  retryAfter?: number;
}

/** One request; answers per event (a single event's answer, or each item of a batch). */
async function post(
  url: string,
  events: CE[],
  ledger: Ledger,
): Promise<{ items: ItemAnswer[]; retryAfterS: number }> {
  const single = events.length === 1;
  ledger.requests++;
  let response: Response;
  try {
    response = await fetch(`${url}/events`, {
      method: 'POST',
      headers: {
        'content-type': single ? 'application/cloudevents+json' : 'application/cloudevents-batch+json',
        'x-api-key': PUBLISHER,
      },
      body: JSON.stringify(single ? events[0] : events),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    ledger.count(`request error: ${(error as Error).name}`);
    return { items: events.map(() => ({ status: 0 })), retryAfterS: 1 };
  }
  const retryAfterS = Number(response.headers.get('retry-after') ?? '1') || 1;
  const body = (await response.json().catch(() => ({}))) as ItemAnswer & { results?: ItemAnswer[] };
  if (!single && (response.status === 200 || response.status === 207) && Array.isArray(body.results))
    return { items: body.results, retryAfterS };
  return { items: events.map(() => ({ ...body, status: response.status })), retryAfterS };
}

/**
 * Publishes `events` until each is answered 2xx or the load ends: 503s (and 409 "in progress") are
 * sent again after the Retry-After the hub gave, with jitter and at most 5 s.
 */
async function publishUntilAccepted(
  url: string,
  events: CE[],
  ledger: Ledger,
  running: () => boolean,
): Promise<boolean> {
  let pending = events;
  while (pending.length > 0) {
    const { items, retryAfterS } = await post(url, pending, ledger);
    const again: CE[] = [];
    for (const [i, answer] of items.entries()) {
      const ce = pending[i];
      const status = answer.status;
      ledger.count(String(status));
      if ((status === 200 || status === 202) && answer.partition !== undefined && answer.offset) {
        ledger.ack({
          id: ce.id,
          source: ce.source,
          partition: answer.partition,
          offset: answer.offset,
          status,
        });
        continue;
      }
      ledger.failed();
      if (status === 503 || status === 0 || (status === 409 && answer.code === 'LGSP_ERR_IN_PROGRESS')) {
        again.push(ce);
        continue;
      }
      ledger.unexpected.push(`${ce.id}: ${status} ${JSON.stringify(answer).slice(0, 300)}`);
    }
    pending = again;
    if (pending.length === 0) return true;
    if (!running()) return false;
    await sleep(Math.min(5_000, retryAfterS * 1000 * (0.5 + Math.random() / 2)));
  }
  return true;
}

/**
 * A publisher: new dossiers, one structured event or a batch at a time; once a dossier's submission
 * is accepted its "received" event follows, so both land on one partition in order.
 */
async function publisher(url: string, s: FaultSettings, ledger: Ledger, running: () => boolean) {
  let n = 0;
  while (running()) {
    const size = n++ % 2 === 0 ? 1 : s.batch;
    const codes = Array.from({ length: size }, () => uniqueDossierCode());
    const first = codes.map((code, i) => event('vn.lgsp.dossier.submitted.v1', submitted(code, n + i)));
    ledger.events += first.length;
    if (!(await publishUntilAccepted(url, first, ledger, running))) break;
    const then = codes.map((code) =>
      event('vn.lgsp.dossier.received.v1', {
        MaHoSo: code,
        TrangThaiHoSo: 2,
        NgayTiepNhan: '2026-11-20T09:00:00+07:00',
        NgayHenTra: '2026-11-25T17:00:00+07:00',
      }),
    );
    ledger.events += then.length;
    if (!(await publishUntilAccepted(url, then, ledger, running))) break;
    if (s.pauseMs > 0) await sleep(s.pauseMs);
  }
}

/** A fresh event every 250 ms, no retry: when publishing works, to the quarter second. */
async function prober(url: string, ledger: Ledger, running: () => boolean) {
  while (running()) {
    const ce = event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), 7));
    ledger.events++;
    const start = Date.now();
    const { items } = await post(url, [ce], ledger);
    const a = items[0];
    const ok = (a.status === 202 || a.status === 200) && a.partition !== undefined && !!a.offset;
    if (ok)
      ledger.ack({
        id: ce.id,
        source: ce.source,
        partition: a.partition!,
        offset: a.offset!,
        status: a.status,
      });
    else ledger.failed();
    ledger.probes.push({ start, end: Date.now(), ok });
    await sleep(250);
  }
}

/** /health/ready every 500 ms; no answer within the readiness timeout counts as a timeout. */
async function readiness(url: string, s: FaultSettings, ledger: Ledger, running: () => boolean) {
  while (running()) {
    const at = Date.now();
    try {
      const r = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(s.readyTimeoutMs) });
      await r.arrayBuffer();
      ledger.readiness.push({ at, status: r.status, ms: Date.now() - at });
    } catch {
      ledger.readiness.push({ at, status: 'timeout', ms: Date.now() - at });
    }
    await sleep(500);
  }
}

export function startLoad(url: string, s: FaultSettings, ledger: Ledger): { stop(): Promise<void> } {
  let on = true;
  const running = () => on;
  const tasks = [
    ...Array.from({ length: s.clients }, () => publisher(url, s, ledger, running)),
    prober(url, ledger, running),
    readiness(url, s, ledger, running),
  ];
  return {
    async stop() {
      on = false;
      await Promise.all(tasks);
    },
  };
}

// --- faults -----------------------------------------------------------------------------------------------

export interface Fault {
  cycle: number;
  how: 'stop' | 'kill';
  node: number;
  /** the partitions of the dossier topic the node led */
  led: number[];
  down: number;
  back: number;
  /** first probe success after `back` that is followed by no probe failure for 5 s */
  recovered?: number;
}

/** The suite's own client (leaders, reading the topic back); quiet, the apps' clients log to a file. */
function suiteKafka(brokers: string) {
  return createKafka(
    loadKafkaSettings({ KAFKA_BROKERS: brokers, KAFKA_SECURITY: 'plaintext' }, 'fault-suite'),
    {
      logLevel: logLevel.NOTHING,
    },
  );
}

/** The node leading most partitions of the dossier topic (the cluster's partition leaders). */
export async function busiestLeader(
  brokers: string,
  cycle: number,
): Promise<{ node: number; led: number[] }> {
  const kafka = suiteKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    const led = new Map<number, number[]>();
    for (const p of meta.topics[0].partitions)
      led.set(p.leader, [...(led.get(p.leader) ?? []), p.partitionId]);
    const ranked = [...led].sort(
      (a, b) => b[1].length - a[1].length || ((a[0] + cycle) % 3) - ((b[0] + cycle) % 3),
    );
    return { node: ranked[0][0], led: ranked[0][1] };
  } finally {
    await admin.disconnect();
  }
}

/** Runs the faults one after another under load: up, fault, outage, restart (kafka.sh waits until it serves). */
export async function injectFaults(
  brokers: FaultBrokers,
  s: FaultSettings,
  pick: (cycle: number) => Promise<{ node: number; led: number[] }>,
  say: (line: string) => void,
): Promise<Fault[]> {
  const faults: Fault[] = [];
  for (let cycle = 1; cycle <= s.cycles; cycle++) {
    await sleep(s.upMs);
    const how = cycle % 2 === 1 ? 'stop' : 'kill';
    const { node, led } = await pick(cycle);
    const down = Date.now();
    await brokers.stopNode(node, how);
    await sleep(s.outageMs);
    await brokers.startNode(node);
    const back = Date.now();
    faults.push({ cycle, how, node, led, down, back });
    say(
      `fault ${cycle}: ${how} node ${node} (led partitions ${led.join(',') || '-'}), back after ${back - down} ms`,
    );
  }
  await sleep(s.upMs);
  return faults;
}

// --- verdicts -----------------------------------------------------------------------------------------------

export function recoveries(faults: Fault[], ledger: Ledger): void {
  for (const f of faults) {
    const after = ledger.probes.filter((p) => p.start >= f.down);
    for (const [i, p] of after.entries()) {
      if (!p.ok || p.end < f.back) continue;
      const spoiled = after.slice(i + 1).some((q) => !q.ok && q.end <= p.end + 5_000);
      if (!spoiled) {
        f.recovered = p.end;
        break;
      }
    }
  }
}

/** Longest stretch in which readiness said "up" while every probe publish failed. */
export function longestReadyLie(ledger: Ledger): { ms: number; from?: number } {
  let best = { ms: 0, from: undefined as number | undefined };
  let run: { start: number; end: number } | undefined;
  const runs: { start: number; end: number }[] = [];
  for (const p of ledger.probes) {
    if (!p.ok) run = run ? { start: run.start, end: p.end } : { start: p.start, end: p.end };
    else if (run) {
      runs.push(run);
      run = undefined;
    }
  }
  if (run) runs.push(run);
  for (const r of runs) {
    const ups = ledger.readiness.filter((x) => x.status === 200 && x.at >= r.start && x.at <= r.end);
    if (ups.length < 2) continue;
    const ms = ups[ups.length - 1].at - ups[0].at;
    if (ms > best.ms) best = { ms, from: ups[0].at };
  }
  return best;
}

export interface TopicCheck {
  records: number;
  /** events present in more than one record (allowed: every consumer applies an event once) */
  duplicated: number;
  missing: string[];
  misplaced: string[];
}

/** Every 2xx event is at the partition and offset it was reported at, read back from the topic. */
export async function checkTopic(
  brokers: string,
  ledger: Ledger,
): Promise<{ check: TopicCheck; records: ReadRecord[] }> {
  const kafka = suiteKafka(brokers);
  const records = await readToEnd(kafka, TOPIC);
  const at = new Map(records.map((r) => [`${r.partition}/${r.offset}`, r]));
  const where = new Map<string, string[]>();
  for (const r of records) {
    const key = `${r.headers.ce_source} ${r.headers.ce_id}`;
    where.set(key, [...(where.get(key) ?? []), `${r.partition}/${r.offset}`]);
  }
  const missing: string[] = [];
  const misplaced: string[] = [];
  for (const a of ledger.acks.values()) {
    const found = at.get(`${a.partition}/${a.offset}`);
    if (found?.headers.ce_id === a.id && found.headers.ce_source === a.source) continue;
    const elsewhere = where.get(`${a.source} ${a.id}`);
    const holder = found ? `holds ${found.headers.ce_id}` : 'holds nothing';
    const line = `${a.id} answered ${a.status} at ${a.partition}/${a.offset} (that offset ${holder})`;
    if (elsewhere) misplaced.push(`${line}; the event is at ${elsewhere.join(', ')}`);
    else missing.push(`${line}; the event is nowhere in ${TOPIC}`);
  }
  const duplicated = [...where.values()].filter((w) => w.length > 1).length;
  return { check: { records: records.length, duplicated, missing, misplaced }, records };
}

export interface ProjectionCheck {
  events: number;
  historyRows: number;
  appliedTwice: string[];
  dossiers: number;
  equalsRebuild: boolean;
  rebuildState: string;
  diff?: string;
}

/**
 * The dossier projection over the produced topic: each event applied once, and the read model equal
 * to a clean rebuild (ReadModelRebuild, the code behind `lgsp rebuild`).
 */
export async function checkProjection(
  env: NodeJS.ProcessEnv,
  records: ReadRecord[],
  timeoutMs = 180_000,
): Promise<ProjectionCheck> {
  const distinct = new Set(records.map((r) => `${r.headers.ce_source} ${r.headers.ce_id}`)).size;
  const dossier = await startDossier(
    loadDossierConfig({ ...env, DOSSIER_CONSUMER_GROUP: `lgsp-dossier-fault-${randomUUID()}` }),
  );
  try {
    const count = async () =>
      Number(
        (await dossier.db.query<{ n: string }>('SELECT count(*)::text AS n FROM dossier.applied_events'))
          .rows[0].n,
      );
    const until = Date.now() + timeoutMs;
    while ((await count()) < distinct && Date.now() < until) await sleep(500);
    const twice = await dossier.db.query<{ k: string }>(
      `SELECT event_source || ' ' || event_id AS k FROM dossier.status_history
       GROUP BY event_source, event_id HAVING count(*) > 1`,
    );
    const snapshot = async () => {
      const d = await dossier.db.query('SELECT * FROM dossier.dossiers ORDER BY code');
      const h = await dossier.db.query(
        `SELECT code, event_id, event_source, event_type, status, previous_status, accepted, reason,
                occurred_at, detail, kafka_partition, kafka_offset::text
           FROM dossier.status_history ORDER BY code, seq`,
      );
      return { dossiers: d.rows, history: h.rows };
    };
    const live = await snapshot();
    await dossier.rebuild.start('fault-suite');
    const status = await dossier.rebuild.finished();
    const rebuilt = await snapshot();
    const a = JSON.stringify(live);
    const b = JSON.stringify(rebuilt);
    let diff: string | undefined;
    if (a !== b) {
      const i = [...a].findIndex((c, j) => c !== b[j]);
      diff = `live …${a.slice(Math.max(0, i - 200), i + 200)}… rebuilt …${b.slice(Math.max(0, i - 200), i + 200)}…`;
    }
    return {
      events: distinct,
      historyRows: live.history.length,
      appliedTwice: twice.rows.map((r) => r.k),
      dossiers: live.dossiers.length,
      equalsRebuild: a === b,
      rebuildState: `${status?.state ?? 'none'}${status?.error ? `: ${status.error}` : ''}`,
      diff,
    };
  } finally {
    await dossier.close();
  }
}

/** After the faults: fresh events one by one, each must be accepted at once (no restart of ingest). */
export async function steadyPublishes(url: string, ledger: Ledger, n = 20): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const ce = event('vn.lgsp.dossier.submitted.v1', submitted(uniqueDossierCode(), i));
    ledger.events++;
    const { items } = await post(url, [ce], ledger);
    const a = items[0];
    statuses.push(a.status);
    if ((a.status === 202 || a.status === 200) && a.partition !== undefined && a.offset)
      ledger.ack({
        id: ce.id,
        source: ce.source,
        partition: a.partition,
        offset: a.offset,
        status: a.status,
      });
  }
  return statuses;
}

// --- summary ---------------------------------------------------------------------------------------------------

export function summarize(
  scenario: string,
  s: FaultSettings,
  ledger: Ledger,
  faults: Fault[],
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const outages = faults.map((f) => f.back - f.down);
  const recover = faults.map((f) => (f.recovered ? f.recovered - f.back : null));
  const summary = {
    scenario,
    at: new Date().toISOString(),
    settings: s,
    eventsSent: ledger.events,
    requests: ledger.requests,
    acknowledged: ledger.acks.size,
    answers: Object.fromEntries(ledger.answers),
    restarts: faults.map((f) => `${f.how} node ${f.node}`),
    maxOutageMs: Math.max(0, ...outages),
    recoverMsAfterBack: recover,
    maxRecoverMs: Math.max(0, ...recover.map((r) => r ?? Infinity)),
    readinessSamples: {
      up: ledger.readiness.filter((r) => r.status === 200).length,
      down: ledger.readiness.filter((r) => r.status === 503).length,
      timeout: ledger.readiness.filter((r) => r.status === 'timeout').length,
      slowestAnswerMs: Math.max(
        0,
        ...ledger.readiness.filter((r) => r.status !== 'timeout').map((r) => r.ms),
      ),
    },
    ...extra,
  };
  mkdirSync(join(repo, '.local', 'fault'), { recursive: true });
  writeFileSync(join(repo, '.local', 'fault', `${scenario}-summary.json`), JSON.stringify(summary, null, 2));
  const a = summary.answers;
  process.stdout.write(
    `\n[fault ${scenario}] events sent ${summary.eventsSent}, 2xx ${summary.acknowledged} ` +
      `(202 ${a['202'] ?? 0}, 200 ${a['200'] ?? 0}), 503 ${a['503'] ?? 0}, other ${JSON.stringify(
        Object.fromEntries(Object.entries(a).filter(([k]) => !['200', '202', '503'].includes(k))),
      )}; restarts ${faults.length} (${summary.restarts.join(', ')}); max outage ${summary.maxOutageMs} ms; ` +
      `time to recover after restart ${recover.map((r) => (r === null ? 'never' : `${r} ms`)).join(', ')}; ` +
      `readiness up/down/timeout ${summary.readinessSamples.up}/${summary.readinessSamples.down}/${summary.readinessSamples.timeout}\n` +
      `[fault ${scenario}] ${JSON.stringify(extra)}\n`,
  );
  return summary;
}

export type { RunningApp };

// --- one scenario -----------------------------------------------------------------------------------------------

export interface ScenarioResult {
  problems: string[];
  summary: Record<string, unknown>;
}

/**
 * Starts fresh brokers and ingest, publishes under load while `pick` chooses the node to stop or
 * kill in each cycle, then judges from the topics and the dossier read model. Every finding is
 * collected (not only the first) so one run shows all that went wrong.
 */
export async function runScenario(
  scenario: 'single' | 'cluster',
  brokers: FaultBrokers,
  s: FaultSettings,
  appEnv: Record<string, string>,
  pick: (cycle: number) => Promise<{ node: number; led: number[] }>,
): Promise<ScenarioResult> {
  const say = (line: string) => process.stdout.write(`[fault ${scenario}] ${line}\n`);
  const problems: string[] = [];
  await brokers.freshStart();
  const env = hubEnv(brokers.brokers, appEnv);
  const logs = kafkaLogFile(scenario);
  let ingest: RunningApp | undefined;
  try {
    ingest = await startHubIngest(env, logs.override);
    const ledger = new Ledger();
    const load = startLoad(ingest.url, s, ledger);
    let faults: Fault[];
    try {
      faults = await injectFaults(brokers, s, pick, say);
    } finally {
      await load.stop();
    }
    recoveries(faults, ledger);
    const steady = await steadyPublishes(ingest.url, ledger);
    const ready = await fetch(`${ingest.url}/health/ready`).then((r) => r.status);
    const lie = longestReadyLie(ledger);

    if (ledger.unexpected.length > 0)
      problems.push(
        `unexpected answers (${ledger.unexpected.length}): ${ledger.unexpected.slice(0, 5).join(' | ')}`,
      );
    if (ledger.conflictingAcks.length > 0)
      problems.push(
        `one event answered 2xx with two positions: ${ledger.conflictingAcks.slice(0, 10).join(' | ')}`,
      );
    for (const f of faults) {
      if (!f.recovered || f.recovered - f.back > s.recoveryMs)
        problems.push(
          `fault ${f.cycle} (${f.how} node ${f.node}): publishing did not work steadily within ${s.recoveryMs} ms of the broker's return`,
        );
      if (scenario === 'single') {
        const during = ledger.readiness.filter((r) => r.at >= f.down && r.at <= f.back);
        if (!during.some((r) => r.status === 503))
          problems.push(
            `fault ${f.cycle} (${f.how}): /health/ready never answered 503 while the broker was down ` +
              `(${during.filter((r) => r.status === 'timeout').length} of ${during.length} samples got no answer within ${s.readyTimeoutMs} ms)`,
          );
      }
    }
    if (lie.ms > s.readyLieMs)
      problems.push(
        `/health/ready said up for ${lie.ms} ms (from ${new Date(lie.from ?? 0).toISOString()}) while every publish failed`,
      );
    if (!steady.every((x) => x === 202))
      problems.push(`after the faults, fresh publishes answered ${steady.join(',')} (all should be 202)`);
    if (ready !== 200) problems.push(`after the faults /health/ready answers ${ready}`);

    const { check, records } = await checkTopic(brokers.brokers, ledger);
    if (check.missing.length > 0)
      problems.push(
        `${check.missing.length} events answered 2xx are not in the topic: ${check.missing.slice(0, 10).join(' | ')}`,
      );
    if (check.misplaced.length > 0)
      problems.push(
        `${check.misplaced.length} events answered 2xx are not at the offset reported: ${check.misplaced.slice(0, 10).join(' | ')}`,
      );
    await ingest.close();
    ingest = undefined;

    const projection = await checkProjection(env, records);
    if (projection.appliedTwice.length > 0)
      problems.push(
        `events applied twice in the read model: ${projection.appliedTwice.slice(0, 10).join(' | ')}`,
      );
    if (projection.historyRows !== projection.events)
      problems.push(
        `read model has ${projection.historyRows} history rows for ${projection.events} distinct events`,
      );
    if (projection.rebuildState !== 'completed') problems.push(`rebuild ${projection.rebuildState}`);
    if (!projection.equalsRebuild)
      problems.push(`read model differs from a clean rebuild: ${projection.diff}`);

    const kafkajsLog = Object.fromEntries([...logs.counts].sort((a, b) => b[1] - a[1]).slice(0, 8));
    const summary = summarize(scenario, s, ledger, faults, {
      topic: { ...check, missing: check.missing.length, misplaced: check.misplaced.length },
      longestReadyLieMs: lie.ms,
      steady: steady.join(','),
      projection: { ...projection, appliedTwice: projection.appliedTwice.length, diff: undefined },
      kafkajsLog,
      problems,
    });
    for (const p of problems) say(`PROBLEM ${p}`);
    return { problems, summary };
  } finally {
    await ingest?.close().catch(() => undefined);
    logs.stream.end();
    await brokers.stopAll().catch(() => undefined);
  }
}
