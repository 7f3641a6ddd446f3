import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a process's CPU time went, by V8's sampling profiler (`node --cpu-prof`). */
export type ProfileShares = Record<ProfileCategory, number>;

export type ProfileCategory =
  | 'hub code'
  | 'database'
  | 'Kafka client'
  | 'GraphQL and HTTP libraries'
  | 'other libraries'
  | 'Node.js runtime'
  | 'garbage collector'
  | 'idle';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

const HTTP_AND_GRAPHQL =
  /node_modules\/(fastify|@fastify|mercurius|@mercuriusjs|graphql|@graphql-tools|@nestjs|light-my-request|find-my-way|undici|autocannon|@apollo|@graphql-hive|fast-json-stringify|ajv|pino|avvio|reflect-metadata|rxjs)\//;

/** The category of one stack frame, by its script: ours, the store, Kafka, the GraphQL/HTTP stack, Node. */
export function categoryOf(functionName: string, url: string): ProfileCategory {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)' || functionName === '(root)') return 'Node.js runtime';
  // PGlite is PostgreSQL compiled to WebAssembly: its wasm frames and its JS glue are the database
  if (url.startsWith('wasm://') || url.includes('node_modules/@electric-sql/')) return 'database';
  if (/node_modules\/(pg|pg-protocol|pg-pool|pg-types|pgpass)\//.test(url)) return 'database';
  if (url.includes('node_modules/kafkajs/')) return 'Kafka client';
  if (HTTP_AND_GRAPHQL.test(url)) return 'GraphQL and HTTP libraries';
  if (url.includes('node_modules/')) return 'other libraries';
  if (/\/(apps|libs)\//.test(url)) return 'hub code';
  return 'Node.js runtime';
}

/** The share of samples in each category, over every profile given (0..1). */
export function summarizeProfiles(profiles: CpuProfile[]): ProfileShares {
  const totals = new Map<ProfileCategory, number>();
  let all = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
    // A builtin (JSON.parse, a hash, a regular expression: no script of its own) is charged to the code that
    // called it, so that the hub's own parsing shows as hub code and kafkajs's encoding as the Kafka client.
    const category = new Map<number, ProfileCategory>();
    const categorize = (id: number): ProfileCategory => {
      const known = category.get(id);
      if (known) return known;
      const node = byId.get(id);
      const frame = node?.callFrame ?? { functionName: '(program)', url: '' };
      const builtin = frame.url === '' && !frame.functionName.startsWith('(');
      const up = parent.get(id);
      const c = builtin && up !== undefined ? categorize(up) : categoryOf(frame.functionName, frame.url);
      category.set(id, c);
      return c;
    };
    profile.samples.forEach((id, i) => {
      const dt = profile.timeDeltas[i] ?? 0;
      const c = categorize(id);
      totals.set(c, (totals.get(c) ?? 0) + dt);
      all += dt;
    });
  }
  const order: ProfileCategory[] = [
    'hub code',
    'database',
    'Kafka client',
    'GraphQL and HTTP libraries',
    'other libraries',
    'Node.js runtime',
    'garbage collector',
    'idle',
  ];
  return Object.fromEntries(
    order.map((c) => [c, all === 0 ? 0 : (totals.get(c) ?? 0) / all]),
  ) as ProfileShares;
}

/** The `.cpuprofile` files in `dir` whose name starts with `prefix`, read. */
export function readProfiles(dir: string, prefix = ''): CpuProfile[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
}

/** One line: "hub code 4% · database 41% · Kafka client 7% · … · idle 18%". */
export function formatShares(shares: ProfileShares): string {
  return Object.entries(shares)
    .filter(([, share]) => share >= 0.005)
    .map(([category, share]) => `${category} ${(share * 100).toFixed(0)}%`)
    .join(' · ');
}

/**
 * Profiles this very process (for the benchmarks that run the code under test in-process, like the rebuild):
 * `stop()` returns where the time went between start and stop, and keeps the profile as `<dir>/<name>.cpuprofile`
 * (for Chrome's DevTools or a closer look).
 */
export async function profileThisProcess(
  dir: string,
  name: string,
): Promise<{ stop(): Promise<ProfileShares> }> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      return summarizeProfiles([profile]);
    },
  };
}
