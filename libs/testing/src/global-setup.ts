import { acquireBroker, type BrokerHandle } from './broker';
import { createDatabase } from './databases';

declare global {
  var __lgspBroker: BrokerHandle | undefined;
  var __lgspDatabase: { admin: string; name: string } | undefined;
}

/**
 * Jest global setup for integration and e2e tests: a real broker (see acquireBroker) and, when
 * DATABASE_URL names a PostgreSQL server, a fresh database on it for this run; otherwise PGlite.
 */
export default async function globalSetup(): Promise<void> {
  const broker = await acquireBroker();
  globalThis.__lgspBroker = broker;
  process.env.KAFKA_BROKERS = broker.brokers;
  // The harness's broker (the configured one, a container or the local default) has no authentication
  // unless the run says otherwise (KAFKA_SECURITY with KAFKA_SASL_* credentials).
  process.env.KAFKA_SECURITY ??= 'plaintext';
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  if (process.env.DATABASE_URL) {
    const admin = process.env.DATABASE_URL;
    const name = `lgsp_test_${process.pid}_${Date.now()}`;
    process.env.DATABASE_URL = await createDatabase(admin, name);
    globalThis.__lgspDatabase = { admin, name };
  }
  process.stderr.write(
    `\n[test harness] Kafka: ${broker.brokers} (${broker.kind}); database: ${process.env.DATABASE_URL ? 'PostgreSQL ' + (globalThis.__lgspDatabase?.name ?? '') : 'PGlite'}\n`,
  );
}
