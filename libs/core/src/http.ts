import type { FastifyInstance } from 'fastify';
import { HubError } from './errors';

/**
 * JSON body parsing for the given media types with the hub's own errors (malformed JSON is a
 * problem+json with LGSP_ERR_MALFORMED_JSON, through the Nest ProblemFilter like every other error).
 * Other media types are read as text so that the handler can answer 415 itself.
 */
export function configureFastify(fastify: FastifyInstance, jsonTypes: string[]): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(jsonTypes, { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new HubError('LGSP_ERR_MALFORMED_JSON', (error as Error).message), undefined);
    }
  });
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
}
