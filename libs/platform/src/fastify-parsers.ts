import type { FastifyInstance } from 'fastify';
import { HubError } from '@lgsp/core';

/**
 * JSON body parsing for the given media types with the hub's own errors (malformed JSON is a
 * problem+json with LGSP_ERR_MALFORMED_JSON, through the Nest ProblemFilter like every other error).
 * Other media types are read as text so that the handler can answer 415 itself.
 */
export function configureFastify(
  fastify: FastifyInstance,
  jsonTypes: string[],
  options: { keepRawBody?: boolean } = {},
): void {
  fastify.removeAllContentTypeParsers();
  // Read as bytes and decode strictly: JSON is UTF-8 (RFC 8259), and a lenient decode would turn bad
  // bytes into U+FFFD (and a string parse makes Fastify report a Content-Length mismatch instead).
  fastify.addContentTypeParser(jsonTypes, { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (options.keepRawBody) (request as WithRawBody).rawBody = bytes;
    if (bytes.length === 0) return done(null, undefined);
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return done(
        new HubError('LGSP_ERR_MALFORMED_JSON', `the body is not valid UTF-8 (${firstBadByte(bytes)})`),
        undefined,
      );
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new HubError('LGSP_ERR_MALFORMED_JSON', (error as Error).message), undefined);
    }
  });
  // Other media types are answered 415 by the handler: read them as bytes, so no decoding can fail first.
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/** A request whose body bytes were kept (`keepRawBody`): what a signature or a hash is taken over. */
export interface WithRawBody {
  rawBody?: Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The offset of the first byte that strict UTF-8 decoding refuses (error path only). */
function firstBadByte(bytes: Buffer): string {
  const stream = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length; i++) {
    try {
      stream.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      return `invalid byte at offset ${i}`;
    }
  }
  return 'the body ends inside a character';
}
