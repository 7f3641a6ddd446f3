import { randomUUID } from 'node:crypto';

/**
 * Errors of the X-Road Message Protocol for REST (PR-REST 4.6), raised by the province's provider endpoint where
 * X-Road raises them on a security server. The `type` says where it happened: `Client.*` the request does not
 * follow the protocol (HTTP 400); `Server.ServerProxy.*` the provider side failed or refused (HTTP 500: X-Road
 * uses only these two codes for its own errors, and tells the cases apart by the type). The response carries the
 * type in the `X-Road-Error` header and `{ type, message, detail }` as JSON, `detail` an id to find the exchange
 * in the message log.
 */
export type XRoadErrorType =
  | 'Client.BadRequest'
  | 'Server.ServerProxy.AccessDenied'
  | 'Server.ServerProxy.UnknownService'
  | 'Server.ServerProxy.InvalidServiceType'
  | 'Server.ServerProxy.ServiceFailed'
  | 'Server.ServerProxy.InternalError';

export const XRoadErrorHeader = 'X-Road-Error';

export interface XRoadErrorBody {
  type: XRoadErrorType;
  message: string;
  detail: string;
}

export class XRoadError extends Error {
  readonly status: 400 | 500;

  constructor(
    readonly type: XRoadErrorType,
    message: string,
    readonly detail: string = randomUUID(),
  ) {
    super(message);
    this.name = 'XRoadError';
    this.status = xroadErrorStatus(type);
  }

  body(): XRoadErrorBody {
    return { type: this.type, message: this.message, detail: this.detail };
  }

  headers(): Record<string, string> {
    return { [XRoadErrorHeader]: this.type, 'Content-Type': 'application/json;charset=utf-8' };
  }
}

/** PR-REST 4.6: 400 for a request that does not follow the protocol, 500 for every error of X-Road itself. */
export function xroadErrorStatus(type: XRoadErrorType): 400 | 500 {
  return type.startsWith('Client.') ? 400 : 500;
}

/** Anything thrown while answering, as the X-Road error to send: an XRoadError as it is, the rest as internal. */
export function toXRoadError(error: unknown): XRoadError {
  if (error instanceof XRoadError) return error;
  // the cause stays in our logs; the client learns only that the provider side failed
  return new XRoadError('Server.ServerProxy.InternalError', 'Internal error of the provider');
}
