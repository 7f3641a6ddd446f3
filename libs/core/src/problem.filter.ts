import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HubError, type ErrorCode } from './errors';

interface FastifyReplyLike {
  status(code: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(body: unknown): void;
}

/** Fastify's own errors (body parsing, limits) mapped to the catalogue. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'LGSP_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'LGSP_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'LGSP_ERR_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'LGSP_ERR_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'LGSP_ERR_MALFORMED_JSON',
};

/** Nest wraps some Fastify errors in an HttpException that keeps only the status. */
const httpStatusCodes: Record<number, ErrorCode> = {
  400: 'LGSP_ERR_MALFORMED_JSON',
  404: 'LGSP_ERR_NOT_FOUND',
  413: 'LGSP_ERR_PAYLOAD_TOO_LARGE',
  415: 'LGSP_ERR_UNSUPPORTED_MEDIA_TYPE',
};

export function toHubError(error: unknown): HubError {
  if (error instanceof HubError) return error;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && fastifyCodes[code])
    return new HubError(fastifyCodes[code], (error as Error).message);
  if (error instanceof SyntaxError) return new HubError('LGSP_ERR_MALFORMED_JSON', error.message);
  if (error instanceof HttpException && httpStatusCodes[error.getStatus()]) {
    return new HubError(httpStatusCodes[error.getStatus()], error.message);
  }
  return new HubError('LGSP_ERR_INTERNAL');
}

/** Every HTTP error leaves as RFC 9457 problem+json with a stable code. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly onInternal?: (error: unknown) => void) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(
      exception,
      http.getResponse<FastifyReplyLike>(),
      http.getRequest<{ url?: string }>().url,
      this.onInternal,
    );
  }
}

/** Writes any error as problem+json; used by the Nest filter and by Fastify's own error handler. */
export function sendProblem(
  exception: unknown,
  reply: FastifyReplyLike,
  url: string | undefined,
  onInternal?: (error: unknown) => void,
): void {
  const error = toHubError(exception);
  if (error.code === 'LGSP_ERR_INTERNAL') onInternal?.(exception);
  reply.status(error.status).header('content-type', 'application/problem+json');
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  reply.send(error.toProblem(url));
}
