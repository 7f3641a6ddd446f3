import { collectDefaultMetrics, Registry } from 'prom-client';
import pino, { type Logger } from 'pino';

export type { Logger };

/** One metrics registry per app, with Node's process metrics (the ObservabilityModule provides it). */
export class MetricsRegistry extends Registry {
  constructor(app: string) {
    super();
    this.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this });
  }
}

/**
 * JSON logs. Secrets and personal data are redacted by path wherever they might appear.
 */
export function createLogger(app: string, level = 'info'): Logger {
  return pino({
    name: app,
    level,
    serializers: { err: safeError },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'headers.authorization',
        'headers["x-api-key"]',
        '*.SoDinhDanhChuHoSo',
        '*.ChuHoSo',
        '*.EmailChuHoSo',
        '*.SoDienThoaiChuHoSo',
      ],
      censor: '[redacted]',
    },
  });
}

/**
 * Errors as logs keep them: type, code, message and stack — never the fields some drivers attach
 * (a statement's parameters, its text, a row's detail), which can hold personal data.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    stack: error.stack,
  };
}

export interface HealthCheck {
  name: string;
  check: () => Promise<void>;
}

/** A dependency that does not answer within this time is reported down: readiness answers within ~1.5 s. */
const CHECK_TIMEOUT_MS = 1_500;

function withTimeout(check: () => Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([check(), late]).finally(() => clearTimeout(timer));
}

/** The readiness check of a store: a trivial query, so readiness is down while the database does not answer. */
export function databaseCheck(db: { query(text: string): Promise<unknown> }): HealthCheck {
  return { name: 'database', check: async () => void (await db.query('SELECT 1')) };
}

export async function runHealthChecks(
  checks: HealthCheck[],
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const results: Record<string, string> = {};
  let ok = true;
  await Promise.all(
    checks.map(async (c) => {
      try {
        await withTimeout(c.check, timeoutMs);
        results[c.name] = 'up';
      } catch (error) {
        ok = false;
        results[c.name] = `down: ${error instanceof Error ? error.message : String(error)}`;
      }
    }),
  );
  return { ok, checks: results };
}
