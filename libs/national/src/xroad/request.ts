import { randomUUID } from 'node:crypto';
import { XRoadError } from './errors';
import {
  checkedPart,
  decodeSegment,
  encodeClientId,
  encodeServiceId,
  parseClientId,
  type XRoadClientId,
  type XRoadServiceId,
} from './identifiers';

/** The request headers of the protocol (PR-REST 4.3); names are case-insensitive on the wire. */
export const XRoadHeaders = {
  client: 'X-Road-Client',
  /** GovStack's Information Mediator names the client with this header; it means the same */
  govStackClient: 'Information-Mediator-Client',
  messageId: 'X-Road-Id',
  userId: 'X-Road-UserId',
  issue: 'X-Road-Issue',
  requestId: 'X-Road-Request-Id',
  requestHash: 'X-Road-Request-Hash',
  service: 'X-Road-Service',
} as const;

export const ProtocolVersion = 'r1';

const VERBS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);
// PR-REST 4.2: lengths must be checked; X-Road leaves the limit to the implementation, clients commonly use 2000
const MAX_REQUEST_TARGET = 2000;
const MAX_HEADER = 255;
const SERVICE_PARTS = ['instance', 'memberClass', 'memberCode', 'subsystemCode', 'serviceCode'] as const;

export type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * Headers from Node's `rawHeaders` (name, value, name, value, …), every occurrence kept. Pass these rather than
 * `request.headers`: Node and Fastify join a repeated custom header into one value ("a, b"), which would hide the
 * repetition the protocol checks refuse.
 */
export function headersFromRaw(raw: readonly string[]): HeaderBag {
  const bag: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) (bag[raw[i].toLowerCase()] ??= []).push(raw[i + 1]);
  return bag;
}

export interface XRoadRequestInput {
  method: string;
  /** the request target as received: raw path and query, e.g. /r1/VN/GOV/000.00.00.H22/LGSP/dossierStatus/x?y=1 */
  url: string;
  headers: HeaderBag;
}

export interface XRoadRequest {
  method: string;
  service: XRoadServiceId;
  /** the rest of the path after the service code, raw (percent-encoded), '' when none */
  servicePath: string;
  /** servicePath decoded, segment by segment */
  servicePathSegments: string[];
  /** the raw query string without '?', undefined when none */
  query?: string;
  client: XRoadClientId;
  /** X-Road-Id: the consumer's id of the message, generated when it sent none */
  messageId: string;
  /** X-Road-Request-Id: the id of the exchange, generated when none came with the request */
  requestId: string;
  userId?: string;
  issue?: string;
}

/** The service part of a path, `/r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/path]`. */
export function parseServicePath(
  path: string,
): Pick<XRoadRequest, 'service' | 'servicePath' | 'servicePathSegments'> {
  const parts = path.split('/');
  if (parts[0] !== '' || parts.length < 2) throw new XRoadError('Client.BadRequest', 'Invalid request URI');
  if (parts[1] !== ProtocolVersion)
    throw new XRoadError(
      'Client.BadRequest',
      /^r\d+$/.test(parts[1])
        ? `Unsupported protocol version ${parts[1]}: this provider speaks ${ProtocolVersion}`
        : `Invalid protocol version: the path must start with /${ProtocolVersion}/`,
    );
  if (parts.length < 7)
    throw new XRoadError(
      'Client.BadRequest',
      `Invalid request URI: expected /${ProtocolVersion}/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/path]`,
    );
  const [instance, memberClass, memberCode, subsystemCode, serviceCode] = SERVICE_PARTS.map((name, i) =>
    checkedPart(decodeSegment(parts[i + 2], `service ${name}`), `service ${name}`),
  );
  const rest = parts.slice(7);
  const servicePathSegments = rest.map((segment) => decodeSegment(segment, 'service path'));
  // the path goes on to a service of the hub: no segment may climb out of it (PR-REST 4.2 asks for SSRF care)
  if (servicePathSegments.some((s) => s === '.' || s === '..' || s.includes('/') || s.includes('\\')))
    throw new XRoadError(
      'Client.BadRequest',
      'service path: dot segments and encoded slashes are not allowed',
    );
  return {
    service: { instance, memberClass, memberCode, subsystemCode, serviceCode },
    servicePath: rest.length ? `/${rest.join('/')}` : '',
    servicePathSegments,
  };
}

/**
 * A request to the provider endpoint, checked as a security server checks it: the method, the service in the
 * path, the client in X-Road-Client (or Information-Mediator-Client, the same), and the optional headers.
 * Throws XRoadError (Client.BadRequest) with a message that says what is wrong.
 */
export function parseXRoadRequest(input: XRoadRequestInput): XRoadRequest {
  const method = input.method.toUpperCase();
  if (!VERBS.has(method))
    throw new XRoadError('Client.BadRequest', `Unsupported HTTP method ${input.method}`);
  if (input.url.length > MAX_REQUEST_TARGET)
    throw new XRoadError('Client.BadRequest', `Request URI longer than ${MAX_REQUEST_TARGET} characters`);
  const queryAt = input.url.indexOf('?');
  const path = queryAt < 0 ? input.url : input.url.slice(0, queryAt);
  const query = queryAt < 0 ? undefined : input.url.slice(queryAt + 1);
  const { service, servicePath, servicePathSegments } = parseServicePath(path);
  return {
    method,
    service,
    servicePath,
    servicePathSegments,
    ...(query !== undefined && query !== '' ? { query } : {}),
    ...parseXRoadClientHeaders(input.headers),
  };
}

/** Who asks and the exchange's ids, from the headers alone (also for /listClients, which names no service). */
export type XRoadCaller = Pick<XRoadRequest, 'client' | 'messageId' | 'requestId' | 'userId' | 'issue'>;

/**
 * The client (X-Road-Client or Information-Mediator-Client) and the optional headers, checked as
 * parseXRoadRequest checks them. Throws XRoadError (Client.BadRequest).
 */
export function parseXRoadClientHeaders(bag: HeaderBag): XRoadCaller {
  const headers = lowerCased(bag);
  const client = clientOf(headers);
  const messageId = optionalHeader(headers, XRoadHeaders.messageId) ?? randomUUID();
  const requestId = optionalHeader(headers, XRoadHeaders.requestId) ?? randomUUID();
  const userId = optionalHeader(headers, XRoadHeaders.userId);
  const issue = optionalHeader(headers, XRoadHeaders.issue);
  return {
    client,
    messageId,
    requestId,
    ...(userId !== undefined ? { userId } : {}),
    ...(issue !== undefined ? { issue } : {}),
  };
}

function clientOf(headers: Map<string, string[]>): XRoadClientId {
  const xroad = single(headers, XRoadHeaders.client);
  const govStack = single(headers, XRoadHeaders.govStackClient);
  const value = xroad ?? govStack;
  if (value === undefined)
    throw new XRoadError(
      'Client.BadRequest',
      `Missing ${XRoadHeaders.client} header (or ${XRoadHeaders.govStackClient}): instance/memberClass/memberCode/subsystemCode`,
    );
  const client = parseClientId(
    value.trim(),
    xroad !== undefined ? XRoadHeaders.client : XRoadHeaders.govStackClient,
  );
  if (xroad !== undefined && govStack !== undefined) {
    const other = parseClientId(govStack.trim(), XRoadHeaders.govStackClient);
    if (encodeClientId(other) !== encodeClientId(client))
      throw new XRoadError(
        'Client.BadRequest',
        `${XRoadHeaders.client} and ${XRoadHeaders.govStackClient} name different clients`,
      );
  }
  return client;
}

function optionalHeader(headers: Map<string, string[]>, name: string): string | undefined {
  const value = single(headers, name)?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_HEADER)
    throw new XRoadError('Client.BadRequest', `${name} is longer than ${MAX_HEADER} characters`);
  // eslint-disable-next-line no-control-regex -- the point is to refuse control characters
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new XRoadError('Client.BadRequest', `${name} holds control characters`);
  return value;
}

/** A header that must come once: a repeated one could be read two ways (HTTP parameter pollution). */
function single(headers: Map<string, string[]>, name: string): string | undefined {
  const values = headers.get(name.toLowerCase());
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) throw new XRoadError('Client.BadRequest', `${name} header is repeated`);
  return values[0];
}

function lowerCased(headers: HeaderBag): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), ...(Array.isArray(value) ? value : [value])]);
  }
  return out;
}

/**
 * The X-Road headers of a provider's answer (PR-REST 4.3), the request hash computed by the caller.
 * X-Road-Service is left out for a request that names no service (/listClients).
 */
export function xroadResponseHeaders(
  request: XRoadCaller & { service?: XRoadServiceId },
  requestHash: string,
): Record<string, string> {
  return {
    [XRoadHeaders.client]: encodeClientId(request.client),
    ...(request.service ? { [XRoadHeaders.service]: encodeServiceId(request.service) } : {}),
    [XRoadHeaders.messageId]: request.messageId,
    [XRoadHeaders.requestId]: request.requestId,
    [XRoadHeaders.requestHash]: requestHash,
  };
}
