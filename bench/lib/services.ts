import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, dropDatabases } from '@lgsp/testing/databases';
import { formatShares, readProfiles, summarizeProfiles, type ProfileShares } from './profile';

const root = join(__dirname, '..', '..');

/** CPU milliseconds (user + system) a process has spent so far, from /proc (Linux). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11], fields[12]: utime, stime in clock ticks (100 per second on Linux)
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU milliseconds of each process named `comm` (e.g. the PostgreSQL server's backends), by pid. */
export function cpuOfCommand(comm: string): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm)
        cpu.set(Number(entry), cpuMs(Number(entry)));
    } catch {
      // the process ended meanwhile
    }
  }
  return cpu;
}

/**
 * CPU milliseconds spent between two readings of cpuOfCommand: a process that ended in between drops out (its
 * last moments are not counted, and its earlier time is not taken away), one that started counts from zero.
 */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** The benchmark process's own CPU milliseconds: it is the load generator. */
export function loadGeneratorCpuMs(): number {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1000;
}

/** The compiled apps (dist/), built first when a source is newer: benchmarks measure what `npm start` runs. */
export function ensureBuilt(): void {
  execFileSync('bash', [join(root, 'scripts', 'build.sh'), '--if-stale'], { stdio: 'inherit', cwd: root });
}

export interface ServiceOptions {
  /** write a V8 CPU profile of each service into this folder (`node --cpu-prof`) */
  profileDir?: string;
  /** keep every service's store in PostgreSQL (a fresh database each, dropped at the end) instead of PGlite */
  databaseUrl?: string;
  /** the run's name: databases and consumer groups carry it */
  run: string;
}

/**
 * The hub's services a benchmark starts, each its own process running the compiled app (dist/apps/<app>/main.js)
 * with a store of its own, and what each spent: CPU by /proc, and with `profileDir` where the time went.
 */
export class BenchServices {
  private readonly children = new Map<string, ChildProcess>();
  private readonly databases: string[] = [];
  private stopping = false;
  readonly pgliteDir = mkdtempSync(join(tmpdir(), 'lgsp-bench-store-'));

  constructor(
    private readonly options: ServiceOptions,
    private readonly baseEnv: Record<string, string>,
    /** the benchmark's own broker (BenchBroker.pid), so that its CPU is counted too */
    private readonly brokerPid?: number,
  ) {}

  /** The environment every service gets: the broker, a fresh store folder, quiet logs. */
  private env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.baseEnv,
      LGSP_PGLITE_DIR: this.pgliteDir,
      LOG_LEVEL: 'warn',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      ...extra,
    };
  }

  /** A fresh database for `service` on the PostgreSQL server, or nothing (the service's PGlite folder). */
  async storeFor(service: string): Promise<Record<string, string>> {
    if (!this.options.databaseUrl) return {};
    const name = `lgsp_bench_${this.options.run}_${service}`.replace(/[^a-z0-9_]/g, '_');
    const url = await createDatabase(this.options.databaseUrl, name);
    this.databases.push(name);
    return { DATABASE_URL: url };
  }

  /**
   * Starts `name`: the compiled app `dist/apps/<app>/main.js`, or a script run through ts-node (the
   * competitors' gateways in bench/gateways are not part of the build).
   */
  start(
    name: string,
    entry: { app: string } | { script: string },
    extra: Record<string, string>,
  ): ChildProcess {
    const profile = this.options.profileDir
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          this.options.profileDir,
          '--cpu-prof-name',
          `${name.replace(/\W+/g, '-')}.cpuprofile`,
        ]
      : [];
    const args =
      'app' in entry
        ? [...profile, join(root, 'dist', 'apps', entry.app, 'main.js')]
        : [
            ...profile,
            '-r',
            'ts-node/register/transpile-only',
            '-r',
            'tsconfig-paths/register',
            entry.script,
          ];
    if ('app' in entry && !existsSync(args[args.length - 1]))
      throw new Error(`${args[args.length - 1]}: run npm run build`);
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: this.env(extra),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.children.set(name, child);
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      console.error(`${name} exited (${signal ?? code}) before the benchmark ended; stopping`);
      process.exitCode = 1;
      void this.stop().finally(() => process.exit(1));
    });
    return child;
  }

  /** CPU milliseconds spent so far by each service, the load generator, the broker and a local PostgreSQL. */
  cpuSnapshot(): Map<string, number> {
    const snapshot = new Map<string, number>();
    for (const [name, child] of this.children)
      if (child.pid && child.exitCode === null) snapshot.set(name, cpuMs(child.pid));
    snapshot.set('load generator', loadGeneratorCpuMs());
    if (this.brokerPid) snapshot.set('Kafka broker', cpuMs(this.brokerPid));
    // each backend on its own (`database server#<pid>`): one that ends between two snapshots drops out of both
    if (this.options.databaseUrl)
      for (const [pid, ms] of cpuOfCommand('postgres')) snapshot.set(`database server#${pid}`, ms);
    return snapshot;
  }

  /** Stops every service (SIGKILL after 15 s), removes its stores. Profiles are written on exit. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const exited = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    );
    const kill = setTimeout(() => {
      for (const child of this.children.values())
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 15_000);
    await Promise.all(exited);
    clearTimeout(kill);
    // The services' PGlite folders (100–200 MB after a short run) are the run's own, like its databases.
    rmSync(this.pgliteDir, { recursive: true, force: true });
    if (this.options.databaseUrl) await dropDatabases(this.options.databaseUrl, this.databases);
  }

  /** After stop(): where each profiled service's time went, one line each. */
  private profileSummary(): { name: string; shares: ProfileShares }[] {
    const dir = this.options.profileDir;
    if (!dir) return [];
    return [...this.children.keys()].flatMap((name) => {
      const profiles = readProfiles(dir, name.replace(/\W+/g, '-'));
      return profiles.length ? [{ name, shares: summarizeProfiles(profiles) }] : [];
    });
  }

  printProfileSummary(): void {
    const summary = this.profileSummary();
    if (summary.length === 0) return;
    console.log(`where the time went (V8 CPU profiles in ${this.options.profileDir}):`);
    for (const { name, shares } of summary) console.log(`  ${name}: ${formatShares(shares)}`);
  }
}

/** "1.23 ms" of CPU per unit, per process, between two snapshots. */
/** CPU milliseconds per process between two snapshots; the database server's backends summed (see cpuSnapshot). */
function spent(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, ms] of after) {
    const name = key.split('#')[0];
    out.set(name, (out.get(name) ?? 0) + ms - (before.get(key) ?? 0));
  }
  return out;
}

export function cpuPerUnit(
  before: Map<string, number>,
  after: Map<string, number>,
  units: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, ms] of spent(before, after)) out.set(name, ms / Math.max(units, 1));
  return out;
}

/** CPU as a share of one core over `wallMs`, per process: "ingest 93% · load generator 61% · …". */
export function formatCpuShare(
  before: Map<string, number>,
  after: Map<string, number>,
  wallMs: number,
): string {
  return [...spent(before, after)]
    .map(([name, ms]) => `${name} ${((ms / wallMs) * 100).toFixed(0)}%`)
    .join(' · ');
}

/** Waits until `url` (a /health/ready) answers 2xx; an error naming the service and its last answer otherwise. */
export async function untilReady(name: string, url: string, seconds = 120): Promise<void> {
  let last = 'no answer';
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not get ready in ${seconds} s (${url}; last: ${last})`);
}
