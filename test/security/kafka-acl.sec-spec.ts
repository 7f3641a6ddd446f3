import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigResourceTypes, logLevel, type Kafka } from 'kafkajs';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import {
  createKafka,
  ensureTopics,
  hubTopics,
  kafkaPublishers,
  loadKafkaSettings,
  toKafkaRecord,
} from '@lgsp/kafka';
import { event, eventually, readToEnd, submitted, uniqueDossierCode } from '@lgsp/testing';
import { ApiKeyRegistry } from '@lgsp/auth';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';
import { isAuthorizationError, repo, SaslBroker } from './sasl-broker';

/**
 * Issue 10, finding 7: Kafka had no authentication. Against a real SASL/SCRAM broker with the hub's
 * ACLs (started by kafka.sh as a developer starts one): every principal × every kind of topic ×
 * produce, consume, describe and alter, each expected allowed or denied as written here by hand.
 */

const A1 = '000.00.01.H22';
const A2 = '000.00.02.H22';
const HOSPITAL = '22001';

const T = {
  dossier: Topics.events('dossier'),
  health: Topics.events('health'),
  sharedIngress: Topics.ingress('dossier'),
  ingressA1: Topics.agencyIngress('dossier', A1),
  ingressA2: Topics.agencyIngress('dossier', A2),
  ingressHospital: Topics.agencyIngress('health', HOSPITAL),
  dlq: Topics.dlq,
  audit: Topics.audit,
  redriven: Topics.dlqRedriven,
} as const;
const ALL = Object.values(T);

type Op = 'produce' | 'consume' | 'describe' | 'alter';
interface Expectation {
  /** the group it consumes with: its own service group, else a throw-away reader group */
  group?: string;
  produce: string[];
  consume: string[];
  describe: string[];
  alter: string[];
}

const operator: Expectation = { produce: ALL, consume: ALL, describe: ALL, alter: [] };
/** a domain service: its own topic with its live group, dead letters and the audit trail */
const domainService = (domain: 'dossier' | 'health'): Expectation => ({
  group: `lgsp-${domain}-projection`,
  produce: [T.dlq, T.audit],
  consume: [T[domain], T.audit],
  describe: ALL,
  alter: [],
});
const EXPECTED: Record<string, Expectation> = {
  'lgsp-ingest': {
    group: 'lgsp-ingest-validator',
    produce: [T.dossier, T.health, T.dlq],
    consume: [T.sharedIngress, T.ingressA1, T.ingressA2, T.ingressHospital],
    describe: ALL,
    // it creates the hub's topics and keeps their retention as configured
    alter: ALL,
  },
  'lgsp-dossier': domainService('dossier'),
  'lgsp-health': domainService('health'),
  'lgsp-gateway': { produce: [T.audit], consume: [T.audit], describe: ALL, alter: [] },
  'lgsp-operator': operator,
  'lgsp-admin': operator,
  [`publisher-${A1}`]: { produce: [T.ingressA1], consume: [], describe: [T.ingressA1], alter: [] },
  [`publisher-${A2}`]: { produce: [T.ingressA2], consume: [], describe: [T.ingressA2], alter: [] },
  [`publisher-${HOSPITAL}`]: {
    produce: [T.ingressHospital],
    consume: [],
    describe: [T.ingressHospital],
    alter: [],
  },
};

type Outcome = 'allowed' | 'denied';

async function outcome(attempt: () => Promise<unknown>, what = ''): Promise<Outcome> {
  try {
    await attempt();
    return 'allowed';
  } catch (error) {
    if (isAuthorizationError(error)) return 'denied';
    throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

async function produce(kafka: Kafka, topic: string): Promise<Outcome> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await outcome(
      () => producer.send({ topic, acks: -1, messages: [{ key: 'acl-matrix', value: 'not an event' }] }),
      `produce ${topic}`,
    );
  } finally {
    await producer.disconnect();
  }
}

/** Allowed once a record arrives (every topic holds one); denied when Kafka refuses group or topic. */
async function consume(kafka: Kafka, topic: string, groupId: string): Promise<Outcome> {
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    retry: { retries: 1, initialRetryTime: 100, restartOnFailure: async () => false },
  });
  try {
    return await outcome(async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no record from ${topic} in 30 s`)), 30_000);
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          clearTimeout(timer);
          reject(payload.error);
        });
        consumer
          .run({
            eachMessage: async () => {
              clearTimeout(timer);
              resolve();
            },
          })
          .catch((error: unknown) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          });
      });
    }, `consume ${topic} as ${groupId}`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

async function describeAndAlter(kafka: Kafka, topic: string): Promise<[Outcome, Outcome]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await outcome(async () => {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      if (meta.topics[0]?.partitions.length === 0) throw new Error(`${topic}: no partitions`);
    });
    const altered = await outcome(() =>
      admin.alterConfigs({
        validateOnly: true,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [{ name: 'retention.ms', value: '3600000' }],
          },
        ],
      }),
    );
    return [described, altered];
  } finally {
    await admin.disconnect();
  }
}

describe('Kafka authentication and ACLs (security)', () => {
  const broker = new SaslBroker();
  const superUser = () => broker.client('lgsp-broker');

  beforeAll(async () => {
    await broker.freshStart();
    // Every topic kind exists and holds a record, so a consumer that may read gets one.
    const callers = ApiKeyRegistry.fromFile(join(repo, 'config', 'callers.dev.json'));
    const settings = broker.settings('lgsp-broker');
    await ensureTopics(superUser(), settings, hubTopics(settings, kafkaPublishers(callers.list())));
    const producer = superUser().producer();
    await producer.connect();
    for (const topic of ALL)
      await producer.send({ topic, acks: -1, messages: [{ key: 'seed', value: 'seed' }] });
    await producer.disconnect();
    // The group and transaction coordinators' topics exist before any principal needs them.
    await eventually(() =>
      consume(superUser(), T.dossier, `lgsp-reader-${randomUUID()}`).then(
        (o) => (o === 'allowed' ? o : undefined),
        () => undefined, // the offsets topic is still loading
      ),
    );
    const tx = superUser().producer({
      transactionalId: `warm-up-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await tx.connect();
    await (await tx.transaction()).abort();
    await tx.disconnect();
  }, 300_000);

  afterAll(async () => {
    await broker.stop();
  }, 120_000);

  it('refuses a client without authentication and one with a wrong password', async () => {
    const anonymous = createKafka(
      loadKafkaSettings({ KAFKA_BROKERS: broker.brokers, KAFKA_SECURITY: 'plaintext' }, 'anonymous'),
      { logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000, requestTimeout: 5000 },
    );
    const admin = anonymous.admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect().catch(() => undefined);

    const wrong = createKafka(broker.settings('lgsp-operator', { KAFKA_SASL_PASSWORD: 'not-the-password' }), {
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin2 = wrong.admin();
    await expect(admin2.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/i);
  }, 60_000);

  it('grants each principal exactly its own topics and operations', async () => {
    const problems: string[] = [];
    await Promise.all(
      Object.entries(EXPECTED).map(async ([principal, expected]) => {
        const kafka = broker.client(principal);
        for (const topic of ALL) {
          try {
            const want = (op: Op): Outcome => (expected[op].includes(topic) ? 'allowed' : 'denied');
            const got: Record<Op, Outcome> = {
              produce: await produce(kafka, topic),
              consume: await consume(kafka, topic, expected.group ?? `lgsp-reader-${randomUUID()}`),
              ...(await describeAndAlter(kafka, topic).then(([describe, alter]) => ({ describe, alter }))),
            };
            for (const op of ['produce', 'consume', 'describe', 'alter'] as Op[])
              if (got[op] !== want(op))
                problems.push(`${principal} ${op} ${topic}: ${got[op]}, expected ${want(op)}`);
          } catch (error) {
            problems.push(`${principal} ${topic}: ${(error as Error).message}`);
          }
        }
      }),
    );
    expect(problems).toEqual([]);
  }, 600_000);

  it('gives no publisher or service principal a replay, redrive or topic administration', async () => {
    const problems: string[] = [];
    for (const principal of Object.keys(EXPECTED).filter((p) => EXPECTED[p] !== operator)) {
      const admin = broker.client(principal).admin();
      await admin.connect();
      // A replay writes to a new topic; a redrive is a transaction of lgsp-dlq-redrive; lag needs the groups.
      const create = await outcome(
        () => admin.createTopics({ topics: [{ topic: `lgsp.dossier.events.replay-${randomUUID()}` }] }),
        `${principal} create`,
      );
      const groups = await outcome(
        () => admin.describeGroups(['lgsp-dossier-projection']),
        `${principal} describe groups`,
      );
      await admin.disconnect();
      const redriver = broker
        .client(principal)
        .producer({ transactionalId: 'lgsp-dlq-redrive', idempotent: true, maxInFlightRequests: 1 });
      const redrive = await outcome(async () => {
        await redriver.connect();
        const tx = await redriver.transaction();
        await tx.abort();
      }, `${principal} redrive`);
      await redriver.disconnect().catch(() => undefined);
      const allowedCreate = principal === 'lgsp-ingest' ? 'allowed' : 'denied'; // ingest creates the hub's topics
      if (create !== allowedCreate) problems.push(`${principal} create topic: ${create}`);
      if (principal !== 'lgsp-dossier' && groups !== 'denied')
        problems.push(`${principal} describe groups: ${groups}`);
      if (redrive !== 'denied') problems.push(`${principal} redrive transaction: ${redrive}`);
    }
    // and the operator can do all three
    const operatorAdmin = broker.client('lgsp-operator').admin();
    await operatorAdmin.connect();
    await operatorAdmin.createTopics({ topics: [{ topic: `lgsp.replay-check-${randomUUID()}` }] });
    await operatorAdmin.disconnect();
    const redriver = broker
      .client('lgsp-operator')
      .producer({ transactionalId: 'lgsp-dlq-redrive', idempotent: true, maxInFlightRequests: 1 });
    await redriver.connect();
    await (await redriver.transaction()).abort();
    await redriver.disconnect();
    expect(problems).toEqual([]);
  }, 300_000);

  describe('ingest as lgsp-ingest, publishers on their own ingress topics', () => {
    let ingest: RunningApp;
    beforeAll(async () => {
      const env = broker.hubEnv({
        INGEST_PORT: '0',
        LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-security-')),
        DATABASE_URL: '',
        LOG_LEVEL: 'error',
      });
      ingest = await startIngest(loadIngestConfig(env));
    }, 120_000);
    afterAll(async () => {
      await ingest?.close();
    }, 60_000);

    it("moves an agency's own event to the domain topic and sends one with another agency's source to the DLQ", async () => {
      // Both events are valid and owned by their source's agency; the second one is in A1's topic with A2's source.
      const own = event(
        'vn.lgsp.dossier.submitted.v1',
        submitted(uniqueDossierCode(A1), 1, new Date(), A1),
        `/${A1}/igate`,
      );
      const code2 = uniqueDossierCode(A2);
      const foreign = event(
        'vn.lgsp.dossier.submitted.v1',
        submitted(code2, 2, new Date(), A2),
        `/${A2}/igate`,
      );
      const publisher = broker.client(`publisher-${A1}`).producer();
      await publisher.connect();
      await publisher.send({
        topic: T.ingressA1,
        acks: -1,
        messages: [toKafkaRecord(own, 'k'), toKafkaRecord(foreign, 'k')],
      });
      // and the same publisher cannot put it where its source would fit
      expect(
        await outcome(() =>
          publisher.send({ topic: T.ingressA2, acks: -1, messages: [toKafkaRecord(foreign, 'k')] }),
        ),
      ).toBe('denied');
      await publisher.disconnect();

      const reader = broker.client('lgsp-operator');
      const dead = await eventually(async () => {
        const rs = await readToEnd(reader, T.dlq);
        return rs.find((r) => r.headers.ce_id === foreign.id);
      }, 60_000);
      expect(dead.headers).toMatchObject({
        [DlqHeaders.originalTopic]: T.ingressA1,
        [DlqHeaders.errorCode]: 'LGSP_ERR_FORBIDDEN',
      });
      const moved = await eventually(async () => {
        const rs = await readToEnd(reader, T.dossier);
        return rs.some((r) => r.headers.ce_id === own.id) ? rs : undefined;
      }, 60_000);
      expect(moved.filter((r) => r.headers.ce_id === foreign.id)).toEqual([]);
    }, 180_000);
  });
});
