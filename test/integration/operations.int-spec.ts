import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { defaultSchemasDir, Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, EventProducer, loadKafkaSettings, toKafkaRecord, type CloudEvent } from '@lgsp/kafka';
import { DeadLetters, replay } from '@lgsp/operations';
import { openDatabase, type Database, type StoreSettings } from '@lgsp/store';
import {
  createDatabase,
  createTestTopic,
  dossierLifecycle,
  dropDatabases,
  endOffsets,
  eventually,
  readFrom,
  readToEnd,
  startGroupAtEnd,
  stopChild,
  uniqueDossierCode,
} from '@lgsp/testing';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';
import type { DossierRepository } from '../../apps/dossier/src/dossier.repository';

/** Operator work against the real broker and database: replay, rebuild, dead letters, crash safety. */
describe('operations (integration)', () => {
  const settings = loadKafkaSettings(process.env, 'operations-test');
  const kafka: Kafka = createKafka(settings);
  const producer = new EventProducer(kafka);

  beforeAll(async () => {
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
  });

  const createTopic = (partitions: number) => createTestTopic(kafka, partitions);
  const publish = async (topic: string, events: CloudEvent[], timestamp?: number): Promise<void> => {
    await producer.sendRaw(
      topic,
      events.map((e) => ({
        ...toKafkaRecord(e, (e.data as { MaHoSo: string }).MaHoSo),
        ...(timestamp ? { timestamp: String(timestamp) } : {}),
      })),
    );
  };
  /** A dossier service's settings with a group of its own that starts at the end of `topic` now. */
  const dossierEnv = async (extra: Record<string, string> = {}, topic: string = Topics.events('dossier')) => {
    const env = {
      ...process.env,
      DOSSIER_PORT: '0',
      LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-ops-')),
      DOSSIER_CONSUMER_GROUP: `lgsp-dossier-ops-${randomUUID()}`,
      ...extra,
    };
    await startGroupAtEnd(kafka, env.DOSSIER_CONSUMER_GROUP, [topic]);
    return env;
  };

  it('replays a time window into a new topic with keys, headers, values, timestamps and per-partition order intact', async () => {
    const source = await createTopic(3);
    const hour = (h: number) => Date.parse(`2026-11-20T${String(h).padStart(2, '0')}:00:00+07:00`);
    const codes = Array.from({ length: 6 }, () => uniqueDossierCode());
    for (const [h, n] of [
      [7, 0],
      [8, 1],
      [8, 2],
      [9, 3],
      [10, 4],
    ])
      await publish(
        source,
        codes.flatMap((c, i) => dossierLifecycle(c, i + n).slice(0, 2)),
        hour(h) + n * 60_000,
      );
    const target = `${source}.replayed`;

    const result = await replay(kafka, producer, {
      source,
      target,
      from: { kind: 'timestamp', at: new Date('2026-11-20T08:00:00+07:00') },
      to: { kind: 'timestamp', at: new Date('2026-11-20T09:00:00+07:00') },
    });

    const inWindow = (await readToEnd(kafka, source)).filter(
      (r) => Number(r.timestamp) >= hour(8) && Number(r.timestamp) < hour(9),
    );
    expect(inWindow).toHaveLength(2 * 6 * 2);
    expect(result).toMatchObject({ read: 24, matched: 24, written: 24, interrupted: false });
    const copied = await readToEnd(kafka, target);
    const shape = (r: {
      partition: number;
      key: string | null;
      value: string | null;
      headers: object;
      timestamp?: string;
    }) => ({
      partition: r.partition,
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestamp,
    });
    expect(copied.map(shape)).toEqual(inWindow.map(shape));
  }, 120_000);

  it('rebuilds the dossier read model beside the live one and switches to an identical copy', async () => {
    // A topic of its own: the rebuild reads all of it, and the live model must hold the same.
    const topic = await createTopic(settings.partitions);
    // And a database of its own on PostgreSQL, where other tests' dossiers share the run's schema.
    const server = process.env.DATABASE_URL;
    const dbName = `lgsp_ops_rebuild_${process.pid}_${Date.now()}`;
    const own: Record<string, string> = server ? { DATABASE_URL: await createDatabase(server, dbName) } : {};
    const env = await dossierEnv(own, topic);
    const dossier = await startDossier({ ...loadDossierConfig(env), topic });
    try {
      const codes = Array.from({ length: 20 }, () => uniqueDossierCode());
      await publish(
        topic,
        codes.flatMap((c, i) => dossierLifecycle(c, i)),
      );
      await eventually(async () => {
        const rows = await Promise.all(codes.map((c) => dossier.repository.byCode(c)));
        return rows.every((r) => r?.status === 10) ? true : undefined;
      }, 60_000);
      await caughtUp(kafka, env.DOSSIER_CONSUMER_GROUP, topic);
      const snapshot = () => modelSnapshot(dossier.repository);
      const live = await snapshot();

      // Damage the live model: only a real rebuild from the topic brings the row back.
      await dossier.repository.transaction((tx) =>
        tx.query(`UPDATE dossier.dossiers SET status = 3, flagged = true WHERE code = $1`, [codes[0]]),
      );
      expect((await dossier.repository.byCode(codes[0]))?.status).toBe(3);

      await dossier.rebuild.start('operator-test');
      // Readers are served from the live model while the rebuild runs.
      let reads = 0;
      const reading = (async () => {
        for (;;) {
          const row = await dossier.repository.byCode(codes[1]);
          expect(row?.status).toBe(10);
          reads++;
          if (reads > 5) return;
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const end = await dossier.rebuild.finished();
      await reading;
      expect(end).toMatchObject({ state: 'completed' });
      expect(await snapshot()).toEqual(live);
    } finally {
      await dossier.close();
      if (server) await dropDatabases(server, [dbName]);
    }
  }, 180_000);

  it('dead-letters an event the projection cannot handle and redrives it, once, after the fix', async () => {
    // The dossier service is deployed without the "withdrawn" schema: it cannot project that event.
    const partial = mkdtempSync(join(tmpdir(), 'lgsp-schemas-'));
    cpSync(defaultSchemasDir, partial, { recursive: true });
    rmSync(join(partial, 'dossier', 'withdrawn.v1.json'));
    const env = await dossierEnv({ LGSP_SCHEMAS_DIR: partial });
    const eventsFrom = await endOffsets(kafka, Topics.events('dossier'));
    const dlqFrom = await endOffsets(kafka, Topics.dlq);
    let dossier = (await startDossier(loadDossierConfig(env))) as RunningApp & {
      repository: DossierRepository;
    };
    const code = uniqueDossierCode();
    const [submitted] = dossierLifecycle(code, 3);
    const withdrawn: CloudEvent = {
      ...submitted,
      id: randomUUID(),
      type: 'vn.lgsp.dossier.withdrawn.v1',
      data: { MaHoSo: code, TrangThaiHoSo: 7, ThoiDiem: '2026-11-22T08:00:00+07:00' },
    };
    try {
      await publish(Topics.events('dossier'), [submitted, withdrawn]);
      const deadLetters = new DeadLetters(kafka, settings);
      // Found where it was written after this test began, then shown by its id as an operator would.
      const [dead] = await readFrom(kafka, Topics.dlq, dlqFrom, (rs) =>
        rs.some((r) => r.headers.ce_id === withdrawn.id),
      ).then((rs) => rs.filter((r) => r.headers.ce_id === withdrawn.id));
      const letter = await deadLetters.show(`${dead.partition}:${dead.offset}`);
      expect(letter).toMatchObject({
        code: 'LGSP_ERR_UNKNOWN_TYPE',
        originalTopic: Topics.events('dossier'),
        key: code,
      });
      expect((await dossier.repository.byCode(code))?.status).toBe(1);

      // The fix: the service runs again with every schema.
      await dossier.close();
      dossier = await startDossier(loadDossierConfig({ ...env, LGSP_SCHEMAS_DIR: defaultSchemasDir }));

      const first = await deadLetters.redrive([letter.id], {}, 'operator-test');
      expect(first.redriven.map((r) => r.id)).toEqual([letter.id]);
      await eventually(
        async () => ((await dossier.repository.byCode(code))?.status === 7 ? true : undefined),
        60_000,
      );

      const again = await deadLetters.redrive([letter.id], {}, 'operator-test');
      expect(again).toMatchObject({ redriven: [], skipped: [{ id: letter.id, reason: 'already redriven' }] });
      const copies = (await readToEnd(kafka, Topics.events('dossier'), eventsFrom)).filter(
        (r) => r.headers.ce_id === withdrawn.id,
      );
      expect(copies).toHaveLength(2); // the original and exactly one redrive
      expect(copies[1].headers.lgsp_redrive_of).toBe(`${Topics.dlq}:${letter.id}`);
      expect(Object.keys(copies[1].headers).some((h) => h.startsWith('lgsp_dlq_'))).toBe(false);
    } finally {
      await dossier.close();
    }
  }, 180_000);

  it('loses nothing and applies nothing twice when the dossier service is killed in the middle of a replay', async () => {
    const staging = await createTopic(settings.partitions);
    const codes = Array.from({ length: 300 }, () => uniqueDossierCode());
    await publish(
      staging,
      codes.flatMap((c, i) => dossierLifecycle(c, i)),
    );
    const env = await dossierEnv();
    const group = env.DOSSIER_CONSUMER_GROUP;
    const admin = kafka.admin();
    await admin.connect();
    const committed = async () =>
      (await admin.fetchOffsets({ groupId: group, topics: [Topics.events('dossier')] }))[0].partitions.reduce(
        (n, p) => n + Math.max(0, Number(p.offset)),
        0,
      );
    const high = async () =>
      (await admin.fetchTopicOffsets(Topics.events('dossier'))).reduce((n, p) => n + Number(p.high), 0);

    let child = startDossierProcess(env);
    try {
      const before = await high();
      await eventually(async () => ((await committed()) >= before ? true : undefined), 90_000);
      const replaying = replay(kafka, producer, {
        source: staging,
        target: Topics.events('dossier'),
        from: { kind: 'earliest' },
        ratePerSecond: 150,
      });
      // Kill it (SIGKILL: no shutdown hook runs) once part of the replay has been projected.
      await eventually(async () => ((await committed()) > before + 200 ? true : undefined), 60_000);
      await stopChild(child, 'SIGKILL');
      const result = await replaying;
      expect(result.written).toBe(1500);
      expect(await committed()).toBeLessThan(await high());

      child = startDossierProcess(env);
      const after = await high();
      await eventually(async () => ((await committed()) >= after ? true : undefined), 150_000);
    } finally {
      await stopChild(child);
      await admin.disconnect();
    }

    const store: StoreSettings = {
      databaseUrl: process.env.DATABASE_URL,
      pgliteDir: join(env.LGSP_PGLITE_DIR, 'dossier'),
    };
    const db = await openDatabase(store);
    try {
      const { rows } = await db.query<{ code: string; events: number; accepted: number; status: number }>(
        `SELECT h.code, count(*)::int AS events, count(*) FILTER (WHERE h.accepted)::int AS accepted, max(d.status)::int AS status
         FROM dossier.status_history h JOIN dossier.dossiers d USING (code)
         WHERE h.code = ANY($1) GROUP BY h.code`,
        [codes],
      );
      expect(rows).toHaveLength(300);
      expect(rows.filter((r) => r.events !== 5 || r.accepted !== 5 || r.status !== 10)).toEqual([]);
    } finally {
      await db.close();
    }
  }, 300_000);
});

/** Waits until the group has committed everything the topic holds now. */
async function caughtUp(kafka: Kafka, group: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const high = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
    await eventually(async () => {
      const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return t.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) >= high ? true : undefined;
    }, 60_000);
  } finally {
    await admin.disconnect();
  }
}

/** The dossier service as its own OS process, so that it can really be killed. */
function startDossierProcess(env: Record<string, string | undefined>): ChildProcess {
  const root = join(__dirname, '..', '..');
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/dossier/main.ts'],
    { cwd: root, env: { ...env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return child;
}

/** The whole read model in a comparable form: history by Kafka position, not by insertion sequence. */
async function modelSnapshot(repository: DossierRepository): Promise<unknown> {
  const db: Database = repository.db;
  const dossiers = await db.query(`SELECT * FROM dossier.dossiers ORDER BY code`);
  const history = await db.query(
    `SELECT code, event_id, event_source, event_type, status, previous_status, accepted, reason, occurred_at, detail,
            kafka_partition, kafka_offset::text AS kafka_offset
     FROM dossier.status_history ORDER BY code, kafka_partition, kafka_offset, event_id`,
  );
  const applied = await db.query(`SELECT count(*)::int AS n FROM dossier.applied_events`);
  return { dossiers: dossiers.rows, history: history.rows, applied: applied.rows };
}
