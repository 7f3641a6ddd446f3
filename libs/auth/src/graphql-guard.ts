import type { FastifyInstance } from 'fastify';
import { HubError, sendProblem } from '@lgsp/core';
import { presentedKey, type ApiKeyRegistry, type Caller } from './api-keys';

/** Refuses requests to /graphql (problem+json 401/403) unless they carry a key of one of the roles. */
export function guardGraphql(
  fastify: FastifyInstance,
  callers: ApiKeyRegistry,
  ...roles: Caller['role'][]
): void {
  fastify.addHook('preHandler', async (request, reply) => {
    if (request.url !== '/graphql' && !request.url.startsWith('/graphql?')) return;
    try {
      await callers.authenticate(presentedKey(request.headers), ...roles);
    } catch (error) {
      sendProblem(
        error instanceof HubError ? error : new HubError('LGSP_ERR_UNAUTHENTICATED'),
        reply,
        request.url,
      );
      return reply;
    }
  });
}
