import { Module, type DynamicModule } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OperatorAudit, registerAuditRoutes, type AuditActor } from '@lgsp/audit';
import { ApiKeyRegistry, guardedRoute, type Caller, type RouteResult } from '@lgsp/auth';
import { configureFastify, createFastifyApp, HubError, listen, type RunningApp } from '@lgsp/core';
import { createKafka, ensureTopics, EventProducer, parsePosition, type Position } from '@lgsp/kafka';
import { createLogger, createMetricsRegistry, registerOpsRoutes } from '@lgsp/observability';
import { DeadLetters, groupsLag, replay, topicsOverview, type DeadLetterFilter } from '@lgsp/operations';
import { checkSchemaFiles } from '@lgsp/schema-registry';
import { openDatabase } from '@lgsp/store';
import type { AdminConfig } from './admin.config';

@Module({})
class AdminModule {
  static register(): DynamicModule {
    return { module: AdminModule };
  }
}

type Body = Record<string, unknown>;

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new HubError('LGSP_ERR_BAD_REQUEST', `${name} must be a string`);
  return value;
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new HubError('LGSP_ERR_BAD_REQUEST', `${name} must be true or false`);
  return value;
}

function time(value: unknown, name: string): Date | undefined {
  const raw = text(value, name);
  if (raw === undefined) return undefined;
  const p = parsePosition(raw);
  if (p.kind !== 'timestamp')
    throw new HubError('LGSP_ERR_BAD_REQUEST', `${name} must be an ISO 8601 time with zone`);
  return p.at;
}

function dlqFilter(q: Body): DeadLetterFilter {
  return {
    code: text(q.code, 'code'),
    type: text(q.type, 'type'),
    originalTopic: text(q.topic, 'topic'),
    since: time(q.since, 'since'),
    until: time(q.until, 'until'),
    includeRedriven: q.all === true || q.all === 'true',
  };
}

/** Bulk operations over HTTP must say `"confirm": true`: the API's counterpart of the CLI's --yes. */
function requireConfirm(body: Body): void {
  if (body.confirm !== true)
    throw new HubError(
      'LGSP_ERR_NOT_CONFIRMED',
      'this operation writes in bulk: send "confirm": true to run it',
    );
}

/**
 * The operator's admin API: the CLI's operations over HTTP for a future console. Every route needs
 * an operator key; every bulk operation is written to lgsp.audit with the operator's identity.
 * Read-model rebuilds live on the service that owns the model (POST <service>/admin/rebuild).
 */
export async function startAdmin(config: AdminConfig): Promise<RunningApp> {
  const log = createLogger('admin', config.logLevel);
  const metrics = createMetricsRegistry('admin');
  const callers = ApiKeyRegistry.fromFile(config.callersFile);
  const kafka = createKafka(config.kafka);
  await ensureTopics(kafka, config.kafka);
  const producer = new EventProducer(kafka);
  await producer.connect();
  const onInternal = (error: unknown): void => log.error({ err: error }, 'unhandled error');
  const db = await openDatabase(config.store);
  const audit = new OperatorAudit(producer, 'admin-api', config.audit.signer, db, (error) =>
    log.error({ err: error }, 'audit trail: write or copy to lgsp.audit failed'),
  );
  await audit.migrate();
  audit.chain.start(config.audit);
  const deadLetters = new DeadLetters(kafka, config.kafka);

  const app = await createFastifyApp(AdminModule.register(), { onInternal });
  const fastify = app.getHttpAdapter().getInstance();
  configureFastify(fastify, ['application/json']);
  registerOpsRoutes(fastify, metrics, [
    { name: 'database', check: async () => void (await db.query('SELECT 1')) },
    {
      name: 'kafka',
      check: async () => {
        const admin = kafka.admin();
        await admin.connect();
        await admin.describeCluster().finally(() => admin.disconnect());
      },
    },
  ]);
  const route = (work: (request: FastifyRequest, caller: Caller) => Promise<RouteResult>) =>
    guardedRoute(callers, ['operator'], work, onInternal);
  const actorOf = (c: Caller): AuditActor => ({ id: c.id, name: c.name, role: c.role });
  registerAuditRoutes(fastify, {
    callers,
    keyring: config.audit.keyring,
    kafka,
    chains: [audit.chain],
    operatorAudit: audit,
    onInternal,
  });

  fastify.get(
    '/admin/topics',
    route(async () => ({ body: await topicsOverview(kafka) })),
  );
  fastify.get(
    '/admin/lag',
    route(async (request) => ({
      body: await groupsLag(kafka, text((request.query as Body).group, 'group')),
    })),
  );
  fastify.post(
    '/admin/replay',
    route(async (request, caller) => {
      const body = (request.body ?? {}) as Body;
      const source = text(body.source, 'source');
      if (!source) throw new HubError('LGSP_ERR_BAD_REQUEST', 'source is required');
      const dryRun = body.dryRun === true;
      if (!dryRun) requireConfirm(body);
      const last = body.last === undefined ? undefined : Number(body.last);
      const from: Position =
        last !== undefined
          ? { kind: 'last', count: last }
          : parsePosition(text(body.from, 'from') ?? 'earliest');
      const to = parsePosition(text(body.until, 'until') ?? 'latest');
      const filter = {
        key: text(body.key, 'key'),
        type: text(body.type, 'type'),
        source: text(body.eventSource, 'eventSource'),
      };
      const target = text(body.target, 'target');
      const rate = body.rate === undefined ? undefined : Number(body.rate);
      const allowTruncatedHistory = flag(body.allowTruncatedHistory, 'allowTruncatedHistory');
      const run = () =>
        replay(kafka, producer, {
          source,
          target,
          from,
          to,
          filter,
          dryRun,
          ratePerSecond: rate,
          allowTruncatedHistory,
        });
      const result = dryRun
        ? await run()
        : await audit.around(
            {
              actor: actorOf(caller),
              action: 'replay',
              target: target ?? source,
              params: {
                source,
                target,
                from: body.from ?? last ?? 'earliest',
                until: body.until ?? 'latest',
                filter,
                rate,
                ...(allowTruncatedHistory ? { allowTruncatedHistory } : {}),
              },
            },
            run,
          );
      return { body: result };
    }),
  );
  fastify.get(
    '/admin/dlq',
    route(async (request) => ({ body: await deadLetters.list(dlqFilter(request.query as Body)) })),
  );
  fastify.get(
    '/admin/dlq/:id',
    route(async (request) => ({ body: await deadLetters.show((request.params as { id: string }).id) })),
  );
  fastify.post(
    '/admin/dlq/redrive',
    route(async (request, caller) => {
      const body = (request.body ?? {}) as Body;
      requireConfirm(body);
      const ids = Array.isArray(body.ids) ? body.ids.map((id) => String(id)) : [];
      const filter = dlqFilter((body.filter ?? {}) as Body);
      if (
        ids.length === 0 &&
        !filter.code &&
        !filter.type &&
        !filter.originalTopic &&
        !filter.since &&
        !filter.until
      )
        throw new HubError('LGSP_ERR_BAD_REQUEST', 'name dead letters by ids or select them with a filter');
      const actor = actorOf(caller);
      const result = await audit.around(
        { actor, action: 'dlq.redrive', target: 'lgsp.dlq', params: { ids, filter } },
        () => deadLetters.redrive(ids, filter, actor.id),
      );
      return { body: result };
    }),
  );
  fastify.get(
    '/admin/schemas/check',
    route(async () => ({ body: checkSchemaFiles() })),
  );

  const url = await listen(app, config.port, config.host);
  log.info({ url }, 'admin API listening');
  return {
    app,
    url,
    async close() {
      await app.close();
      await audit.chain.stop();
      await producer.disconnect();
      await db.close();
    },
  };
}
