import { HubError } from './errors';

/** What writing a problem needs of an HTTP reply (Fastify's reply has it; no framework is imported here). */
export interface ProblemReply {
  status(code: number): ProblemReply;
  header(name: string, value: string): ProblemReply;
  send(body: unknown): void;
}

/**
 * Any error as a hub error: hub errors as they are, a JSON syntax error as malformed JSON, anything
 * else internal (its message never reaches the caller). The HTTP platform maps its own errors first.
 */
export function toHubError(error: unknown): HubError {
  if (error instanceof HubError) return error;
  if (error instanceof SyntaxError) return new HubError('LGSP_ERR_MALFORMED_JSON', error.message);
  return new HubError('LGSP_ERR_INTERNAL');
}

/** Writes any error as RFC 9457 problem+json with a stable code; `onInternal` sees the unexpected ones. */
export function sendProblem(
  exception: unknown,
  reply: ProblemReply,
  url: string | undefined,
  onInternal?: (error: unknown) => void,
): void {
  const error = toHubError(exception);
  if (error.code === 'LGSP_ERR_INTERNAL') onInternal?.(exception);
  reply.status(error.status).header('content-type', 'application/problem+json');
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  reply.send(error.toProblem(url));
}
