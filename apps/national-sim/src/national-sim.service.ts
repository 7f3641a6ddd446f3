import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { Counter } from 'prom-client';
import { XRoadErrorHeader } from '@lgsp/national';
import { MetricsRegistry } from '@lgsp/observability';
import { FaultInjector, type FaultSettings } from './faults';
import type { NationalSimConfig } from './national-sim.config';
import { NationalSimState, type SimAnswer, type SimCall } from './sim-state';

export const NATIONAL_SIM_CONFIG = Symbol('NATIONAL_SIM_CONFIG');

/** One call to the simulated national side, in the DVCQG form or the X-Road form. */
export interface SimRequest {
  call: 'login' | 'sync';
  path: string;
  body: unknown;
  idempotencyKey?: string;
  /** the X-Road form: the call the path names, the client subsystem, the X-Road headers of every answer */
  xroad?: { call: string; client: string; headers: Record<string, string> };
}

/**
 * The simulated national side: its state (NationalSimState) behind the fault injector. Tests reach it in
 * process (`app.get(NationalSim)`) or over HTTP (/sim/*).
 */
@Injectable()
export class NationalSim implements BeforeApplicationShutdown {
  readonly state: NationalSimState;
  readonly faults = new FaultInjector();
  private readonly received: Counter<'call' | 'result'>;
  /** while a 'refuse' downtime lasts: where to listen again, and when */
  private refusing: { port: number; host: string; timer: NodeJS.Timeout } | undefined;

  constructor(
    @Inject(NATIONAL_SIM_CONFIG) config: NationalSimConfig,
    metrics: MetricsRegistry,
    private readonly http: HttpAdapterHost,
  ) {
    this.state = new NationalSimState({
      username: config.username,
      password: config.password,
      sessionTtlMs: config.sessionTtlMs,
    });
    this.received = new Counter({
      name: 'lgsp_national_sim_calls_total',
      help: 'Calls the national simulator received, by call and by what it did with them',
      labelNames: ['call', 'result'],
      registers: [metrics],
    });
  }

  /**
   * Replaces the faults in force (a RangeError names a bad field and changes nothing). A 'refuse' downtime stops
   * the listener now and starts it again on the same port when the downtime ends (or at the next command).
   */
  async setFaults(input: unknown): Promise<FaultSettings> {
    const settings = this.faults.set(input);
    const downtime = settings.downtime;
    if (downtime?.mode === 'refuse' && downtime.forMs > 0) this.refuseFor(downtime.forMs);
    else await this.listenAgain();
    return settings;
  }

  /** Forgets what was received and lifts every fault. */
  async reset(): Promise<void> {
    this.state.reset();
    this.faults.reset();
    await this.listenAgain();
  }

  /** whether the listener is stopped by a 'refuse' downtime */
  get refusingConnections(): boolean {
    return this.refusing !== undefined;
  }

  beforeApplicationShutdown(): void {
    // the app closes its server itself; it must not be started again after
    if (this.refusing) clearTimeout(this.refusing.timer);
    this.refusing = undefined;
  }

  private server(): Server {
    return this.http.httpAdapter.getHttpServer() as Server;
  }

  private refuseFor(forMs: number): void {
    const server = this.server();
    if (this.refusing) clearTimeout(this.refusing.timer);
    else {
      const { port, address } = server.address() as AddressInfo;
      this.refusing = { port, host: address, timer: undefined as unknown as NodeJS.Timeout };
      server.close();
      server.closeIdleConnections();
    }
    this.refusing.timer = setTimeout(() => void this.listenAgain().catch(() => undefined), forMs);
  }

  private async listenAgain(): Promise<void> {
    const refusing = this.refusing;
    if (!refusing) return;
    clearTimeout(refusing.timer);
    this.refusing = undefined;
    const server = this.server();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(refusing.port, refusing.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /**
   * One call of the national side (login or sync, in either form) through the faults in force; answers on
   * `reply` or destroys its socket. In the X-Road form the answer, faults included, carries `xroad.headers`
   * (what the security server adds), and no session is asked for (the security server authenticated the client).
   */
  async serve(request: SimRequest, reply: FastifyReply): Promise<void> {
    const { call, path, body, idempotencyKey, xroad } = request;
    if (xroad) void reply.headers(xroad.headers);
    const decision = this.faults.decide();
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    const meta = {
      path,
      ...describeCall(body),
      ...(idempotencyKey ? { idempotencyKey } : {}),
      ...(xroad ? { xroadClient: xroad.client } : {}),
    };
    if (decision.down) {
      const { mode, retryAfterSeconds } = decision.down;
      this.note(call, {
        ...meta,
        result: 'fault',
        status: mode === '503' ? 503 : 0,
        fault: `downtime:${mode}`,
      });
      if (mode !== '503') return drop(reply);
      void reply
        .code(503)
        .header('retry-after', String(retryAfterSeconds))
        .send({ error_code: '503', message: 'Hệ thống đang bảo trì' });
      return;
    }
    if (decision.error) {
      const e = decision.error;
      this.note(call, {
        ...meta,
        result: 'fault',
        status: e.status,
        fault: 'error',
        ...(e.errorCode ? { errorCode: e.errorCode } : {}),
        ...(xroad && e.xroadError ? { xroadError: e.xroadError } : {}),
      });
      if (e.retryAfterSeconds !== undefined) void reply.header('retry-after', String(e.retryAfterSeconds));
      if (xroad && e.xroadError) {
        void reply
          .code(e.status)
          .header(XRoadErrorHeader, e.xroadError)
          .send({ type: e.xroadError, message: e.message, detail: randomUUID() });
        return;
      }
      void reply.code(e.status).send({ error_code: e.errorCode ?? String(e.status), message: e.message });
      return;
    }
    const { answer, result } =
      call === 'login'
        ? loginResult(this.state.login(body))
        : this.state.sync(body, idempotencyKey, xroad ? { xroadCall: xroad.call } : {});
    this.note(call, {
      ...meta,
      result,
      status: answer.status,
      errorCode: String(answer.body.error_code),
      ...(decision.drop ? { dropped: true, fault: 'drop' } : {}),
    });
    if (decision.drop) return drop(reply);
    void reply.code(answer.status).send(answer.body);
  }

  /** A call the X-Road form refused before the service saw it (the security server's error), for the log. */
  noteRefused(call: Omit<SimCall, 'seq' | 'at' | 'result'>): void {
    this.note('xroad', { ...call, result: 'refused' });
  }

  private note(call: string, entry: Omit<SimCall, 'seq' | 'at'>): void {
    this.state.record(entry);
    this.received.inc({ call: entry.service ?? call, result: entry.dropped ? 'dropped' : entry.result });
  }
}

function loginResult(answer: SimAnswer): { answer: SimAnswer; result: SimCall['result'] } {
  return { answer, result: answer.body.error_code === '0' ? 'applied' : 'refused' };
}

/** Processed, then no answer: the socket is destroyed, as when a response is lost on the way back. */
function drop(reply: FastifyReply): void {
  reply.hijack();
  reply.raw.destroy();
}

/** What the call log keeps of a body: the call and the dossier, never the password or the session. */
function describeCall(body: unknown): Pick<SimCall, 'service' | 'MaHoSo' | 'isUpdating'> {
  if (typeof body !== 'object' || body === null) return {};
  const b = body as Record<string, unknown>;
  const item = Array.isArray(b.data) ? (b.data[0] as Record<string, unknown> | undefined) : undefined;
  const code = item?.MaHoSo ?? b.MaHoSo;
  return {
    ...(typeof b.service === 'string' ? { service: b.service } : {}),
    ...(typeof code === 'string' ? { MaHoSo: code } : {}),
    ...(typeof b.isUpdating === 'string' ? { isUpdating: b.isUpdating } : {}),
  };
}
