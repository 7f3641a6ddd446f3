import type { OwnershipRules } from '@lgsp/auth';
import {
  AllowedTransitions,
  type DomainEvent,
  type DossierStatusCode,
  type EventDataMap,
} from '@lgsp/contracts';
import { claimEvents, validateRecords, withinTransaction, type ValidEvent } from '@lgsp/domain-service';
import type { ConsumedRecord, DeadLetter } from '@lgsp/kafka';
import type { SchemaRegistry } from '@lgsp/schema-registry';
import type { Queryable } from '@lgsp/store';
import type { DossierRepository, DossierRow, NewHistoryRow } from './dossier.repository';

type DossierEvent = DomainEvent<'dossier'>;
type Submitted = EventDataMap['vn.lgsp.dossier.submitted.v1'];
/** The columns an event after the submission may set, besides the status. */
type Progress = Partial<
  Pick<
    DossierRow,
    'received_at' | 'due_at' | 'finished_at' | 'returned_at' | 'processing_unit' | 'fees_total'
  >
>;

/** When each event happened, by type: the national field that dates it. */
function occurredAt(event: DossierEvent): string {
  switch (event.type) {
    case 'vn.lgsp.dossier.submitted.v1':
      return event.data.NgayNopHoSo;
    case 'vn.lgsp.dossier.received.v1':
      return event.data.NgayTiepNhan;
    case 'vn.lgsp.dossier.processed.v1':
      return event.data.NgayKetThucXuLy;
    case 'vn.lgsp.dossier.result-returned.v1':
      return event.data.NgayTra;
    case 'vn.lgsp.dossier.rejected.v1':
    case 'vn.lgsp.dossier.processing-step.v1':
    case 'vn.lgsp.dossier.supplement-requested.v1':
    case 'vn.lgsp.dossier.fee-requested.v1':
    case 'vn.lgsp.dossier.withdrawn.v1':
    case 'vn.lgsp.dossier.stopped.v1':
      return event.data.ThoiDiem;
  }
}

/** What an event after the submission records on the dossier, besides its status. */
function progress(event: Exclude<DossierEvent, { type: 'vn.lgsp.dossier.submitted.v1' }>): Progress {
  const unit = (name: string | undefined): Progress => (name === undefined ? {} : { processing_unit: name });
  switch (event.type) {
    case 'vn.lgsp.dossier.received.v1':
      return {
        received_at: new Date(event.data.NgayTiepNhan),
        due_at: new Date(event.data.NgayHenTra),
        ...unit(event.data.DonViXuLy),
      };
    case 'vn.lgsp.dossier.processing-step.v1':
      return unit(event.data.DonViXuLy);
    case 'vn.lgsp.dossier.fee-requested.v1':
      return { fees_total: String(feesTotal(event.data.DanhSachLePhi)) };
    case 'vn.lgsp.dossier.processed.v1':
      return { finished_at: new Date(event.data.NgayKetThucXuLy), ...unit(event.data.DonViXuLy) };
    case 'vn.lgsp.dossier.result-returned.v1':
      return { returned_at: new Date(event.data.NgayTra) };
    case 'vn.lgsp.dossier.rejected.v1':
    case 'vn.lgsp.dossier.supplement-requested.v1':
    case 'vn.lgsp.dossier.withdrawn.v1':
    case 'vn.lgsp.dossier.stopped.v1':
      return {};
  }
}

/** The dossier a submission opens. */
function opened(data: Submitted, at: string): DossierRow {
  return {
    code: data.MaHoSo,
    procedure_code: data.MaTTHC,
    procedure_name: data.TenTTHC,
    field_code: data.MaLinhVuc,
    field_name: data.TenLinhVuc ?? null,
    agency_code: data.MaCoQuan,
    channel: data.KenhThucHien,
    applicant_name: data.ChuHoSo,
    applicant_personal_id: data.SoDinhDanhChuHoSo,
    status: data.TrangThaiHoSo,
    submitted_at: new Date(data.NgayNopHoSo),
    received_at: null,
    due_at: null,
    finished_at: null,
    returned_at: null,
    processing_unit: null,
    fees_total: String(data.DanhSachLePhi ? feesTotal(data.DanhSachLePhi) : 0),
    flagged: false,
    updated_at: new Date(at),
  };
}

function feesTotal(fees: { SoTien: number }[]): number {
  return fees.reduce((sum, f) => sum + f.SoTien, 0);
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
    const { valid, dead } = validateRecords(records, this.registry, 'dossier', this.ownership);
    if (valid.length > 0) await withinTransaction(this.repository, tx, (t) => this.apply(t, valid));
    return dead;
  }

  /**
   * One batch in a few set-based statements: mark the events applied (those seen before drop out),
   * lock and load the dossiers they touch, run the lifecycle rules in memory in record order, then
   * write the history rows and the changed dossiers.
   */
  private async apply(tx: Queryable, valid: ValidEvent<'dossier'>[]): Promise<void> {
    const todo = await claimEvents(tx, this.repository.schema, valid);
    if (todo.length === 0) return;
    const state = await this.repository.lockMany(tx, [...new Set(todo.map((v) => v.event.data.MaHoSo))]);
    const changed = new Map<string, DossierRow>();
    const history: NewHistoryRow[] = [];
    for (const v of todo) {
      const step = lifecycleStep(state.get(v.event.data.MaHoSo), v);
      history.push(step.history);
      if (step.row) {
        state.set(step.row.code, step.row);
        changed.set(step.row.code, step.row);
      }
    }
    await this.repository.addHistoryMany(tx, history);
    await this.repository.saveMany(tx, [...changed.values()]);
  }
}

/**
 * The lifecycle rule for one event: the history row it leaves and the dossier row after it (none
 * when nothing changes). A status change the lifecycle does not allow is recorded, not applied, and
 * flags the dossier.
 */
export function lifecycleStep(
  current: DossierRow | undefined,
  { record, event }: ValidEvent<'dossier'>,
): { history: NewHistoryRow; row?: DossierRow } {
  const status: DossierStatusCode = event.data.TrangThaiHoSo;
  const at = occurredAt(event);
  const history = (reason?: string): NewHistoryRow => ({
    code: event.data.MaHoSo,
    eventId: event.id,
    source: event.source,
    type: event.type,
    status,
    previousStatus: current?.status,
    accepted: reason === undefined,
    reason,
    occurredAt: at,
    detail: event.data,
    partition: record.partition,
    offset: record.offset,
  });
  const refuse = (reason: string) => ({
    history: history(reason),
    row: current && !current.flagged ? { ...current, flagged: true } : undefined,
  });

  if (current === undefined) {
    if (event.type !== 'vn.lgsp.dossier.submitted.v1') return refuse('dossier not submitted yet');
    return { history: history(), row: opened(event.data, at) };
  }
  if (event.type === 'vn.lgsp.dossier.submitted.v1') return refuse('dossier already submitted');
  if (!AllowedTransitions[current.status].includes(status))
    return refuse(`transition ${current.status} -> ${status} is not allowed`);
  return {
    history: history(),
    row: { ...current, status, updated_at: new Date(at), ...progress(event) },
  };
}
