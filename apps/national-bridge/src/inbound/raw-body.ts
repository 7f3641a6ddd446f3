import type { IncomingMessage } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/**
 * The endpoint hashes and forwards the bytes of a request as they were received, whatever their media type
 * (PR-REST 4.3 binds the body into X-Road-Request-Hash). Fastify parses a body by its content type, and a
 * parser registered for one path is not something Nest's routes can have: so a middleware in front of the
 * endpoint's routes gives every body a media type of our own, whose parser keeps the bytes. The original
 * Content-Type stays in `rawHeaders`, which the endpoint reads for the hash and the answer.
 */
export const RAW_MEDIA_TYPE = 'application/x-lgsp-xroad-raw';

/** The body as received, or `tooLarge` when it was longer than the limit (its bytes were discarded). */
export type RawBody = { bytes: Buffer; tooLarge: false } | { bytes: undefined; tooLarge: true };

@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  use(request: IncomingMessage, _response: unknown, next: () => void): void {
    request.headers['content-type'] = RAW_MEDIA_TYPE;
    next();
  }
}

/** Registers the parser of RAW_MEDIA_TYPE: the bytes up to `limit`, then only whether there were more. */
export function registerRawBodyParser(fastify: FastifyInstance, limit: number): void {
  if (fastify.hasContentTypeParser(RAW_MEDIA_TYPE)) return;
  fastify.addContentTypeParser(RAW_MEDIA_TYPE, (_request, payload, done) => {
    const chunks: Buffer[] = [];
    let length = 0;
    payload.on('data', (chunk: Buffer) => {
      length += chunk.length;
      // read to the end (the connection stays usable) but keep nothing past the limit
      if (length <= limit) chunks.push(chunk);
    });
    payload.on('error', (error) => done(error, undefined));
    payload.on('end', () =>
      done(
        null,
        length > limit
          ? ({ bytes: undefined, tooLarge: true } satisfies RawBody)
          : ({ bytes: Buffer.concat(chunks), tooLarge: false } satisfies RawBody),
      ),
    );
  });
}
