import { randomBytes } from 'node:crypto';
import {
  DvcqgServices,
  IsUpdating,
  type DvcqgAnswer,
  type HoSoDongBo,
  type TienDoHoSo,
} from '@lgsp/national';

/** A dossier as the simulated national side holds it: the latest record and the steps, in the order received. */
export interface SimDossier {
  MaHoSo: string;
  madonvi: string;
  record: HoSoDongBo;
  progress: TienDoHoSo[];
  createdAt: string;
  updatedAt: string;
}

/** One call received, for the tests: never the password or the session. */
export interface SimCall {
  seq: number;
  at: string;
  path: string;
  service?: string;
  MaHoSo?: string;
  isUpdating?: string;
  idempotencyKey?: string;
  /** what the simulator did: applied, replayed (a key seen before), refused, or a fault it injected */
  result: 'applied' | 'replayed' | 'refused' | 'unauthorized' | 'fault';
  status: number;
  errorCode?: string;
  fault?: string;
  /** the answer was dropped after processing (the socket destroyed) */
  dropped?: boolean;
  /** the X-Road form: the client subsystem (X-Road-Client) and, when refused there, the X-Road error type */
  xroadClient?: string;
  xroadError?: string;
}

export interface SimAnswer {
  status: number;
  body: DvcqgAnswer;
}

/** error codes of the simulated side: 0 success, others the refusals the bridge must park */
export const SimErrorCodes = {
  ok: '0',
  invalidRequest: '1',
  dossierExists: '2',
  dossierUnknown: '3',
  badLogin: '4',
} as const;

export interface SimAccount {
  username: string;
  password: string;
  sessionTtlMs: number;
}

/**
 * The national side's state: accounts' sessions, dossiers and their histories, the Idempotency-Key answers and
 * every call received. The rules the bridge relies on: a second create of a dossier is refused; an
 * Idempotency-Key seen before answers as it did the first time without applying again; a step or replace of an unknown dossier is refused; an expired or unknown session is 401.
 */
export class NationalSimState {
  private readonly dossiers = new Map<string, SimDossier>();
  private readonly sessions = new Map<string, number>();
  private readonly keys = new Map<string, SimAnswer>();
  private readonly log: SimCall[] = [];

  constructor(
    private readonly account: SimAccount,
    private readonly now: () => number = Date.now,
  ) {}

  login(body: unknown): SimAnswer {
    const b = asObject(body);
    if (b?.username !== this.account.username || b?.password !== this.account.password)
      return refuse(SimErrorCodes.badLogin, 'Tài khoản hoặc mật khẩu không đúng');
    const session = randomBytes(24).toString('base64url');
    this.sessions.set(session, this.now() + this.account.sessionTtlMs);
    return { status: 200, body: { error_code: SimErrorCodes.ok, message: 'Thành công', session } };
  }

  /** Ends every session: the next call is answered 401 (a token that expired). */
  expireSessions(): void {
    this.sessions.clear();
  }

  /**
   * A sync call (DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo), with its Idempotency-Key if any. In the DVCQG
   * form the body carries the session; in the X-Road form the security server authenticated the caller by its
   * certificate (`via.xroadCall`: the call the path names, which the body's `service` must be).
   */
  sync(
    body: unknown,
    idempotencyKey: string | undefined,
    via: { xroadCall?: string } = {},
  ): { answer: SimAnswer; result: SimCall['result'] } {
    const b = asObject(body);
    if (via.xroadCall !== undefined) {
      if (b?.service !== via.xroadCall)
        return {
          answer: refuse(SimErrorCodes.invalidRequest, `service phải là ${via.xroadCall}, như đường dẫn`),
          result: 'refused',
        };
      return this.applyOnce(b, idempotencyKey);
    }
    const expires = typeof b?.session === 'string' ? this.sessions.get(b.session) : undefined;
    if (expires === undefined || expires <= this.now()) {
      if (typeof b?.session === 'string') this.sessions.delete(b.session);
      return {
        answer: {
          status: 401,
          body: { error_code: '401', message: 'Phiên làm việc không hợp lệ hoặc đã hết hạn' },
        },
        result: 'unauthorized',
      };
    }
    return this.applyOnce(b, idempotencyKey);
  }

  private applyOnce(
    b: Record<string, unknown> | undefined,
    idempotencyKey: string | undefined,
  ): { answer: SimAnswer; result: SimCall['result'] } {
    if (idempotencyKey) {
      // A key seen before answers as it did, whatever the body: reconcile() may re-send a create as a replace
      // with the create's key, and the record it carries is the same.
      const seen = this.keys.get(idempotencyKey);
      if (seen) return { answer: seen, result: 'replayed' };
      const answer = this.apply(b ?? {});
      // only what was applied is remembered: a refused call may be sent again once it can succeed
      if (answer.body.error_code === SimErrorCodes.ok) this.keys.set(idempotencyKey, answer);
      return { answer, result: resultOf(answer) };
    }
    const answer = this.apply(b ?? {});
    return { answer, result: resultOf(answer) };
  }

  record(call: Omit<SimCall, 'seq' | 'at'>): SimCall {
    const entry = { seq: this.log.length + 1, at: new Date(this.now()).toISOString(), ...call };
    this.log.push(entry);
    return entry;
  }

  dossier(code: string): SimDossier | undefined {
    const d = this.dossiers.get(code);
    return d && structuredClone(d);
  }

  dossierCodes(): string[] {
    return [...this.dossiers.keys()];
  }

  calls(filter: { MaHoSo?: string; service?: string } = {}): SimCall[] {
    return this.log.filter(
      (c) =>
        (filter.MaHoSo === undefined || c.MaHoSo === filter.MaHoSo) &&
        (filter.service === undefined || c.service === filter.service),
    );
  }

  /** Forgets everything received (dossiers, keys, calls); sessions stay valid. */
  reset(): void {
    this.dossiers.clear();
    this.keys.clear();
    this.log.length = 0;
  }

  private apply(b: Record<string, unknown>): SimAnswer {
    const madonvi = typeof b.madonvi === 'string' ? b.madonvi : '';
    if (!madonvi) return refuse(SimErrorCodes.invalidRequest, 'Thiếu mã đơn vị (madonvi)');
    switch (b.service) {
      case DvcqgServices.syncDossier:
        return this.syncDossier(b, madonvi);
      case DvcqgServices.updateProgress:
        return this.updateProgress(b);
      case DvcqgServices.lookupDossier:
        return this.lookupDossier(b);
      default:
        return refuse(SimErrorCodes.invalidRequest, `Dịch vụ không được hỗ trợ: ${String(b.service)}`);
    }
  }

  private syncDossier(b: Record<string, unknown>, madonvi: string): SimAnswer {
    const record = single<HoSoDongBo>(b.data);
    if (!record || typeof record.MaHoSo !== 'string' || record.MaHoSo === '')
      return refuse(SimErrorCodes.invalidRequest, 'data phải có đúng một hồ sơ có MaHoSo');
    const existing = this.dossiers.get(record.MaHoSo);
    const at = new Date(this.now()).toISOString();
    if (b.isUpdating === IsUpdating.create) {
      if (existing) return refuse(SimErrorCodes.dossierExists, `Hồ sơ ${record.MaHoSo} đã tồn tại`);
      this.dossiers.set(record.MaHoSo, {
        MaHoSo: record.MaHoSo,
        madonvi,
        record,
        progress: [],
        createdAt: at,
        updatedAt: at,
      });
      return ok();
    }
    if (b.isUpdating !== IsUpdating.replace)
      return refuse(SimErrorCodes.invalidRequest, 'isUpdating phải là "True" hoặc "False"');
    if (!existing) return refuse(SimErrorCodes.dossierUnknown, `Hồ sơ ${record.MaHoSo} không tồn tại`);
    existing.record = record;
    existing.updatedAt = at;
    return ok();
  }

  private updateProgress(b: Record<string, unknown>): SimAnswer {
    const step = single<TienDoHoSo>(b.data);
    if (!step || typeof step.MaHoSo !== 'string')
      return refuse(SimErrorCodes.invalidRequest, 'data phải có đúng một bước xử lý có MaHoSo');
    const existing = this.dossiers.get(step.MaHoSo);
    if (!existing) return refuse(SimErrorCodes.dossierUnknown, `Hồ sơ ${step.MaHoSo} không tồn tại`);
    // like the real side, no deduplication without a key: a step sent twice is two steps
    existing.progress.push(step);
    existing.updatedAt = new Date(this.now()).toISOString();
    return ok();
  }

  private lookupDossier(b: Record<string, unknown>): SimAnswer {
    const code = typeof b.MaHoSo === 'string' ? b.MaHoSo : undefined;
    if (!code) return refuse(SimErrorCodes.invalidRequest, 'Thiếu MaHoSo');
    const d = this.dossiers.get(code);
    return {
      status: 200,
      body: {
        error_code: SimErrorCodes.ok,
        message: 'Thành công',
        data: d ? [{ ...d.record, DanhSachTienDo: d.progress }] : [],
      },
    };
  }
}

function ok(): SimAnswer {
  return { status: 200, body: { error_code: SimErrorCodes.ok, message: 'Thành công' } };
}

function refuse(code: string, message: string, status = 200): SimAnswer {
  return { status, body: { error_code: code, message } };
}

function resultOf(answer: SimAnswer): SimCall['result'] {
  return answer.body.error_code === SimErrorCodes.ok ? 'applied' : 'refused';
}

function asObject(body: unknown): Record<string, unknown> | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

function single<T>(data: unknown): T | undefined {
  return Array.isArray(data) && data.length === 1 && typeof data[0] === 'object' && data[0] !== null
    ? (data[0] as T)
    : undefined;
}
