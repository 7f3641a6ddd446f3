import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HubError, sendProblem, type ErrorCode, type ProblemReply } from '@lgsp/core';

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

/** The errors of the HTTP stack (Fastify's codes, Nest's HttpException) as hub errors; others as they are. */
export function fromHttpStack(error: unknown): unknown {
  if (error instanceof HubError) return error;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && fastifyCodes[code])
    return new HubError(fastifyCodes[code], (error as Error).message);
  if (error instanceof HttpException && httpStatusCodes[error.getStatus()])
    return new HubError(httpStatusCodes[error.getStatus()], error.message);
  return error;
}

/** Every HTTP error leaves as RFC 9457 problem+json with a stable code. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly onInternal?: (error: unknown) => void) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    // A resolver's error is GraphQL's to answer (in `errors`, by mercurius): handed back, as Nest's
    // GraphQL filters do, instead of a problem+json written on a reply a resolver does not have.
    if (host.getType<string>() === 'graphql') return exception;
    const http = host.switchToHttp();
    sendProblem(
      fromHttpStack(exception),
      http.getResponse<ProblemReply>(),
      http.getRequest<{ url?: string }>().url,
      this.onInternal,
    );
  }
}
