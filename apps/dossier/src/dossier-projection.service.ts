import type { OwnershipRules } from '@lgsp/auth';
import {
  AllowedTransitions,
  type DossierStatusCode,
  type EventDataMap,
  type EventType,
} from '@lgsp/contracts';
import {
  claimEvents,
  validateRecords,
  withinTransaction,
  type ValidEvent as Valid,
} from '@lgsp/domain-service';
import type { ConsumedRecord, DeadLetter } from '@lgsp/kafka';
import type { SchemaRegistry } from '@lgsp/schema-registry';
import type { Queryable } from '@lgsp/store';
import type { DossierRepository, DossierRow, NewHistoryRow } from './dossier.repository';

type DossierEventType = Extract<EventType, `vn.lgsp.dossier.${string}`>;
type AnyDossierData = EventDataMap[DossierEventType];

/** When each event happened, by type: the national field that dates it. */
function occurredAt(type: DossierEventType, data: AnyDossierData): string {
  const d = data as unknown as Record<string, string>;
  switch (type) {
    case 'vn.lgsp.dossier.submitted.v1':
      return d.NgayNopHoSo;
    case 'vn.lgsp.dossier.received.v1':
      return d.NgayTiepNhan;
    case 'vn.lgsp.dossier.processed.v1':
      return d.NgayKetThucXuLy;
    case 'vn.lgsp.dossier.result-returned.v1':
      return d.NgayTra;
    case 'vn.lgsp.dossier.rejected.v1':
    case 'vn.lgsp.dossier.processing-step.v1':
    case 'vn.lgsp.dossier.supplement-requested.v1':
    case 'vn.lgsp.dossier.fee-requested.v1':
    case 'vn.lgsp.dossier.withdrawn.v1':
    case 'vn.lgsp.dossier.stopped.v1':
      return d.ThoiDiem;
  }
}

function feesTotal(fees: { SoTien: number }[] | undefined): number | undefined {
  return fees ? fees.reduce((sum, f) => sum + f.SoTien, 0) : undefined;
}

/**
 * Projects dossier events into the read model: current state and full status history, in one
 * transaction per batch. Idempotent by CloudEvents identity (source, id). A status change the
 * lifecycle does not allow is recorded in the history and flags the dossier; it is not applied.
 */
export class DossierProjectionService {
  constructor(
    private readonly repository: DossierRepository,
    private readonly registry: SchemaRegistry,
    /** owners of aggregates; without it (tests, tools) the owner is not checked here */
    private readonly ownership?: OwnershipRules,
  ) {}

  /** Applies a batch in one transaction (or inside `tx`, when the caller holds one) and returns the poison records. */
  async handle(records: ConsumedRecord[], tx?: Queryable): Promise<DeadLetter[]> {
    const { valid, dead } = validateRecords<AnyDossierData, DossierEventType>(
      records,
      this.registry,
      'dossier',
      this.ownership,
    );
    if (valid.length > 0) await withinTransaction(this.repository, tx, (t) => this.apply(t, valid));
    return dead;
  }

  /**
   * One batch in a few set-based statements: mark the events applied (those seen before drop out),
   * lock and load the dossiers they touch, run the lifecycle rules in memory in record order, then
   * write the history rows and the changed dossiers.
   */
  private async apply(tx: Queryable, valid: ValidEvent[]): Promise<void> {
    const todo = (await claimEvents(tx, this.repository.schema, valid)) as ValidEvent[];
    if (todo.length === 0) return;
    const state = await this.repository.lockMany(tx, [...new Set(todo.map((v) => v.event.data.MaHoSo))]);
    const changed = new Set<string>();
    const history: NewHistoryRow[] = [];
    for (const v of todo) {
      const step = lifecycleStep(state.get(v.event.data.MaHoSo), v);
      history.push(step.history);
      if (step.row) {
        state.set(step.row.code, step.row);
        changed.add(step.row.code);
      }
    }
    await this.repository.addHistoryMany(tx, history);
    await this.repository.saveMany(
      tx,
      [...changed].map((code) => state.get(code) as DossierRow),
    );
  }
}

type ValidEvent = Valid<AnyDossierData, DossierEventType>;

/**
 * The lifecycle rule for one event: the history row it leaves and the dossier row after it (none
 * when nothing changes). A status change the lifecycle does not allow is recorded, not applied, and
 * flags the dossier.
 */
export function lifecycleStep(
  current: DossierRow | undefined,
  { record, event, type }: ValidEvent,
): { history: NewHistoryRow; row?: DossierRow } {
  const data = event.data;
  const code = data.MaHoSo;
  const status: DossierStatusCode = data.TrangThaiHoSo;
  const at = occurredAt(type, data);
  const previous = current?.status as DossierStatusCode | undefined;
  let refusal: string | undefined;
  if (previous === undefined && type !== 'vn.lgsp.dossier.submitted.v1')
    refusal = 'dossier not submitted yet';
  else if (previous !== undefined && type === 'vn.lgsp.dossier.submitted.v1')
    refusal = 'dossier already submitted';
  else if (previous !== undefined && !AllowedTransitions[previous].includes(status))
    refusal = `transition ${previous} -> ${status} is not allowed`;
  const history: NewHistoryRow = {
    code,
    eventId: event.id,
    source: event.source,
    type,
    status,
    previousStatus: previous,
    accepted: refusal === undefined,
    reason: refusal,
    occurredAt: at,
    detail: data,
    partition: record.partition,
    offset: record.offset,
  };
  if (refusal)
    return { history, row: current && !current.flagged ? { ...current, flagged: true } : undefined };

  if (type === 'vn.lgsp.dossier.submitted.v1') {
    const d = data as EventDataMap['vn.lgsp.dossier.submitted.v1'];
    return {
      history,
      row: {
        code,
        procedure_code: d.MaTTHC,
        procedure_name: d.TenTTHC,
        field_code: d.MaLinhVuc,
        field_name: d.TenLinhVuc ?? null,
        agency_code: d.MaCoQuan,
        channel: d.KenhThucHien,
        applicant_name: d.ChuHoSo,
        applicant_personal_id: d.SoDinhDanhChuHoSo,
        status,
        submitted_at: new Date(d.NgayNopHoSo),
        received_at: null,
        due_at: null,
        finished_at: null,
        returned_at: null,
        processing_unit: null,
        fees_total: String(feesTotal(d.DanhSachLePhi) ?? 0),
        flagged: false,
        updated_at: new Date(at),
      },
    };
  }
  const d = data as unknown as Record<string, unknown>;
  const date = (value: unknown, before: Date | null) =>
    typeof value === 'string' ? new Date(value) : before;
  const base = current as DossierRow;
  const fees = feesTotal(d.DanhSachLePhi as { SoTien: number }[] | undefined);
  return {
    history,
    row: {
      ...base,
      status,
      updated_at: new Date(at),
      received_at: date(d.NgayTiepNhan, base.received_at),
      due_at: date(d.NgayHenTra, base.due_at),
      finished_at: date(d.NgayKetThucXuLy, base.finished_at),
      returned_at: date(d.NgayTra, base.returned_at),
      processing_unit: typeof d.DonViXuLy === 'string' ? d.DonViXuLy : base.processing_unit,
      fees_total: fees === undefined ? base.fees_total : String(fees),
    },
  };
}
