/**
 * Faults the simulator injects on command, into the DVCQG calls only (never into /sim/* or /health). Each kind
 * hits a call either by chance (`rate`, 0–1) or for the next `count` calls; both may be given.
 *
 * - latency: wait `ms` before handling the call;
 * - error: answer `status` without processing (5xx, 429 with `retryAfterSeconds`, or 200 with `errorCode`: the
 *   national side refusing the call); with `xroadError`, a call in the X-Road form is answered as the portal's
 *   security server answers its own errors instead (that type in X-Road-Error; 400 for Client.*, else 500);
 * - downtime: for `forMs` from now, answer 503 with Retry-After (`mode: '503'`), reset the connection without
 *   an answer (`mode: 'reset'`), or stop listening so that connections are refused (`mode: 'refuse'`, carried
 *   out by NationalSim: connections already open are reset), processing nothing;
 * - drop: process the call, then destroy the socket instead of answering (the case that tests idempotency).
 */
export interface FaultSettings {
  latency?: { ms: number } & Chance;
  error?: {
    status: number;
    errorCode?: string;
    message?: string;
    retryAfterSeconds?: number;
    xroadError?: string;
  } & Chance;
  downtime?: { forMs: number; mode?: DowntimeMode; retryAfterSeconds?: number };
  drop?: Chance;
}

export type DowntimeMode = '503' | 'reset' | 'refuse';

export interface Chance {
  rate?: number;
  count?: number;
}

/** What to do with one call. */
export interface FaultDecision {
  latencyMs: number;
  /** answer at once, processing nothing */
  down?: { mode: DowntimeMode; retryAfterSeconds: number };
  error?: {
    status: number;
    errorCode?: string;
    message: string;
    retryAfterSeconds?: number;
    xroadError?: string;
  };
  drop: boolean;
}

export class FaultInjector {
  private settings: FaultSettings = {};
  private downUntil = 0;
  private left = { latency: 0, error: 0, drop: 0 };

  constructor(
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** Replaces the faults in force (validated first: a bad command changes nothing). */
  set(input: unknown): FaultSettings {
    const settings = parseFaults(input);
    this.settings = settings;
    this.downUntil = settings.downtime ? this.now() + settings.downtime.forMs : 0;
    this.left = {
      latency: settings.latency?.count ?? 0,
      error: settings.error?.count ?? 0,
      drop: settings.drop?.count ?? 0,
    };
    return settings;
  }

  reset(): void {
    this.set({});
  }

  /** The faults in force, with what is left of the counts and of the downtime. */
  current(): FaultSettings & {
    downForMs: number;
    countsLeft: { latency: number; error: number; drop: number };
  } {
    return {
      ...this.settings,
      downForMs: Math.max(0, this.downUntil - this.now()),
      countsLeft: { ...this.left },
    };
  }

  decide(): FaultDecision {
    const s = this.settings;
    const latencyMs = s.latency && this.hits('latency', s.latency) ? s.latency.ms : 0;
    if (s.downtime && this.now() < this.downUntil)
      return {
        latencyMs,
        down: { mode: s.downtime.mode ?? '503', retryAfterSeconds: s.downtime.retryAfterSeconds ?? 1 },
        drop: false,
      };
    if (s.error && this.hits('error', s.error))
      return {
        latencyMs,
        error: {
          status: s.error.status,
          errorCode: s.error.errorCode,
          message: s.error.message ?? 'Lỗi do bộ mô phỏng tạo ra',
          retryAfterSeconds: s.error.retryAfterSeconds,
          ...(s.error.xroadError ? { xroadError: s.error.xroadError } : {}),
        },
        drop: false,
      };
    return { latencyMs, drop: s.drop !== undefined && this.hits('drop', s.drop) };
  }

  private hits(kind: 'latency' | 'error' | 'drop', chance: Chance): boolean {
    if (this.left[kind] > 0) {
      this.left[kind] -= 1;
      return true;
    }
    return chance.rate !== undefined && this.random() < chance.rate;
  }
}

/** Checks a fault command; a RangeError names the bad field. */
export function parseFaults(input: unknown): FaultSettings {
  const o = object(input, 'faults');
  const out: FaultSettings = {};
  for (const key of Object.keys(o))
    if (!['latency', 'error', 'downtime', 'drop'].includes(key))
      throw new RangeError(`faults.${key}: unknown fault`);
  if (o.latency !== undefined) {
    const l = object(o.latency, 'latency');
    out.latency = { ms: num(l.ms, 'latency.ms', 0, 600_000), ...chance(l, 'latency') };
  }
  if (o.error !== undefined) {
    const e = object(o.error, 'error');
    const status = num(e.status, 'error.status', 200, 599);
    if (status < 300 && e.errorCode === undefined)
      throw new RangeError(
        'error.errorCode: a 2xx error needs the error_code the national side refuses with',
      );
    out.error = {
      status,
      ...(e.errorCode !== undefined ? { errorCode: str(e.errorCode, 'error.errorCode') } : {}),
      ...(e.message !== undefined ? { message: str(e.message, 'error.message') } : {}),
      ...(e.retryAfterSeconds !== undefined
        ? { retryAfterSeconds: num(e.retryAfterSeconds, 'error.retryAfterSeconds', 0, 86_400) }
        : {}),
      ...(e.xroadError !== undefined ? { xroadError: xroadErrorType(e.xroadError, status) } : {}),
      ...chance(e, 'error'),
    };
  }
  if (o.downtime !== undefined) {
    const d = object(o.downtime, 'downtime');
    if (d.mode !== undefined && d.mode !== '503' && d.mode !== 'reset' && d.mode !== 'refuse')
      throw new RangeError('downtime.mode: "503", "reset" or "refuse"');
    out.downtime = {
      forMs: num(d.forMs, 'downtime.forMs', 0, 86_400_000),
      ...(d.mode !== undefined ? { mode: d.mode } : {}),
      ...(d.retryAfterSeconds !== undefined
        ? { retryAfterSeconds: num(d.retryAfterSeconds, 'downtime.retryAfterSeconds', 0, 86_400) }
        : {}),
    };
  }
  if (o.drop !== undefined) out.drop = chance(object(o.drop, 'drop'), 'drop');
  return out;
}

/** An X-Road error type with the status PR-REST gives it: 400 for Client.*, 500 for Server.* */
function xroadErrorType(v: unknown, status: number): string {
  const type = str(v, 'error.xroadError');
  const expected = type.startsWith('Client.') ? 400 : type.startsWith('Server.') ? 500 : undefined;
  if (expected === undefined)
    throw new RangeError('error.xroadError: a Client.* or Server.* type is expected');
  if (status !== expected) throw new RangeError(`error.status: X-Road answers ${type} with ${expected}`);
  return type;
}

function chance(o: Record<string, unknown>, name: string): Chance {
  const c: Chance = {};
  if (o.rate !== undefined) c.rate = num(o.rate, `${name}.rate`, 0, 1);
  if (o.count !== undefined) c.count = num(o.count, `${name}.count`, 0, 1_000_000);
  if (c.rate === undefined && c.count === undefined) throw new RangeError(`${name}: give rate or count`);
  return c;
}

function object(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new RangeError(`${name}: an object is expected`);
  return v as Record<string, unknown>;
}

function num(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new RangeError(`${name}: a number from ${min} to ${max} is expected`);
  return v;
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new RangeError(`${name}: a non-empty string is expected`);
  return v;
}
