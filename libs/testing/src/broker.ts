import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..', '..');

export interface BrokerHandle {
  brokers: string;
  kind: 'configured' | 'testcontainers' | 'local';
  stop(): Promise<void>;
}

function dockerAnswers(): boolean {
  const result = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
  return result.status === 0;
}

/**
 * A real Kafka broker for tests: KAFKA_BROKERS if set; else a Kafka container where a Docker engine
 * answers; else the local KRaft broker on Java 17 (docker/kafka-local/kafka.sh), started if needed.
 */
export async function acquireBroker(env = process.env): Promise<BrokerHandle> {
  if (env.KAFKA_BROKERS)
    return { brokers: env.KAFKA_BROKERS, kind: 'configured', stop: async () => undefined };
  if (dockerAnswers()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer('apache/kafka:4.1.1').withKraft().start();
    const brokers = `${container.getHost()}:${container.getMappedPort(9093)}`;
    return { brokers, kind: 'testcontainers', stop: async () => void (await container.stop()) };
  }
  const script = join(repo, 'docker', 'kafka-local', 'kafka.sh');
  const wasRunning = spawnSync('bash', [script, 'status']).status === 0;
  execFileSync('bash', [script, 'start'], { stdio: 'inherit' });
  return {
    brokers: `127.0.0.1:${env.LGSP_KAFKA_PORT ?? '9092'}`,
    kind: 'local',
    stop: async () => {
      if (!wasRunning) execFileSync('bash', [script, 'stop'], { stdio: 'inherit' });
    },
  };
}
