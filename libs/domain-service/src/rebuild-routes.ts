import type { FastifyInstance } from 'fastify';
import type { OperatorAudit } from '@lgsp/audit';
import { guardedRoute, type ApiKeyRegistry } from '@lgsp/auth';
import { HubError } from '@lgsp/core';
import type { ReadModel, ReadModelRebuild } from './read-model-rebuild';

/**
 * A read model's admin endpoints (operator role): POST starts a rebuild (202; body
 * `{"allowTruncatedHistory": true}` to rebuild from a topic whose start is gone, 409 otherwise), GET
 * reports it, DELETE cancels it. Start and end are written to the audit topic with the operator's identity.
 */
export function registerRebuildRoutes<R extends ReadModel>(
  fastify: FastifyInstance,
  options: {
    callers: ApiKeyRegistry;
    rebuild: ReadModelRebuild<R>;
    audit: OperatorAudit;
    /** the read model's name in the audit trail (the domain) */
    target: string;
    onInternal: (error: unknown) => void;
  },
): void {
  const { callers, rebuild, audit, target, onInternal } = options;
  const operator = ['operator'] as const;
  fastify.post(
    '/admin/rebuild',
    guardedRoute(
      callers,
      [...operator],
      async (request, caller) => {
        const allowTruncatedHistory = allowTruncated(request.body);
        const status = await rebuild.start(caller.id, { allowTruncatedHistory });
        const actor = { id: caller.id, name: caller.name, role: caller.role };
        const params = { rebuildId: status.id, ...(allowTruncatedHistory ? { allowTruncatedHistory } : {}) };
        const base = { actor, action: 'rebuild', target, params };
        await audit.record({ ...base, outcome: 'started' });
        void rebuild.finished().then(async (end) => {
          if (!end) return;
          const outcome =
            end.state === 'completed' ? 'completed' : end.state === 'cancelled' ? 'interrupted' : 'failed';
          await audit
            .record({ ...base, outcome, result: { ...end } })
            .catch((error: unknown) => onInternal(error));
        });
        return { status: 202, body: status };
      },
      onInternal,
    ),
  );
  fastify.get(
    '/admin/rebuild',
    guardedRoute(callers, [...operator], async () => {
      const status = rebuild.status();
      if (!status) throw new HubError('LGSP_ERR_NOT_FOUND', 'no rebuild has run since the service started');
      return { body: status };
    }),
  );
  fastify.delete(
    '/admin/rebuild',
    guardedRoute(callers, [...operator], async () => {
      const status = await rebuild.cancel();
      if (!status) throw new HubError('LGSP_ERR_NOT_FOUND', 'no rebuild has run since the service started');
      return { body: status };
    }),
  );
}

/** `allowTruncatedHistory` from a POST body: absent or a boolean, nothing else. */
function allowTruncated(body: unknown): boolean {
  if (body === undefined || body === null) return false;
  const value = typeof body === 'object' ? (body as Record<string, unknown>).allowTruncatedHistory : body;
  if (value === undefined) return false;
  if (typeof value !== 'boolean')
    throw new HubError('LGSP_ERR_BAD_REQUEST', 'allowTruncatedHistory must be true or false');
  return value;
}
