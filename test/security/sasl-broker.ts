import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { logLevel, type Kafka } from 'kafkajs';
import { createKafka, loadKafkaSettings, type KafkaSettings } from '@lgsp/kafka';

const run = promisify(execFile);
export const repo = join(__dirname, '..', '..');
export const DEV_CREDENTIALS = join(repo, 'config', 'kafka-credentials.dev.json');
const script = join(repo, 'docker', 'kafka-local', 'kafka.sh');

/**
 * The security suite's own SASL/SCRAM broker with the hub's ACLs, started through kafka.sh exactly as a
 * developer starts one (LGSP_KAFKA_SASL=1), on ports and a data folder of its own: never the shared one.
 */
export class SaslBroker {
  readonly port = Number(process.env.SECURITY_KAFKA_PORT ?? 19392);
  readonly brokers = `127.0.0.1:${this.port}`;
  private readonly env = {
    ...process.env,
    LGSP_KAFKA_SASL: '1',
    LGSP_KAFKA_HOME: join(repo, '.local', 'security'),
    LGSP_KAFKA_PORT: String(this.port),
    LGSP_KAFKA_CONTROLLER_PORT: String(this.port + 1),
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
  };

  private async sh(...args: string[]): Promise<void> {
    try {
      await run('bash', [script, ...args], { env: this.env, timeout: 240_000 });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`kafka.sh ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`);
    }
  }

  /** Deletes earlier data, formats with the development SCRAM users, starts, applies the ACLs. */
  async freshStart(): Promise<void> {
    await this.sh('reset');
    await this.sh('start');
  }

  async stop(): Promise<void> {
    await this.sh('kill');
  }

  /** Client settings for one principal, as a service loads them (its password from the dev file). */
  settings(principal: string, extra: Record<string, string> = {}): KafkaSettings {
    return loadKafkaSettings(
      {
        KAFKA_BROKERS: this.brokers,
        KAFKA_SECURITY: 'sasl_plaintext',
        KAFKA_SASL_USERNAME: principal,
        KAFKA_SASL_CREDENTIALS_FILE: DEV_CREDENTIALS,
        ...extra,
      },
      `security-suite-${principal}`,
    );
  }

  /** A quiet client (authorization errors are never retried, so they come at once). */
  client(principal: string): Kafka {
    return createKafka(this.settings(principal), {
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    });
  }

  /** The environment a hub service started against this broker gets (its own principal by default). */
  hubEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      KAFKA_BROKERS: this.brokers,
      KAFKA_SECURITY: 'sasl_plaintext',
      KAFKA_SASL_USERNAME: undefined,
      KAFKA_SASL_PASSWORD: undefined,
      KAFKA_SASL_CREDENTIALS_FILE: DEV_CREDENTIALS,
      ...extra,
    };
  }
}

/** True for the errors Kafka answers a principal that lacks an ACL (topic, group, cluster, transactional id). */
export function isAuthorizationError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
    const { type, message, cause, originalError, errors } = e as {
      type?: string;
      message?: string;
      cause?: unknown;
      originalError?: unknown;
      errors?: unknown[];
    };
    if (typeof type === 'string' && type.endsWith('_AUTHORIZATION_FAILED')) return true;
    // kafkajs reports a refused FindCoordinator (no ACL on the group or transactional id) as "not
    // found": the suite starts both coordinators first, so here it can only mean a refusal.
    if ((e as Error).name === 'KafkaJSGroupCoordinatorNotFound') return true;
    if (typeof message === 'string' && /not authorized/i.test(message)) return true;
    if (Array.isArray(errors) && errors.some(isAuthorizationError)) return true;
    e = cause ?? originalError;
  }
  return false;
}
