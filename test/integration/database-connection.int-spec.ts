import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import {
  createKafka,
  ensureTopics,
  loadKafkaSettings,
  readRanges,
  resolveRange,
  toKafkaRecord,
} from '@lgsp/kafka';
import { dossierLifecycle, eventually, uniqueDossierCode } from '@lgsp/testing';

interface Service {
  child: ChildProcess;
  url: string;
  alive(): boolean;
  output(): string;
}

/** Starts an app as operators do (its own process) and resolves with the URL it logs once listening. */
function startService(main: string, env: Record<string, string>): Promise<Service> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', main],
    { cwd: join(__dirname, '..', '..'), env: { ...process.env, ...env } },
  );
  let output = '';
  const service = (url: string): Service => ({
    child,
    url,
    alive: () => child.exitCode === null && child.signalCode === null,
    output: () => output,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${main} did not start:\n${output}`)), 120_000);
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"[^"]*listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(service(match[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${main} exited with ${code}:\n${output}`));
    });
  });
}

async function stopService(service: Service | undefined): Promise<void> {
  if (!service?.alive()) return;
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  await exited;
}

async function readiness(url: string): Promise<{ status: number; database?: string }> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { checks?: Record<string, string> };
    return { status: response.status, database: body.checks?.database };
  } catch {
    return { status: 0 };
  }
}

const postgres = process.env.DATABASE_URL;
const onPostgres = postgres ? describe : describe.skip;
if (!postgres)
  process.stderr.write(
    'database-connection: PostgreSQL only, skipped on PGlite (set DATABASE_URL to run it)\n',
  );

/**
 * The hub's database drops every connection (pg_terminate_backend, as a restart or failover does),
 * then refuses connections for a while: the gateway and the dossier service keep running, say they are
 * not ready while the database does not answer, and work again once it does.
 */
onPostgres('a dropped database connection (PostgreSQL only: skipped on PGlite, set DATABASE_URL)', () => {
  const groupId = `lgsp-dossier-dropped-${randomUUID()}`;
  let admin: Client;
  let database: string;
  let dossier: Service | undefined;
  let gateway: Service | undefined;

  beforeAll(async () => {
    const url = new URL(postgres as string);
    database = url.pathname.slice(1);
    url.pathname = '/postgres';
    admin = new Client({ connectionString: url.toString() });
    await admin.connect();
  });

  afterAll(async () => {
    await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS true`);
    await admin.end();
    await Promise.all([stopService(gateway), stopService(dossier)]);
  });

  const terminate = async () =>
    (
      await admin.query<{ done: boolean }>(
        'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = $1',
        [database],
      )
    ).rows.filter((r) => r.done).length;

  const dossierStatus = async (code: string): Promise<number | undefined> => {
    const client = new Client({ connectionString: postgres });
    await client.connect();
    try {
      const { rows } = await client.query<{ status: number }>(
        'SELECT status FROM dossier.dossiers WHERE code = $1',
        [code],
      );
      return rows[0]?.status;
    } finally {
      await client.end();
    }
  };

  it('keeps the services alive, reports not ready while the database is away, and recovers', async () => {
    const kafka = createKafka(loadKafkaSettings(process.env, 'dropped-connection-test'));
    await ensureTopics(kafka, loadKafkaSettings(process.env, 'dropped-connection-test'));
    const kafkaAdmin = kafka.admin();
    const producer = kafka.producer();
    await kafkaAdmin.connect();
    await producer.connect();
    try {
      // The projection starts at the end of the dossier topic: only this test's events concern it.
      const dlqStart = Object.fromEntries(
        (await kafkaAdmin.fetchTopicOffsets(Topics.dlq)).map((p) => [p.partition, p.high]),
      );
      const topic = Topics.events('dossier');
      const ends = await kafkaAdmin.fetchTopicOffsets(topic);
      await kafkaAdmin.setOffsets({
        groupId,
        topic,
        partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
      });
      dossier = await startService('apps/dossier/main.ts', {
        DOSSIER_PORT: '0',
        DOSSIER_CONSUMER_GROUP: groupId,
      });
      gateway = await startService('apps/gateway/main.ts', {
        GATEWAY_PORT: '0',
        GATEWAY_SUBGRAPHS: `dossier=${dossier.url}/graphql`,
      });
      const services = [dossier, gateway];
      const allReady = async (status: number) =>
        (await Promise.all(services.map((s) => readiness(s.url)))).every((r) => r.status === status)
          ? true
          : undefined;
      await eventually(() => allReady(200), 30_000);

      // Every connection of the hub's database is dropped, idle or not.
      await allReady(200); // both pools hold a connection now
      expect(await terminate()).toBeGreaterThanOrEqual(2);
      await new Promise((r) => setTimeout(r, 2_000));
      for (const s of services)
        expect({ alive: s.alive(), output: s.alive() ? '' : s.output() }).toEqual({
          alive: true,
          output: '',
        });
      await eventually(() => allReady(200), 30_000);

      // The database refuses connections for a while, as during a restart.
      await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS false`);
      await terminate();
      await eventually(() => allReady(503), 30_000);
      for (const s of services) expect((await readiness(s.url)).database).toMatch(/^down/);
      const code = uniqueDossierCode();
      const submitted = dossierLifecycle(code, 0)[0];
      await producer.send({ topic, messages: [toKafkaRecord(submitted, code)] });
      await new Promise((r) => setTimeout(r, 3_000));
      for (const s of services) expect(s.alive()).toBe(true);

      await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS true`);
      await eventually(() => allReady(200), 60_000);
      // The projection retried the batch and applied it once the database was back.
      expect(await eventually(() => dossierStatus(code), 60_000)).toBe(1);
      for (const s of services) expect(s.alive()).toBe(true);
      // A connection failure is transient: nothing was dead-lettered.
      const letters: string[] = [];
      const ranges = await resolveRange(kafka, Topics.dlq, { kind: 'offsets', offsets: dlqStart });
      await readRanges(kafka, Topics.dlq, ranges, async (records) => {
        for (const r of records)
          if (r.headers[DlqHeaders.consumerGroup] === groupId)
            letters.push(r.headers[DlqHeaders.errorDetail]);
      });
      expect(letters).toEqual([]);
    } finally {
      await Promise.all([stopService(gateway), stopService(dossier)]);
      await producer.disconnect();
      await kafkaAdmin.deleteGroups([groupId]).catch(() => undefined);
      await kafkaAdmin.disconnect();
    }
  }, 300_000);
});
