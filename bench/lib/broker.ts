import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const script = join(root, 'docker', 'kafka-local', 'kafka.sh');

/** A broker a benchmark uses alone: its topics, groups and load touch nothing else. */
export interface BenchBroker {
  brokers: string;
  /** the environment that points Kafka's tools (runKafkaTool) and the hub's services at this broker */
  env: Record<string, string>;
  /** the broker's process, when this run started it (for its CPU time) */
  pid?: number;
  stop(): Promise<void>;
}

/** A TCP port nobody listens on now: another benchmark run on this machine may hold any fixed one. */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A TCP port nobody listens on now, and the one after it (the broker's controller). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    if (port > 0 && port < 65535 && (await isFree(port + 1))) return port;
  }
  throw new Error('no two free TCP ports in a row for the benchmark broker');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Starts a single-node KRaft broker of the benchmark's own (the local broker's jars, a data folder and a
 * port of its own, PLAINTEXT), so that a benchmark never writes into a running hub's topics, never meets an
 * earlier run's records, and two benchmarks never share one. With `brokers` (the --brokers option) a broker
 * elsewhere is used as it is: it must be one the benchmark has to itself.
 */
export async function benchBroker(name: string, brokers?: string): Promise<BenchBroker> {
  if (brokers) {
    const env = { KAFKA_BROKERS: brokers, KAFKA_SECURITY: process.env.KAFKA_SECURITY ?? 'plaintext' };
    return { brokers, env, stop: () => Promise.resolve() };
  }
  const home = mkdtempSync(join(tmpdir(), `lgsp-bench-kafka-${name}-`));
  const port = await freePortPair();
  const env = {
    LGSP_KAFKA_HOME: home,
    LGSP_KAFKA_PORT: String(port),
    LGSP_KAFKA_SASL: '0',
    KAFKA_BROKERS: `127.0.0.1:${port}`,
    KAFKA_SECURITY: 'plaintext',
  };
  process.stderr.write(`[bench] starting a broker of this run on 127.0.0.1:${port} (${home})\n`);
  await run('bash', [script, 'start'], { env: { ...process.env, ...env } });
  // Kafka's tools (runKafkaTool) find this broker's jars and port through the same variables.
  Object.assign(process.env, env);
  let stopped = false;
  // A run that ends through process.exit before stop() (BenchServices does so when a service dies) must not
  // leave its broker running: stopped then, synchronously.
  const stopAtExit = () => {
    if (stopped) return;
    stopped = true;
    try {
      execFileSync('bash', [script, 'stop'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  };
  process.once('exit', stopAtExit);
  // nor does one stopped by a signal nobody else handles (`kill`, a CI runner ending the job)
  const onTerm = () => process.exit(143);
  if (process.listenerCount('SIGTERM') === 0) process.once('SIGTERM', onTerm);
  return {
    brokers: env.KAFKA_BROKERS,
    env,
    pid: Number(readFileSync(join(home, 'broker.pid'), 'utf8').trim()),
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopAtExit);
      process.removeListener('SIGTERM', onTerm);
      await run('bash', [script, 'stop'], { env: { ...process.env, ...env } }).catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `work` again while Kafka calls it retriable (a fresh broker elects a new topic's leaders a moment after
 * creating it), up to about ten seconds.
 */
export async function retriable<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 20 || !(error as { retriable?: boolean }).retriable) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
