import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, EventProducer, loadKafkaSettings, toKafkaRecord } from '@lgsp/kafka';
import { dossierLifecycle, eventually, startGroupAtEnd, uniqueDossierCode } from '@lgsp/testing';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';
import type { DossierRepository } from '../../apps/dossier/src/dossier.repository';

/** The consumer runner under the dossier projection when its database fails and comes back. */
describe('consumer runner (integration)', () => {
  it('holds the partition while the database fails, retries with back-off, then applies every event exactly once', async () => {
    const env = {
      ...process.env,
      DOSSIER_PORT: '0',
      LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-runner-')),
      DOSSIER_CONSUMER_GROUP: `lgsp-dossier-runner-${randomUUID()}`,
    };
    const kafka = createKafka(loadKafkaSettings(process.env, 'runner-test'));
    // Only what this test publishes: the group starts at the shared topic's end.
    await startGroupAtEnd(kafka, env.DOSSIER_CONSUMER_GROUP, [Topics.events('dossier')]);
    const dossier = (await startDossier(loadDossierConfig(env))) as RunningApp & {
      repository: DossierRepository;
    };
    const producer = new EventProducer(kafka);
    await producer.connect();
    const db = dossier.repository.db;
    try {
      const probe = uniqueDossierCode();
      await producer.sendRaw(
        Topics.events('dossier'),
        dossierLifecycle(probe, 1)
          .slice(0, 1)
          .map((e) => toKafkaRecord(e, probe)),
      );
      await eventually(async () => ((await dossier.repository.byCode(probe)) ? true : undefined), 60_000);

      // The database "fails": the projection's table is gone, so every batch errors.
      await db.query(`ALTER TABLE dossier.applied_events RENAME TO applied_events_away`);
      const codes = Array.from({ length: 10 }, () => uniqueDossierCode());
      await producer.sendRaw(
        Topics.events('dossier'),
        codes.flatMap((c, i) => dossierLifecycle(c, i).map((e) => toKafkaRecord(e, c))),
      );
      const retried = async () => {
        const text = await (await fetch(`${dossier.url}/metrics`)).text();
        return [...text.matchAll(/^lgsp_consumer_retried_total\{[^}]*\} (\d+)/gm)].reduce(
          (n, m) => n + Number(m[1]),
          0,
        );
      };
      await eventually(async () => ((await retried()) >= 2 ? true : undefined), 60_000);
      expect(await dossier.repository.byCode(codes[0])).toBeUndefined();

      await db.query(`ALTER TABLE dossier.applied_events_away RENAME TO applied_events`);
      await eventually(async () => {
        const rows = await Promise.all(codes.map((c) => dossier.repository.byCode(c)));
        return rows.every((r) => r?.status === 10) ? true : undefined;
      }, 90_000);
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM dossier.status_history WHERE code = ANY($1)`,
        [codes],
      );
      expect(rows[0].n).toBe(codes.length * 5);
    } finally {
      await producer.disconnect();
      await dossier.close();
    }
  }, 240_000);
});
