import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { AuditKeyring, loadAuditSettings } from '@lgsp/audit';
import { AuthModule } from '@lgsp/auth';
import { callersFile } from '@lgsp/core';
import { createKafka, ensureTopics, EventProducer, KafkaModule, loadKafkaSettings } from '@lgsp/kafka';
import { MessageLog, MessageLogModule, verifyMessageLog, type MessageLogSettings } from '@lgsp/message-log';
import {
  DvcqgDefaultPaths,
  DvcqgRestAdapter,
  EXCHANGE_RECORDER,
  LoggedNationalAdapter,
  planDelivery,
  type DossierEvent,
  type ExchangeRecorder,
} from '@lgsp/national';
import { ObservabilityModule } from '@lgsp/observability';
import { startNestApp, type RunningApp } from '@lgsp/platform';
import { openDatabase, StoreModule, type Database, type StoreSettings } from '@lgsp/store';
import { submitted as sampleSubmitted } from '@lgsp/samples';
import { createDatabase, dropDatabases, runCli } from '@lgsp/testing';
import { loadNationalSimConfig } from '../../apps/national-sim/src/national-sim.config';
import { startNationalSim } from '../../apps/national-sim/src/national-sim.app';

const audit = loadAuditSettings({});
const keyring = AuditKeyring.fromFile(join(__dirname, '..', '..', 'config', 'audit-keys.dev.json'));
const bodyKey = randomBytes(32);
const settings: MessageLogSettings = { bodies: 'all', bodyKey };
const agency = '000.00.01.H22';
const code = `${agency}-260302-0042`;
const personalId = '001203004567';

const submitted: DossierEvent = {
  id: 'evt-msglog-1',
  type: 'vn.lgsp.dossier.submitted.v1',
  data: sampleSubmitted(code, 42, new Date('2026-03-02T01:15:30Z'), agency),
};

/** An inbound exchange of health data, as the provider endpoint records it. */
const healthLookup = {
  direction: 'inbound' as const,
  at: '2026-03-02T02:00:00.000Z',
  client: 'VN/GOV/000.00.00.G09/BHXH',
  service: 'VN/GOV/000.00.00.H22/LGSP/healthEncounters',
  requestId: 'req-health-1',
  messageId: 'msg-health-1',
  userId: `VN${personalId}`,
  method: 'GET',
  path: `/encounters?SO_CCCD=${personalId}`,
  status: 200,
  durationMs: 12,
  health: true,
  responseBody: { encounters: [{ MA_LK: 'LK-1', SO_CCCD: personalId, MA_BENH_CHINH: 'J18.9' }] },
};

/**
 * The message log on the store under test (PGlite here unless DATABASE_URL names a PostgreSQL server)
 * and the real lgsp.audit: the bridge's adapter against the real national simulator records every
 * exchange; the log chains, signs and verifies; a row altered in SQL, a body altered, and the last
 * entries removed each fail verification naming the entry; the module serves the recorder and the
 * operators' endpoint; the `lgsp` command verifies and lists.
 */
// the lgsp command runs in a process of its own, compiled on start
jest.setTimeout(120_000);

describe('message log (integration)', () => {
  const kafkaSettings = loadKafkaSettings(process.env, 'message-log-test');
  const kafka = createKafka(kafkaSettings);
  const producer = new EventProducer(kafka);
  const server = process.env.DATABASE_URL;
  const databaseName = `lgsp_msglog_${process.pid}_${Date.now()}`;
  let store: StoreSettings;
  let pgliteDir: string | undefined;
  let db: Database;
  let log: MessageLog;

  const open = async () => {
    db = await openDatabase(store);
    log = new MessageLog({ db, producer, signer: audit.signer, subjectKey: 'test-subject-key', settings });
    await log.migrate();
  };
  const cliEnv = () => ({
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    LGSP_API_KEY: 'dev-operator-key',
    LGSP_XROAD_LOG_BODY_KEY: bodyKey.toString('base64'),
    ...(store.databaseUrl
      ? { DATABASE_URL: store.databaseUrl }
      : { DATABASE_URL: '', LGSP_PGLITE_DIR: pgliteDir }),
  });
  /** the CLI opens the store itself: a PGlite folder is one process's at a time */
  const cli = async (args: string[]) => {
    await db.close();
    try {
      return await runCli(args, cliEnv());
    } finally {
      await open();
    }
  };

  beforeAll(async () => {
    await ensureTopics(kafka, kafkaSettings);
    if (server) store = { databaseUrl: await createDatabase(server, databaseName), pgliteDir: 'memory' };
    else {
      pgliteDir = mkdtempSync(join(tmpdir(), 'lgsp-msglog-'));
      store = { pgliteDir: join(pgliteDir, 'national-bridge') };
    }
    await open();
  });
  afterAll(async () => {
    await db.close();
    await producer.disconnect();
    if (server) await dropDatabases(server, [databaseName]);
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  });

  it('records every exchange of the bridge with the national simulator, chained, signed and verifiable', async () => {
    const running = await startNationalSim(
      loadNationalSimConfig({
        NATIONAL_SIM_PORT: '0',
        NATIONAL_SIM_USERNAME: 'province',
        NATIONAL_SIM_PASSWORD: 'province-password',
        LOG_LEVEL: 'warn',
      }),
    );
    try {
      const sut = new LoggedNationalAdapter(
        new DvcqgRestAdapter({
          kind: 'dvcqg-rest',
          baseUrl: running.url,
          loginPath: DvcqgDefaultPaths.login,
          syncPath: DvcqgDefaultPaths.sync,
          username: 'province',
          password: 'province-password',
          agencyCode: agency,
          timeoutMs: 5000,
        }),
        log,
        { client: agency },
      );
      const plan = planDelivery(undefined, submitted, { systemActor: 'Hệ thống một cửa điện tử tỉnh' });
      if (plan.kind !== 'deliver') throw new Error('the submission plans calls');
      expect(await sut.login()).toEqual({ kind: 'delivered' });
      for (const call of plan.calls) expect(await sut.send(call)).toEqual({ kind: 'delivered' });
      expect((await sut.lookup(code)).kind).toBe('found');
      await sut.close();
    } finally {
      await running.close();
    }
    await log.record(healthLookup);

    const entries = await log.chain.entries();
    expect(entries.map((e) => [e.seq, e.direction, e.service, e.outcome ?? e.status])).toEqual([
      [1, 'outbound', 'login', 'delivered'],
      [2, 'outbound', 'DongBoHoSoMC', 'delivered'],
      [3, 'outbound', 'CapNhatTienDoHoSoMC', 'delivered'],
      [4, 'outbound', 'TraCuuHoSo', 'delivered'],
      [5, 'inbound', healthLookup.service, 200],
    ]);
    for (const [i, e] of entries.entries()) {
      expect(e.prevHash).toBe(i === 0 ? '0'.repeat(64) : entries[i - 1].hash);
      expect(e.sig).toEqual(expect.any(String));
      expect(e.keyId).toBe(audit.signer.keyId);
    }
    expect(entries[1].requestId).toBe(
      (
        planDelivery(undefined, submitted, { systemActor: 'x' }) as {
          calls: { idempotency: { key: string } }[];
        }
      ).calls[0].idempotency.key,
    );
    expect(entries[1].bodies.request?.kept).toBe('clear');
    expect(entries[4].bodies.response?.kept).toBe('sealed');

    // Nothing of the store holds the password, the session, or the health exchange's personal id in clear.
    const dump = JSON.stringify(
      await Promise.all(
        ['exchange_entries', 'bodies'].map(
          async (t) => (await db.query(`SELECT * FROM message_log.${t}`)).rows,
        ),
      ),
    );
    expect(dump).not.toContain('province-password');
    expect(dump).not.toMatch(/"session"/);
    const healthEntry = JSON.stringify(entries[4]);
    expect(healthEntry).not.toContain(personalId);
    expect(healthEntry).not.toContain('J18.9');
    expect(entries[4].userId).toBe(`hmac:${log.digest(`VN${personalId}`)}`);
    expect(entries[4].path).toBe(`/encounters?SO_CCCD=hmac:${log.digest(personalId)}`);
    // the dossier call's body (not health data) is kept in clear, as the policy says
    expect(dump).toContain('DongBoHoSoMC');

    const progress: [number, number][] = [];
    // read two entries a page: the verdict of a log read page by page is the verdict of the whole
    const report = await verifyMessageLog(log, keyring, {
      kafka,
      bodyKey,
      pageSize: 2,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    expect(report).toMatchObject({
      ok: true,
      store: { ok: true, entries: 5, signed: 5 },
      bodies: { checked: 5, sealedUnopened: 0, problems: [] },
    });
  });

  it('verifies with the lgsp command, with progress, and lists the exchanges without bodies', async () => {
    const verified = await cli(['national', 'log', 'verify']);
    expect(verified.stderr).toContain('verify message log: 5 records to read');
    expect(verified.stdout).toContain('intact, 5 entries (5 signed)');
    expect(verified.code).toBe(0);

    const listed = await cli(['--json', 'national', 'log', 'list', '--limit', '3']);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as { seq: number; service: string; bodies: string }[];
    expect(rows.map((r) => [r.seq, r.service])).toEqual([
      [3, 'CapNhatTienDoHoSoMC'],
      [4, 'TraCuuHoSo'],
      [5, healthLookup.service],
    ]);
    expect(rows[2].bodies).toBe('response sealed');
    expect(listed.stdout).not.toContain('J18.9');

    const refused = await runCli(['national', 'log', 'verify'], { ...cliEnv(), LGSP_API_KEY: undefined });
    expect(refused.code).toBe(1);
  });

  it('fails verification naming the entry when a row is altered in SQL, with the command exiting 1', async () => {
    const [target] = (await log.chain.entries()).filter((e) => e.seq === 3);
    await db.query(
      `UPDATE message_log.exchange_entries SET entry = jsonb_set(entry, '{outcome}', '"rejected"') WHERE seq = 3`,
    );
    const report = await verifyMessageLog(log, keyring, { kafka, bodyKey });
    expect(report.ok).toBe(false);
    expect(report.store.firstBroken).toEqual({
      seq: 3,
      reason: 'its content does not match its hash (altered)',
    });
    expect(report.brokenEntry).toMatchObject({
      seq: 3,
      service: 'CapNhatTienDoHoSoMC',
      requestId: target.requestId,
    });

    const run = await cli(['national', 'log', 'verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('TAMPERED at entry 3');
    expect(run.stdout).toContain(target.requestId);

    await db.query(
      `UPDATE message_log.exchange_entries SET entry = jsonb_set(entry, '{outcome}', '"delivered"') WHERE seq = 3`,
    );
    expect((await verifyMessageLog(log, keyring, { kafka, bodyKey })).ok).toBe(true);
  });

  it('fails verification naming the entry when a kept body is altered, in clear or sealed', async () => {
    const entries = await log.chain.entries();
    await db.query(
      `UPDATE message_log.bodies SET request = jsonb_set(request, '{clear,data,0,ChuHoSo}', '"Trần Văn B"') WHERE id = $1::uuid`,
      [entries[1].id],
    );
    await db.query(
      `UPDATE message_log.bodies SET response = jsonb_set(response, '{sealed,iv}', to_jsonb($2::text)) WHERE id = $1::uuid`,
      [entries[4].id, randomBytes(12).toString('base64')],
    );
    const report = await verifyMessageLog(log, keyring, { kafka, bodyKey });
    expect(report.ok).toBe(false);
    expect(report.store.ok).toBe(true);
    expect(report.bodies.problems).toEqual([
      expect.objectContaining({
        seq: 2,
        side: 'request',
        requestId: entries[1].requestId,
        reason: expect.stringMatching(/altered/),
      }),
      expect.objectContaining({ seq: 5, side: 'response', reason: expect.stringMatching(/does not open/) }),
    ]);
  });

  it('shows the removal of the last entries against the signed anchor in lgsp.audit', async () => {
    expect(await log.chain.anchor(true)).toMatchObject({ name: 'national-exchange', seq: 5 });
    const fourth = (await log.chain.entries())[3];
    await db.transaction(async (tx) => {
      await tx.query(`DELETE FROM message_log.exchange_entries WHERE seq = 5`);
      await tx.query(`UPDATE message_log.exchange_head SET seq = 4, hash = $1`, [fourth.hash]);
    });
    const report = await verifyMessageLog(log, keyring, { kafka });
    expect(report.store.ok).toBe(true);
    expect(report.ok).toBe(false);
    expect(report.anchor?.problem).toMatch(/ends at entry 4 but was anchored at entry 5/);

    await db.query(`DELETE FROM message_log.exchange_entries WHERE seq = 2`);
    const gap = await verifyMessageLog(log, keyring, { kafka });
    expect(gap.store.firstBroken).toEqual({ seq: 2, reason: 'entry 2 is missing (next is 3)' });
    expect(gap.brokenEntry).toEqual({ seq: 2 });
  });
});

describe('MessageLogModule (integration)', () => {
  const server = process.env.DATABASE_URL;
  const databaseName = `lgsp_msglog_module_${process.pid}_${Date.now()}`;
  let running: RunningApp;

  @Module({})
  class BridgeLikeModule {}

  beforeAll(async () => {
    const store: StoreSettings = server
      ? { databaseUrl: await createDatabase(server, databaseName), pgliteDir: 'memory' }
      : { pgliteDir: 'memory' };
    running = await startNestApp(
      {
        module: BridgeLikeModule,
        imports: [
          ObservabilityModule.forRoot({ service: 'message-log-test', logLevel: 'warn' }),
          AuthModule.forRoot(callersFile({})),
          KafkaModule.forRoot({ settings: loadKafkaSettings(process.env, 'message-log-module-test') }),
          StoreModule.forRoot(store),
          MessageLogModule.forRoot({
            messageLog: { bodies: 'non-health' },
            auditSubjectKey: 'test-subject-key',
            audit,
          }),
        ],
      },
      { port: 0, host: '127.0.0.1' },
    );
  });
  afterAll(async () => {
    await running?.close();
    if (server) await dropDatabases(server, [databaseName]);
  });

  it('provides the recorder, and verifies and lists for operators only', async () => {
    const recorder = running.app.get<ExchangeRecorder>(EXCHANGE_RECORDER);
    await recorder.record({ ...healthLookup, requestId: 'req-module-1' });
    await recorder.record({ ...healthLookup, requestId: 'req-module-2', health: false, status: 404 });

    const asOperator = { headers: { 'x-api-key': 'dev-operator-key' } };
    const verify = await fetch(`${running.url}/admin/national/log/verify`, asOperator);
    expect(verify.status).toBe(200);
    expect(await verify.json()).toMatchObject({ ok: true, store: { entries: 2, signed: 2 } });

    const list = await fetch(`${running.url}/admin/national/log?limit=1`, asOperator);
    expect(await list.json()).toEqual([
      expect.objectContaining({
        seq: 2,
        requestId: 'req-module-2',
        status: 404,
        health: false,
        bodies: 'response clear',
      }),
    ]);

    expect((await fetch(`${running.url}/admin/national/log/verify`)).status).toBe(401);
    const consumer = await fetch(`${running.url}/admin/national/log`, {
      headers: { 'x-api-key': 'dev-consumer-key-ioc' },
    });
    expect(consumer.status).toBe(403);
  });
});
