import { randomUUID } from 'node:crypto';
import { Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, EventProducer, loadKafkaSettings, toKafkaRecord } from '@lgsp/kafka';
import {
  dossierLifecycle,
  endOffsets,
  readToEnd,
  runCli,
  uniqueDossierCode,
  type CliRun,
} from '@lgsp/testing';
import { loadAdminConfig } from '../../apps/admin/src/admin.config';
import { startAdmin } from '../../apps/admin/src/admin.app';

const OPERATOR = 'dev-operator-key';

/** The `lgsp` CLI as an operator runs it (a process, no terminal) and the admin API as a console calls it. */
describe('operator tools end to end', () => {
  const settings = loadKafkaSettings(process.env, 'operator-e2e');
  const kafka = createKafka(settings);
  const producer = new EventProducer(kafka);
  let admin: RunningApp;
  const source = `lgsp.test.cli.${randomUUID()}`;
  const codes = Array.from({ length: 4 }, () => uniqueDossierCode());

  const lgsp = (
    args: string[],
    env: Record<string, string | undefined> = { LGSP_API_KEY: OPERATOR },
  ): Promise<CliRun> => runCli(args, env);

  beforeAll(async () => {
    await producer.connect();
    const k = kafka.admin();
    await k.connect();
    await k.createTopics({ waitForLeaders: true, topics: [{ topic: source, numPartitions: 2 }] });
    await k.disconnect();
    await producer.sendRaw(
      source,
      codes.flatMap((c, i) => dossierLifecycle(c, i).map((e) => toKafkaRecord(e, c))),
    );
    admin = await startAdmin(loadAdminConfig({ ...process.env, ADMIN_PORT: '0' }));
  }, 120_000);
  afterAll(async () => {
    await admin?.close();
    await producer.disconnect();
  });

  it('refuses a caller without an operator key', async () => {
    const run = await lgsp(['topics'], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('LGSP_ERR_UNAUTHENTICATED');
    const publisher = await lgsp(['topics'], { LGSP_API_KEY: 'dev-publisher-key-000.00.01.H22' });
    expect(publisher.stderr).toContain('LGSP_ERR_FORBIDDEN');
  }, 60_000);

  it('lists topics and counts a filtered replay as JSON', async () => {
    const topics = JSON.parse((await lgsp(['--json', 'topics'])).stdout) as { topic: string }[];
    expect(topics.map((t) => t.topic)).toEqual(
      expect.arrayContaining([Topics.events('dossier'), Topics.dlq]),
    );

    const run = await lgsp([
      '--json',
      'replay',
      source,
      '--dry-run',
      '--type',
      'vn.lgsp.dossier.received.v1',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      dryRun: true,
      read: 20,
      matched: 4,
      written: 0,
      interrupted: false,
    });
  }, 60_000);

  it('will not replay in bulk without confirmation, and audits the confirmed run with the operator', async () => {
    const target = `${source}.copy`;
    const auditFrom = await endOffsets(kafka, Topics.audit);
    const refused = await lgsp(['replay', source, '--to', target]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');

    const done = await lgsp(['--json', '--yes', 'replay', source, '--to', target, '--key', codes[1]]);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ written: 5, interrupted: false });
    expect((await readToEnd(kafka, target)).map((r) => r.key)).toEqual(Array(5).fill(codes[1]));

    const audit = (await readToEnd(kafka, Topics.audit, auditFrom))
      .map(
        (r) =>
          JSON.parse(r.value ?? '{}') as {
            action: string;
            target: string;
            outcome: string;
            actor: { id: string };
          },
      )
      .filter((e) => e.action === 'replay' && e.target === target);
    expect(audit.map((e) => [e.outcome, e.actor.id])).toEqual([
      ['started', 'operator'],
      ['completed', 'operator'],
    ]);
  }, 60_000);

  it('serves the same operations on the admin API to operators only', async () => {
    const call = (path: string, key?: string, body?: object) =>
      fetch(`${admin.url}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: {
          ...(key ? { 'x-api-key': key } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
    expect((await call('/admin/topics')).status).toBe(401);
    expect((await call('/admin/topics', 'dev-consumer-key-ioc')).status).toBe(403);
    expect((await call('/admin/topics', OPERATOR)).status).toBe(200);

    const unconfirmed = await call('/admin/replay', OPERATOR, { source, target: `${source}.api` });
    expect(unconfirmed.status).toBe(409);
    expect(await unconfirmed.json()).toMatchObject({ code: 'LGSP_ERR_NOT_CONFIRMED' });
    const dry = await call('/admin/replay', OPERATOR, { source, dryRun: true, from: 'last:1' });
    // last:1 reads one record from each partition that holds any (the keys may all land on one partition).
    const k = kafka.admin();
    await k.connect();
    const filled = (await k.fetchTopicOffsets(source)).filter((p) => Number(p.high) > 0).length;
    await k.disconnect();
    expect(await dry.json()).toMatchObject({ read: filled, dryRun: true });
    const bad = await call('/admin/replay', OPERATOR, { source, dryRun: true, from: '2026-11-20 08:00' });
    expect(await bad.json()).toMatchObject({ status: 400, code: 'LGSP_ERR_BAD_POSITION' });
  }, 60_000);
});
