import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, projectRoot, type Env } from '@lgsp/core';

/**
 * docker/compose.yaml gives every app what production requires of it. "Requires" is not a list kept here:
 * each app's own config loader (the one its main.ts calls) runs with the environment the container gets —
 * the image's ENV (docker/Dockerfile, NODE_ENV=production) and the service's environment — and the files
 * it names must be in the container (mounted configs and secrets, or copied into the image).
 */
interface Mount {
  source: string;
  target?: string;
}
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  configs?: (string | Mount)[];
  secrets?: (string | Mount)[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  ports?: string[];
}
interface Compose {
  services: Record<string, Service>;
  configs?: Record<string, { file: string }>;
  secrets?: Record<string, { file: string }>;
}

const root = projectRoot();
const dockerDir = join(root, 'docker');
const compose = parse(readFileSync(join(dockerDir, 'compose.yaml'), 'utf8'), { merge: true }) as Compose;
const image = finalStage(readFileSync(join(dockerDir, 'Dockerfile'), 'utf8'));

/** WORKDIR, ENV and what COPY puts from the build context into the image's last stage. */
function finalStage(dockerfile: string): {
  workdir: string;
  env: Env;
  copies: { from: string; to: string }[];
} {
  const lines = dockerfile.split('\n').map((line) => line.trim());
  const stage = lines.slice(lines.findLastIndex((line) => line.startsWith('FROM ')));
  let workdir = '/';
  const env: Env = {};
  const copies: { from: string; to: string }[] = [];
  for (const line of stage) {
    const [instruction, ...args] = line.split(/\s+/);
    if (instruction === 'WORKDIR') workdir = posix.resolve(workdir, args[0]);
    if (instruction === 'ENV')
      for (const pair of args) {
        const [name, ...value] = pair.split('=');
        env[name] = value.join('=');
      }
    // COPY --from=<stage> brings built code and dependencies, not files a loader reads: only the context's.
    if (instruction === 'COPY' && !args.some((arg) => arg.startsWith('--from'))) {
      const to = posix.resolve(workdir, args[args.length - 1]);
      for (const from of args.slice(0, -1))
        copies.push({ from, to: args[args.length - 1].endsWith('/') ? posix.join(to, from) : to });
    }
  }
  return { workdir, env, copies };
}

/** The host file a container path is, when the compose file mounts it or the image copies it. */
function hostPath(service: Service, path: string): string | undefined {
  const mounts: { from: string; to: string }[] = [];
  for (const [kind, defaultDir] of [
    ['configs', '/'],
    ['secrets', '/run/secrets'],
  ] as const)
    for (const entry of service[kind] ?? []) {
      const mount = typeof entry === 'string' ? { source: entry } : entry;
      const file = compose[kind]?.[mount.source]?.file;
      if (file)
        mounts.push({
          from: resolve(dockerDir, file),
          to: mount.target ?? posix.join(defaultDir, mount.source),
        });
    }
  for (const volume of service.volumes ?? []) {
    const [from, to] = volume.split(':');
    if (from.startsWith('.') || from.startsWith('/')) mounts.push({ from: resolve(dockerDir, from), to });
  }
  // the image's build context is the repository (build.context: ..)
  mounts.push(...image.copies.map(({ from, to }) => ({ from: join(root, from), to })));
  const mount = mounts.find(({ to }) => path === to || path.startsWith(`${to}/`));
  return mount && join(mount.from, path.slice(mount.to.length));
}

/** The container's environment, with each path it names to a mounted or copied file replaced by the host's. */
function containerEnv(service: Service): Env {
  const env: Env = { ...image.env };
  for (const [name, value] of Object.entries(service.environment ?? {})) {
    const text = String(value);
    env[name] = (text.startsWith('/') && hostPath(service, text)) || text;
  }
  // where the code finds the project in the container (the image's package.json and schemas/)
  env.LGSP_ROOT ??= image.workdir;
  return env;
}

/** Every `…File` setting in a loaded config, however deep. */
function filesOf(config: unknown, at = ''): { setting: string; path: string }[] {
  if (typeof config !== 'object' || config === null || Object.getPrototypeOf(config) !== Object.prototype)
    return [];
  return Object.entries(config).flatMap(([key, value]) =>
    /File$/.test(key) && typeof value === 'string'
      ? [{ setting: at + key, path: value }]
      : filesOf(value, `${at}${key}.`),
  );
}

const dependsOn = (service: Service): Record<string, string> =>
  Array.isArray(service.depends_on)
    ? Object.fromEntries(service.depends_on.map((name) => [name, 'service_started']))
    : Object.fromEntries(Object.entries(service.depends_on ?? {}).map(([name, d]) => [name, d.condition]));

/** The services started (and healthy or done, as their conditions say) before this one. */
function startedBefore(name: string, seen = new Set<string>()): Set<string> {
  for (const dependency of Object.keys(dependsOn(compose.services[name])))
    if (!seen.has(dependency)) {
      seen.add(dependency);
      startedBefore(dependency, seen);
    }
  return seen;
}

/**
 * The apps that run as servers: a main.ts that runs until a signal. Simulators of other parties'
 * systems (apps/*-sim, e.g. the national side) are development and test tools, not part of a deployment;
 * apps/hub is the one-process composition of the services for a laptop (npm start), which compose runs
 * each as its own service instead.
 */
const serverApps = readdirSync(join(root, 'apps')).filter((app) => {
  if (app.endsWith('-sim') || app === 'hub') return false;
  const main = join(root, 'apps', app, 'main.ts');
  return existsSync(main) && readFileSync(main, 'utf8').includes('runUntilSignal(');
});

/** The config loader an app's main.ts calls with process.env. */
async function loaderOf(app: string): Promise<(env: Env) => Record<string, unknown>> {
  const main = readFileSync(join(root, 'apps', app, 'main.ts'), 'utf8');
  const name = /\b(load\w*Config)\(process\.env\)/.exec(main)?.[1];
  const from = name && new RegExp(`import {[^}]*\\b${name}\\b[^}]*} from '(\\./[^']+)'`).exec(main)?.[1];
  if (!name || !from) throw new Error(`apps/${app}/main.ts: no load…Config(process.env) imported from ./src`);
  const module = (await import(join(root, 'apps', app, from))) as Record<string, unknown>;
  return module[name] as (env: Env) => Record<string, unknown>;
}

const appServices = Object.entries(compose.services).flatMap(([name, service]) => {
  const script = service.command?.find((arg) => arg.endsWith('.js'));
  const app = script && /^dist\/apps\/([^/]+)\/main\.js$/.exec(script)?.[1];
  return app ? [{ name, service, app }] : [];
});

describe('docker/compose.yaml', () => {
  it('runs every server app, each from the production image on its compiled code', () => {
    expect(image.env.NODE_ENV).toBe('production');
    expect(appServices.map(({ app }) => app).sort()).toEqual([...serverApps].sort());
    for (const [name, service] of Object.entries(compose.services)) {
      if (!service.build) continue;
      const script = service.command?.find((arg) => arg.endsWith('.js'));
      expect({ name, command: service.command?.[0], script }).toEqual({
        name,
        command: 'node',
        script: expect.stringMatching(/^dist\//),
      });
      // the compiled file comes from a source of the repository (tsconfig.build.json: rootDir .)
      expect({
        name,
        source: existsSync(join(root, script!.replace(/^dist\//, '').replace(/\.js$/, '.ts'))),
      }).toEqual({ name, source: true });
    }
  });

  describe.each(appServices)('$name', ({ name, service, app }) => {
    it('gets everything its config loader requires in production, and the files it names', async () => {
      const load = await loaderOf(app);
      // production requires something of every app, so the check below means something
      expect(() => load({ ...image.env, LGSP_ROOT: image.workdir })).toThrow(ConfigError);

      const env = containerEnv(service);
      expect(env.NODE_ENV).toBe('production');
      const config = load(env);
      const files = filesOf(config);
      expect(files.length).toBeGreaterThan(0);
      for (const { setting, path } of files)
        expect({
          setting,
          path,
          inContainer: existsSync(path) || existsSync(hostPath(service, path) ?? ''),
        }).toEqual({ setting, path, inContainer: true });
    });

    it('is healthy when ready, and starts after every service its configuration names', async () => {
      const config = (await loaderOf(app))(containerEnv(service)) as {
        port: number;
        host: string;
        kafka: { brokers: string[] };
        store?: { databaseUrl?: string };
        subgraphs?: { url: string }[];
      };
      expect(config.host).toBe('0.0.0.0');
      expect(service.healthcheck?.test).toContain(`http://127.0.0.1:${config.port}/health/ready`);
      const hosts = [
        ...config.kafka.brokers.map((broker) => broker.split(':')[0]),
        ...(config.store?.databaseUrl ? [new URL(config.store.databaseUrl).hostname] : []),
        ...(config.subgraphs ?? []).map((subgraph) => new URL(subgraph.url).hostname),
      ];
      const before = startedBefore(name);
      for (const host of hosts)
        expect({ name, host, startedBefore: before.has(host) }).toEqual({ name, host, startedBefore: true });
      // another app of the hub is waited for until it is healthy, not merely started
      for (const [dependency, condition] of Object.entries(dependsOn(service)))
        if (appServices.some((other) => other.name === dependency))
          expect({ dependency, condition }).toEqual({ dependency, condition: 'service_healthy' });
    });
  });
});
