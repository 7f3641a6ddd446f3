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

export interface HealthCheck {
  name: string;
  check: () => Promise<void>;
}

export async function runHealthChecks(
  checks: HealthCheck[],
): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const results: Record<string, string> = {};
  let ok = true;
  await Promise.all(
    checks.map(async (c) => {
      try {
        await c.check();
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
