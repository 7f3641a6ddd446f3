import { collectDefaultMetrics, Registry } from 'prom-client';
import pino, { type Logger } from 'pino';

/** One metrics registry per app, with Node's process metrics. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
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

interface RouteHost {
  get(path: string, handler: (request: unknown, reply: OpsReply) => Promise<unknown>): unknown;
}
interface OpsReply {
  status(code: number): OpsReply;
  header(name: string, value: string): OpsReply;
  send(body: unknown): OpsReply;
}

/** /health/live, /health/ready and Prometheus /metrics, the same on every app. */
export function registerOpsRoutes(fastify: RouteHost, metrics: Registry, checks: HealthCheck[]): void {
  fastify.get('/health/live', async (_request, reply) => reply.send({ status: 'up' }));
  fastify.get('/health/ready', async (_request, reply) => {
    const result = await runHealthChecks(checks);
    return reply
      .status(result.ok ? 200 : 503)
      .send({ status: result.ok ? 'up' : 'down', checks: result.checks });
  });
  fastify.get('/metrics', async (_request, reply) =>
    reply.header('content-type', metrics.contentType).send(await metrics.metrics()),
  );
}
