import type { OwnershipRules } from '@lgsp/auth';
import { claimEvents, validateRecords, withinTransaction, type ValidEvent } from '@lgsp/domain-service';
import type { ConsumedRecord, DeadLetter } from '@lgsp/kafka';
import type { SchemaRegistry } from '@lgsp/schema-registry';
import type { Queryable } from '@lgsp/store';
import type { LandRepository } from './land.repository';

/**
 * Projects cadastral events into parcels, holders and each parcel's full history, one transaction
 * per batch, idempotent by CloudEvents identity. An event that does not fit the parcel's state (a
 * second registration, a change to an unregistered parcel, revoking another certificate) is kept
 * in the history as refused and changes nothing.
 */
export class LandProjectionService {
  constructor(
    private readonly repository: LandRepository,
    private readonly registry: SchemaRegistry,
    /** owners of aggregates; without it (tests, tools) the owner is not checked here */
    private readonly ownership?: OwnershipRules,
  ) {}

  /** Applies a batch in one transaction (or inside `tx`, when the caller holds one) and returns the poison records. */
  async handle(records: ConsumedRecord[], tx?: Queryable): Promise<DeadLetter[]> {
    const { valid, dead } = validateRecords(records, this.registry, 'land', this.ownership);
    if (valid.length > 0)
      await withinTransaction(this.repository, tx, async (t) => {
        for (const v of await claimEvents(t, this.repository.schema, valid)) await this.apply(t, v);
      });
    return dead;
  }

  private async apply(tx: Queryable, { record, event }: ValidEvent<'land'>): Promise<void> {
    const { MaThuaDat: id, MaXa, SoHieuToBanDo, SoThuTuThua, ThoiDiem } = event.data;
    const history = {
      parcelId: id,
      eventId: event.id,
      type: event.type,
      at: ThoiDiem,
      partition: record.partition,
      offset: record.offset,
    };
    const refuse = (reason: string) =>
      this.repository.addHistory(tx, { ...history, accepted: false, reason });
    if (id !== `${MaXa}-${SoHieuToBanDo}-${SoThuTuThua}`)
      return refuse('MaThuaDat does not match MaXa, SoHieuToBanDo and SoThuTuThua');
    const exists = await this.repository.exists(tx, id);
    if (event.type === 'vn.lgsp.land.parcel-registered.v1') {
      if (exists) return refuse('parcel already registered');
      const r = event.data;
      await this.repository.insertParcel(tx, {
        id,
        commune_code: r.MaXa,
        sheet_number: r.SoHieuToBanDo,
        parcel_number: r.SoThuTuThua,
        area: String(r.DienTich),
        legal_area: r.DienTichPhapLy === undefined ? null : String(r.DienTichPhapLy),
        land_use: r.MucDichSuDung,
        address: r.DiaChi,
        registered_at: new Date(r.ThoiDiem),
        updated_at: new Date(r.ThoiDiem),
      });
      await this.repository.replaceHolders(tx, id, r.NguoiSuDung);
      return this.repository.addHistory(tx, { ...history, accepted: true });
    }
    if (!exists) return refuse('parcel not registered');
    switch (event.type) {
      case 'vn.lgsp.land.parcel-changed.v1': {
        const c = event.data;
        await this.repository.updateParcel(tx, id, c.ThoiDiem, {
          area: c.DienTich,
          legal_area: c.DienTichPhapLy,
          land_use: c.MucDichSuDung,
        });
        return this.repository.addHistory(tx, {
          ...history,
          accepted: true,
          kind: c.LoaiBienDong,
          related: c.ThuaLienQuan,
        });
      }
      case 'vn.lgsp.land.ownership-transferred.v1': {
        const o = event.data;
        await this.repository.replaceHolders(tx, id, o.NguoiSuDung);
        await this.repository.updateParcel(tx, id, o.ThoiDiem, {});
        return this.repository.addHistory(tx, { ...history, accepted: true, kind: o.HinhThuc });
      }
      case 'vn.lgsp.land.certificate-issued.v1': {
        const c = event.data;
        await this.repository.updateParcel(tx, id, c.ThoiDiem, {
          certificate_number: c.SoGCN,
          certificate_issued_on: c.NgayCap,
          certificate_authority: c.CoQuanCap,
          certificate_status: 'VALID',
        });
        return this.repository.addHistory(tx, { ...history, accepted: true });
      }
      case 'vn.lgsp.land.certificate-revoked.v1': {
        const c = event.data;
        if ((await this.repository.certificateNumber(tx, id)) !== c.SoGCN)
          return refuse(`certificate ${c.SoGCN} is not this parcel's certificate`);
        await this.repository.updateParcel(tx, id, c.ThoiDiem, { certificate_status: 'REVOKED' });
        return this.repository.addHistory(tx, { ...history, accepted: true, reason: c.LyDo });
      }
    }
  }
}
