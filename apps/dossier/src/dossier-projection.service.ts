import {
  AllowedTransitions,
  type DossierStatusCode,
  type EventDataMap,
  type EventType,
} from '@lgsp/contracts';
import {
  CloudEventDecodeError,
  fromKafkaRecord,
  type CloudEvent,
  type ConsumedRecord,
  type DeadLetter,
} from '@lgsp/kafka';
import type { SchemaRegistry } from '@lgsp/schema-registry';
import type { Queryable } from '@lgsp/store';
import type { DossierRepository } from './dossier.repository';

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
  ) {}

  /** Applies a batch in one transaction (or inside `tx`, when the caller holds one) and returns the poison records. */
  async handle(records: ConsumedRecord[], tx?: Queryable): Promise<DeadLetter[]> {
    const dead: DeadLetter[] = [];
    const valid: { record: ConsumedRecord; event: CloudEvent<AnyDossierData>; type: DossierEventType }[] = [];
    for (const record of records) {
      try {
        const event = fromKafkaRecord(record.headers, record.value);
        if (!event.type.startsWith('vn.lgsp.dossier.') || !this.registry.has(event.type)) {
          dead.push({
            record,
            code: 'LGSP_ERR_UNKNOWN_TYPE',
            detail: `unknown dossier event type ${event.type}`,
          });
          continue;
        }
        // Validate where it is consumed too: the topic may hold records written by other producers.
        const result = this.registry.validate(event.type, event.data);
        if (!result.ok) {
          const detail = result.issues.map((i) => `${i.pointer} ${i.message}`).join('; ');
          dead.push({ record, code: 'LGSP_ERR_SCHEMA_INVALID', detail });
          continue;
        }
        valid.push({
          record,
          event: event as CloudEvent<AnyDossierData>,
          type: event.type as DossierEventType,
        });
      } catch (error) {
        if (!(error instanceof CloudEventDecodeError)) throw error;
        dead.push({ record, code: 'LGSP_ERR_CLOUDEVENT_INVALID', detail: error.message });
      }
    }
    if (valid.length > 0) {
      const work = async (t: Queryable) => {
        for (const v of valid) await this.apply(t, v.record, v.event, v.type);
      };
      if (tx) await work(tx);
      else await this.repository.transaction(work);
    }
    return dead;
  }

  private async apply(
    tx: Queryable,
    record: ConsumedRecord,
    event: CloudEvent<AnyDossierData>,
    type: DossierEventType,
  ): Promise<void> {
    if (!(await this.repository.markApplied(tx, JSON.stringify([event.source, event.id])))) return;
    const data = event.data;
    const code = data.MaHoSo;
    const status: DossierStatusCode = data.TrangThaiHoSo;
    const at = occurredAt(type, data);
    const previous = (await this.repository.currentStatus(tx, code)) as DossierStatusCode | undefined;
    const history = {
      code,
      eventId: event.id,
      source: event.source,
      type,
      status,
      previousStatus: previous,
      occurredAt: at,
      detail: data,
      partition: record.partition,
      offset: record.offset,
    };

    let refusal: string | undefined;
    if (previous === undefined && type !== 'vn.lgsp.dossier.submitted.v1')
      refusal = 'dossier not submitted yet';
    else if (previous !== undefined && type === 'vn.lgsp.dossier.submitted.v1')
      refusal = 'dossier already submitted';
    else if (previous !== undefined && !AllowedTransitions[previous].includes(status)) {
      refusal = `transition ${previous} -> ${status} is not allowed`;
    }
    await this.repository.addHistory(tx, { ...history, accepted: refusal === undefined, reason: refusal });
    if (refusal) {
      if (previous !== undefined) await this.repository.flag(tx, code);
      return;
    }

    if (type === 'vn.lgsp.dossier.submitted.v1') {
      const d = data as EventDataMap['vn.lgsp.dossier.submitted.v1'];
      await this.repository.insertSubmitted(tx, {
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
        fees_total: String(feesTotal(d.DanhSachLePhi) ?? 0),
        updated_at: new Date(at),
      });
      return;
    }
    const d = data as unknown as Record<string, unknown>;
    await this.repository.applyStatus(tx, code, status, at, {
      received_at: d.NgayTiepNhan as string | undefined,
      due_at: d.NgayHenTra as string | undefined,
      finished_at: d.NgayKetThucXuLy as string | undefined,
      returned_at: d.NgayTra as string | undefined,
      processing_unit: d.DonViXuLy as string | undefined,
      fees_total: feesTotal(d.DanhSachLePhi as { SoTien: number }[] | undefined),
    });
  }
}
