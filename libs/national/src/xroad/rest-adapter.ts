import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { ConfigError } from '@lgsp/core';
import type { NationalAdapter, NationalLookup, XRoadRestSettings } from '../adapter';
import { IdempotencyKeyHeader } from '../delivery/idempotency';
import { classifyTransportError, type CallOutcome } from '../delivery/outcome';
import { parseJson, transportError } from '../delivery/transport';
import { DvcqgServices, type DvcqgService } from '../dvcqg/codes';
import { lookupResult } from '../dvcqg/lookup';
import type { TraCuuHoSoBody } from '../dvcqg/payloads';
import type { NationalCall } from '../dvcqg/plan';
import { XRoadErrorHeader } from './errors';
import { encodeClientId, encodeSegment, encodeServiceId, providerOf } from './identifiers';
import { metaServicePath, type RestServiceList } from './metadata';
import { classifyXRoadAnswer } from './outcome';
import { ProtocolVersion, XRoadHeaders } from './request';

/** Where the adapter reports what does not fail a call but should be looked at (the hub passes its logger). */
export interface AdapterLog {
  warn(details: Record<string, unknown>, message: string): void;
}

/** The path of one DVCQG call as an X-Road REST service of the portal: /r1/{service id}/{call}. */
export function xroadCallPath(service: XRoadRestSettings['service'], call: DvcqgService): string {
  return `/${ProtocolVersion}/${encodeServiceId(service)}/${encodeSegment(call)}`;
}

// an answer of the national side is a small JSON document; anything larger is not one
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

type Answered = {
  kind: 'answered';
  status: number;
  body: unknown;
  xroadError?: string;
  retryAfter?: string;
  requestHash?: string;
  messageId?: string;
};
type Failed = { kind: 'failed'; outcome: CallOutcome };

/**
 * The DVCQG sync calls as X-Road REST services of the national portal's subsystem (`xroad-rest`), sent to the
 * province's own security server: `POST /r1/{portal service}/{call}` with `X-Road-Client` (the province's
 * subsystem), a new `X-Road-Id` per try, `X-Road-Issue` the dossier, the call's `Idempotency-Key` on every try,
 * and the body of the DVCQG form without a session — the security servers authenticate the province by its
 * certificate, so `login` only checks that the security server answers and lets the province call the service
 * (`allowedMethods` of the portal's subsystem). Mutual TLS to the security server when `tls` is configured.
 *
 * Outcomes are classified as in the DVCQG form (the service's answers pass through the security servers
 * unchanged); X-Road's own errors by their type (classifyXRoadAnswer). Nothing throws for a failed call.
 */
export class XRoadRestAdapter implements NationalAdapter {
  readonly kind = 'xroad-rest' as const;
  private readonly agent: http.Agent;
  private readonly baseUrl: URL;
  private readonly closing = new AbortController();

  constructor(
    private readonly settings: XRoadRestSettings,
    private readonly log: AdapterLog = stderrLog,
  ) {
    this.baseUrl = new URL(settings.securityServerUrl);
    if (settings.tls && this.baseUrl.protocol !== 'https:')
      throw new ConfigError(
        'LGSP_XROAD_SECURITY_SERVER_URL',
        'mutual TLS is configured, so the security server URL must be https',
      );
    this.agent =
      this.baseUrl.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, ...tlsOptions(settings.tls) })
        : new http.Agent({ keepAlive: true });
  }

  async login(signal?: AbortSignal): Promise<CallOutcome> {
    const provider = providerOf(this.settings.service);
    const answer = await this.request(
      'GET',
      metaServicePath(provider, 'allowedMethods'),
      undefined,
      undefined,
      signal,
    );
    if (answer.kind === 'failed') return answer.outcome;
    if (answer.xroadError || answer.status < 200 || answer.status >= 300) return classifyXRoadAnswer(answer);
    const services = (answer.body as Partial<RestServiceList> | undefined)?.service;
    if (!Array.isArray(services))
      return { kind: 'unknown', reason: `HTTP ${answer.status}: allowedMethods answered no service list` };
    const code = this.settings.service.serviceCode;
    if (!services.some((s) => s?.service_code === code))
      return {
        kind: 'rejected',
        status: answer.status,
        message: `the security server does not allow ${encodeClientId(this.settings.client)} to call ${encodeServiceId(this.settings.service)}`,
      };
    return { kind: 'delivered' };
  }

  async send(call: NationalCall, signal?: AbortSignal): Promise<CallOutcome> {
    const body = { madonvi: this.settings.agencyCode, ...call.body };
    const path = xroadCallPath(this.settings.service, call.body.service);
    const answer = await this.request('POST', path, body, call, signal);
    return answer.kind === 'failed' ? answer.outcome : classifyXRoadAnswer(answer);
  }

  async lookup(dossierCode: string, signal?: AbortSignal): Promise<NationalLookup> {
    const body: TraCuuHoSoBody & { madonvi: string } = {
      madonvi: this.settings.agencyCode,
      service: DvcqgServices.lookupDossier,
      MaHoSo: dossierCode,
    };
    const path = xroadCallPath(this.settings.service, DvcqgServices.lookupDossier);
    const answer = await this.request('POST', path, body, { dossierCode }, signal);
    if (answer.kind === 'failed') return answer;
    return lookupResult(classifyXRoadAnswer(answer), answer.body, dossierCode);
  }

  close(): Promise<void> {
    this.closing.abort(new Error('the adapter is closed'));
    this.agent.destroy();
    return Promise.resolve();
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    call: Partial<Pick<NationalCall, 'idempotency' | 'dossierCode'>> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answered | Failed> {
    if (this.closing.signal.aborted)
      return { kind: 'failed', outcome: { kind: 'unavailable', reason: 'the adapter is closed' } };
    const messageId = randomUUID();
    const headers: Record<string, string> = {
      accept: 'application/json',
      [XRoadHeaders.client]: encodeClientId(this.settings.client),
      [XRoadHeaders.messageId]: messageId,
    };
    if (call?.dossierCode) headers[XRoadHeaders.issue] = call.dossierCode;
    if (call?.idempotency?.key) headers[IdempotencyKeyHeader] = call.idempotency.key;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    if (payload) headers['content-type'] = 'application/json';
    const signals = [this.closing.signal, AbortSignal.timeout(this.settings.timeoutMs)];
    if (signal) signals.push(signal);

    const result = await exchange(new URL(path, this.baseUrl), {
      method,
      headers,
      payload,
      agent: this.agent,
      signal: AbortSignal.any(signals),
    });
    if (result.kind === 'failed')
      return { kind: 'failed', outcome: classifyTransportError(transportError(result.error), result.sent) };
    const answered = readAnswer(result.status, result.headers, result.body);
    this.checkAnswer(answered, { path, messageId });
    return answered;
  }

  /** X-Road's proof of the exchange: an answer of the service carries the request hash and our message id. */
  private checkAnswer(answer: Answered, sent: { path: string; messageId: string }): void {
    if (answer.xroadError) return;
    if (!answer.requestHash)
      this.log.warn(
        { path: sent.path, status: answer.status, messageId: sent.messageId },
        `the security server answered without ${XRoadHeaders.requestHash}`,
      );
    if (answer.messageId !== undefined && answer.messageId !== sent.messageId)
      this.log.warn(
        { path: sent.path, sent: sent.messageId, answered: answer.messageId },
        `the answer's ${XRoadHeaders.messageId} is not the request's`,
      );
  }
}

const stderrLog: AdapterLog = {
  warn: (details, message) => process.emitWarning(`${message} ${JSON.stringify(details)}`),
};

function tlsOptions(tls: XRoadRestSettings['tls']): https.AgentOptions {
  if (!tls) return {};
  const read = (variable: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError(variable, `cannot read ${file}: ${(error as Error).message}`);
    }
  };
  return {
    cert: read('LGSP_XROAD_TLS_CERT', tls.certFile),
    key: read('LGSP_XROAD_TLS_KEY', tls.keyFile),
    ...(tls.caFile ? { ca: read('LGSP_XROAD_TLS_CA', tls.caFile) } : {}),
  };
}

function readAnswer(status: number, headers: http.IncomingHttpHeaders, body: Buffer): Answered {
  const header = (name: string): string | undefined => {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const xroadError = header(XRoadErrorHeader);
  const retryAfter = header('retry-after');
  const requestHash = header(XRoadHeaders.requestHash);
  const messageId = header(XRoadHeaders.messageId);
  return {
    kind: 'answered',
    status,
    body: parseJson(body.toString('utf8')),
    ...(xroadError ? { xroadError } : {}),
    ...(retryAfter ? { retryAfter } : {}),
    ...(requestHash ? { requestHash } : {}),
    ...(messageId ? { messageId } : {}),
  };
}

/**
 * One HTTP exchange over node:http(s), for the agent's client certificate (fetch takes no https.Agent). `sent`
 * tells whether the request had been written when it failed: a request that never left is safe to send again.
 */
function exchange(
  url: URL,
  options: {
    method: string;
    headers: Record<string, string>;
    payload: Buffer | undefined;
    agent: http.Agent;
    signal: AbortSignal;
  },
): Promise<
  | { kind: 'answered'; status: number; headers: http.IncomingHttpHeaders; body: Buffer }
  | { kind: 'failed'; error: unknown; sent: boolean }
> {
  return new Promise((resolve) => {
    let sent = false;
    const fail = (error: unknown): void => resolve({ kind: 'failed', error, sent });
    const client = url.protocol === 'https:' ? https : http;
    const headers = options.payload
      ? { ...options.headers, 'content-length': String(options.payload.length) }
      : options.headers;
    const request = client.request(
      url,
      { method: options.method, headers, agent: options.agent, signal: options.signal },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) response.destroy(new Error('the answer is too large'));
          else chunks.push(chunk);
        });
        response.once('error', fail);
        response.once('end', () =>
          resolve({
            kind: 'answered',
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    request.once('finish', () => (sent = true));
    request.once('error', (error) => fail(options.signal.aborted ? (options.signal.reason ?? error) : error));
    request.end(options.payload);
  });
}
