/**
 * Creates the hub's Kafka ACLs (libs/kafka/src/kafka-acls.ts) for the services and for every
 * publisher of the callers file. Run by docker/kafka-local/kafka.sh after a SASL broker starts, and by
 * the compose file's kafka-setup service; connects as a super user (KAFKA_SASL_USERNAME/PASSWORD).
 * Creating an ACL that exists changes nothing, so it can run on every start.
 */
import { readFileSync } from 'node:fs';
import { logLevel } from 'kafkajs';
import { callersFile } from '@lgsp/core';
import { applyAcls, hubAcls, kafkaPublishers } from './kafka-acls';
import { createKafka, loadKafkaSettings } from './kafka-config';

async function main(): Promise<void> {
  const env = process.env;
  const settings = loadKafkaSettings(env, 'lgsp-kafka-acls', 'lgsp-broker');
  const file = callersFile(env);
  const { callers } = JSON.parse(readFileSync(file, 'utf8')) as {
    callers: { id: string; role: string; types?: string[] }[];
  };
  const publishers = kafkaPublishers(callers);
  const kafka = createKafka(settings, { logLevel: logLevel.ERROR });
  const count = await applyAcls(kafka, hubAcls(publishers));
  process.stderr.write(`[kafka-acls] ${count} ACLs for ${publishers.length} publishers (${file})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[kafka-acls] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
