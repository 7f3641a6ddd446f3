import type { OwnershipRules } from '@lgsp/auth';
import type { DomainEvent } from '@lgsp/contracts';
import { claimEvents, validateRecords, withinTransaction } from '@lgsp/domain-service';
import { PoisonRecordError, type ConsumedRecord, type DeadLetter } from '@lgsp/kafka';
import type { SchemaRegistry } from '@lgsp/schema-registry';
import type { Queryable } from '@lgsp/store';
import type { HealthRepository } from './health.repository';

type HealthEvent = DomainEvent<'health'>;

/** yyyyMMddHHmm of the claim tables (Vietnam time) as an instant. */
export function claimTime(value: string): string {
  return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}T${value.slice(8, 10)}:${value.slice(10, 12)}:00+07:00`;
}

/** Projects health events (encounters, settled claims, vaccinations), one transaction per batch, idempotent by event id. */
export class HealthProjectionService {
  constructor(
    private readonly repository: HealthRepository,
    private readonly registry: SchemaRegistry,
    /** owners of aggregates; without it (tests, tools) the owner is not checked here */
    private readonly ownership?: OwnershipRules,
  ) {}

  /** Applies a batch in one transaction (or inside `tx`, when the caller holds one) and returns the poison records. */
  async handle(records: ConsumedRecord[], tx?: Queryable): Promise<DeadLetter[]> {
    const { valid, dead } = validateRecords(records, this.registry, 'health', this.ownership);
    if (valid.length > 0)
      await withinTransaction(this.repository, tx, async (t) => {
        for (const { event } of await claimEvents(t, this.repository.schema, valid)) {
          await this.assertSameFacility(t, event);
          await this.apply(t, event);
        }
      });
    return dead;
  }

  /**
   * A health record belongs to the facility that recorded it: an event for an existing encounter or
   * vaccination from another facility is refused (to the DLQ), never applied over the owner's record.
   */
  private async assertSameFacility(tx: Queryable, event: HealthEvent): Promise<void> {
    const owner =
      event.type === 'vn.lgsp.health.vaccination-recorded.v1'
        ? await this.repository.vaccinationFacility(tx, event.data.MA_TIEM_CHUNG)
        : await this.repository.encounterFacility(tx, event.data.MA_LK);
    if (owner !== undefined && owner !== event.data.MA_CSKCB)
      throw new PoisonRecordError(
        'LGSP_ERR_NOT_OWNER',
        `the record belongs to facility ${owner}; facility ${event.data.MA_CSKCB} may not change it`,
      );
  }

  private async apply(tx: Queryable, event: HealthEvent): Promise<void> {
    switch (event.type) {
      case 'vn.lgsp.health.encounter-recorded.v1': {
        const e = event.data;
        return this.repository.saveEncounter(tx, {
          id: e.MA_LK,
          facility_code: e.MA_CSKCB,
          patient_code: e.MA_BN,
          patient_name: e.HO_TEN,
          personal_id: e.SO_CCCD,
          birth: e.NGAY_SINH,
          gender: e.GIOI_TINH,
          card_number: e.MA_THE_BHYT ?? null,
          admitted_at: new Date(claimTime(e.NGAY_VAO)),
          discharged_at: e.NGAY_RA ? new Date(claimTime(e.NGAY_RA)) : null,
          main_diagnosis: e.MA_BENH_CHINH,
          secondary_diagnoses: e.MA_BENH_KT ?? [],
          treatment_result: e.KET_QUA_DTRI ?? null,
          discharge_kind: e.MA_LOAI_RV ?? null,
          total_cost: String(e.T_TONGCHI_BV),
          insurance_paid: e.T_BHTT === undefined ? null : String(e.T_BHTT),
          patient_co_payment: e.T_BNCCT === undefined ? null : String(e.T_BNCCT),
          patient_paid: e.T_BNTT === undefined ? null : String(e.T_BNTT),
        });
      }
      case 'vn.lgsp.health.claim-settled.v1': {
        const c = event.data;
        return this.repository.saveClaim(tx, {
          encounter_id: c.MA_LK,
          facility_code: c.MA_CSKCB,
          settled_at: c.NGAY_THANH_TOAN,
          outcome: c.KET_QUA_GIAM_DINH,
          paid: c.T_BHTT,
          refused: c.T_TUCHOI,
          reason: c.LY_DO,
        });
      }
      case 'vn.lgsp.health.vaccination-recorded.v1': {
        const v = event.data;
        return this.repository.saveVaccination(tx, {
          id: v.MA_TIEM_CHUNG,
          personal_id: v.SO_CCCD,
          name: v.HO_TEN,
          facility_code: v.MA_CSKCB,
          vaccine_code: v.MA_VAC_XIN,
          vaccine_name: v.TEN_VAC_XIN,
          dose: v.MUI_THU,
          given_at: new Date(v.NGAY_TIEM),
        });
      }
    }
  }
}
