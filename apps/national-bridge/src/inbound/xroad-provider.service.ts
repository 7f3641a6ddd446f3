import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { HubError } from '@lgsp/core';
import {
  answerMetaService,
  canonicalRequestHeaders,
  encodeClientId,
  encodeServiceId,
  EXCHANGE_RECORDER,
  headersFromRaw,
  isMetaService,
  listClients,
  pairRawHeaders,
  parseXRoadClientHeaders,
  parseXRoadRequest,
  toXRoadError,
  XRoadError,
  xroadRequestHash,
  xroadResponseHeaders,
  type AccessRights,
  type ExchangeEntry,
  type ExchangeRecorder,
  type HeaderBag,
  type XRoadCaller,
  type XRoadRequest,
  type XRoadServiceId,
} from '@lgsp/national';
import { LOGGER, type Logger } from '@lgsp/observability';
import { HubGatewayClient } from './hub-gateway.client';
import { nationalService } from './national-services';
import type { RawBody } from './raw-body';
import { SecurityServerPeers, type Peer } from './security-server-peers';
import { XROAD_ACCESS_RIGHTS } from './xroad-provider.tokens';

/** A request as it reached the endpoint: the method, the raw request target, the raw headers and body. */
export interface InboundRequest {
  method: string;
  url: string;
  rawHeaders: readonly string[];
  body?: RawBody;
  /** who connected: only the province's security server is answered */
  peer: Peer;
}

/** What the endpoint answers. */
export interface InboundAnswer {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** What one exchange produced, before it is recorded. */
interface Outcome {
  status: number;
  contentType?: string;
  /** the body as answered (a JSON value) */
  value?: unknown;
  /** a body answered as text, not JSON (an OpenAPI description in YAML) */
  text?: string;
  errorType?: string;
  health?: boolean;
}

const JSON_TYPE = 'application/json;charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json';

/**
 * The province's X-Road REST provider endpoint (PR-REST, PR-MREST, PR-META): checks a request as a security
 * server checks it, authorises the client subsystem per service, answers the metadata services itself and the
 * province's services from the hub's gateway, adds the X-Road headers and X-Road-Request-Hash to every answer,
 * and records every exchange before it answers: an exchange the message log could not record is not answered
 * (Server.ServerProxy.InternalError).
 */
@Injectable()
export class XRoadProviderService {
  constructor(
    @Inject(XROAD_ACCESS_RIGHTS) private readonly rights: AccessRights,
    private readonly gateway: HubGatewayClient,
    private readonly peers: SecurityServerPeers,
    @Inject(EXCHANGE_RECORDER) private readonly recorder: ExchangeRecorder,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
  ) {}

  /** A request to /r1/{service}[/path]. */
  service(request: InboundRequest): Promise<InboundAnswer> {
    return this.exchange(request, (headers) => {
      const parsed = parseXRoadRequest({ method: request.method, url: request.url, headers });
      return { caller: parsed, service: parsed.service, run: () => this.answer(parsed, request.body) };
    });
  }

  /** A request to /listClients[?xRoadInstance=…]: the members and subsystems this endpoint knows. */
  listClients(request: InboundRequest): Promise<InboundAnswer> {
    return this.exchange(request, (headers) => {
      const caller = parseXRoadClientHeaders(headers);
      return {
        caller,
        run: async (): Promise<Outcome> => {
          onlyGet(request.method, 'listClients');
          const query = new URLSearchParams(queryOf(request.url));
          // the list names the province's partners: only a client granted something here may read it
          if (
            !this.rights.config.providers.some((p) => this.rights.grantedServices(caller.client, p.id).length)
          )
            throw new XRoadError(
              'Server.ServerProxy.AccessDenied',
              `Request is not allowed: listClients for ${encodeClientId(caller.client)}`,
            );
          return { status: 200, value: listClients(this.rights, query.get('xRoadInstance') ?? undefined) };
        },
      };
    });
  }

  /** The answer of a checked request: a metadata service, or a service of the hub through the gateway. */
  private async answer(request: XRoadRequest, body: RawBody | undefined): Promise<Outcome> {
    if (body?.tooLarge) throw new XRoadError('Client.BadRequest', 'The request body is too large');
    const { service, client } = request;
    if (isMetaService(service.serviceCode)) {
      onlyGet(request.method, service.serviceCode);
      const serviceCode = new URLSearchParams(request.query ?? '').get('serviceCode') ?? undefined;
      const meta = answerMetaService(this.rights, service, client, serviceCode);
      if (!meta) throw new Error(`no metadata answer for ${service.serviceCode}`);
      return meta.contentType === 'application/json'
        ? { status: 200, value: JSON.parse(meta.body) }
        : { status: 200, contentType: meta.contentType, text: meta.body };
    }
    this.rights.authorize(client, service);
    const provided = nationalService(service.serviceCode);
    // the access rights were checked against the services at start-up: this is a bug, not a client's error
    if (!provided) throw new Error(`service ${service.serviceCode} has no implementation`);
    const planned = provided.plan({ method: request.method, segments: request.servicePathSegments });
    const answer = await this.gateway.query({
      operationName: planned.operationName,
      query: planned.query,
      variables: planned.variables,
      purpose: planned.purpose,
      onBehalfOf: {
        client: encodeClientId(client),
        ...(request.userId !== undefined ? { userId: request.userId } : {}),
        ...(request.issue !== undefined ? { issue: request.issue } : {}),
      },
    });
    if (answer.kind === 'refused') {
      const problem = { ...new HubError(answer.code).toProblem(), detail: answer.message };
      return { status: answer.status, contentType: PROBLEM_TYPE, value: problem, health: provided.health };
    }
    const value = planned.answer(answer.data);
    if (value === undefined)
      throw new HubError('LGSP_ERR_NOT_FOUND', `${service.serviceCode}: no such record in the hub`);
    return { status: 200, value, health: provided.health };
  }

  /**
   * One exchange: parse (`parse` throws Client.BadRequest), answer, hash, record, answer. Errors become X-Road
   * errors, except a HubError, which is the hub's service answering (a 404, a 405) and passes through as
   * problem+json.
   */
  private async exchange(
    request: InboundRequest,
    parse: (headers: HeaderBag) => {
      caller: XRoadCaller;
      service?: XRoadServiceId;
      run: () => Promise<Outcome>;
    },
  ): Promise<InboundAnswer> {
    const startedAt = Date.now();
    const at = new Date(startedAt).toISOString();
    const headers = headersFromRaw(request.rawHeaders);
    let caller: XRoadCaller | undefined;
    let service: XRoadServiceId | undefined;
    let outcome: Outcome;
    try {
      this.peers.check(request.peer);
      const parsed = parse(headers);
      caller = parsed.caller;
      service = parsed.service;
      outcome = await parsed.run();
    } catch (error) {
      caller ??= callerOrUndefined(headers);
      outcome = this.failure(error);
    }
    const ids = caller ?? { messageId: randomUUID(), requestId: randomUUID() };
    const requestHash = xroadRequestHash({
      method: request.method,
      url: request.url,
      headers: canonicalRequestHeaders(pairRawHeaders(request.rawHeaders), ids),
      ...(request.body?.bytes ? { body: request.body.bytes } : {}),
    });
    const entry: ExchangeEntry = {
      direction: 'inbound',
      at,
      client: caller ? encodeClientId(caller.client) : 'unknown',
      // a request refused before its service was read: the path (redacted by the log) says what was asked
      service: service ? encodeServiceId(service) : 'unknown',
      requestId: ids.requestId,
      messageId: ids.messageId,
      ...(caller?.userId !== undefined ? { userId: caller.userId } : {}),
      ...(caller?.issue !== undefined ? { issue: caller.issue } : {}),
      requestHash,
      method: request.method.toUpperCase(),
      path: pathOf(request.url),
      status: outcome.status,
      ...(outcome.errorType !== undefined ? { errorType: outcome.errorType } : {}),
      durationMs: Date.now() - startedAt,
      ...(outcome.health ? { health: true } : {}),
      ...(request.body?.bytes?.length ? { requestBody: request.body.bytes.toString('utf8') } : {}),
      ...(outcome.value !== undefined || outcome.text !== undefined
        ? { responseBody: outcome.value ?? outcome.text }
        : {}),
    };
    try {
      await this.recorder.record(entry);
    } catch (error) {
      // no unlogged exchange: what could not be recorded is not answered
      outcome = this.failure(
        new XRoadError('Server.ServerProxy.InternalError', 'The exchange could not be logged'),
      );
      this.logger?.error(
        { err: error, requestId: ids.requestId },
        'x-road exchange not recorded: not answered',
      );
    }
    const xroad = caller
      ? xroadResponseHeaders({ ...caller, ...(service ? { service } : {}) }, requestHash)
      : {
          'X-Road-Id': ids.messageId,
          'X-Road-Request-Id': ids.requestId,
          'X-Road-Request-Hash': requestHash,
        };
    const body = outcome.text ?? (outcome.value !== undefined ? JSON.stringify(outcome.value) : undefined);
    return {
      status: outcome.status,
      headers: {
        ...xroad,
        ...(outcome.errorType !== undefined ? { 'X-Road-Error': outcome.errorType } : {}),
        ...(body !== undefined ? { 'Content-Type': outcome.contentType ?? JSON_TYPE } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    };
  }

  /** An error as answered: the hub's own answer (HubError) as problem+json, the rest as an X-Road error. */
  private failure(error: unknown): Outcome {
    if (error instanceof HubError)
      return { status: error.status, contentType: PROBLEM_TYPE, value: error.toProblem() };
    if (!(error instanceof XRoadError))
      this.logger?.error({ err: error }, 'x-road provider endpoint: internal error');
    const xroad = toXRoadError(error);
    return { status: xroad.status, contentType: JSON_TYPE, value: xroad.body(), errorType: xroad.type };
  }
}

function onlyGet(method: string, what: string): void {
  if (method.toUpperCase() !== 'GET')
    throw new XRoadError('Client.BadRequest', `${what} answers GET only, not ${method}`);
}

function callerOrUndefined(headers: HeaderBag): XRoadCaller | undefined {
  try {
    return parseXRoadClientHeaders(headers);
  } catch {
    return undefined;
  }
}

function pathOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : url.slice(0, at);
}

function queryOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at + 1);
}
