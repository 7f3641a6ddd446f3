import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '@lgsp/core';
import { presentedKey, type ApiKeyRegistry, type Caller } from './api-keys';

export interface RouteResult {
  status?: number;
  body: unknown;
}

/**
 * A Fastify handler that authenticates the caller (one of `roles`) before `work` runs and answers
 * any error as problem+json. Used by the admin endpoints, which are not Nest controllers.
 */
export function guardedRoute(
  callers: ApiKeyRegistry,
  roles: Caller['role'][],
  work: (request: FastifyRequest, caller: Caller) => Promise<RouteResult>,
  onInternal?: (error: unknown) => void,
) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      const caller = await callers.authenticate(presentedKey(request.headers), ...roles);
      const result = await work(request, caller);
      await reply.status(result.status ?? 200).send(result.body);
    } catch (error) {
      sendProblem(error, reply, request.url, onInternal);
    }
  };
}
