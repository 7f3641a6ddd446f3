import { SchemaRegistry } from '@lgsp/schema-registry';
import { loadStoreSettings, openDatabase, type Database } from '@lgsp/store';
import { consumed, event, parcelRegistered, sampleName, samplePersonalId } from '@lgsp/samples';
import { LandProjectionService } from './land-projection.service';
import { LandRepository, type ParcelWithHolders } from './land.repository';

jest.setTimeout(30_000);

/** The land projection against an in-memory PGlite: what each cadastral event does to a parcel. */
describe(LandProjectionService.name, () => {
  let db: Database;
  let repository: LandRepository;
  let sut: LandProjectionService;
  let offset = 0;
  let serial = 100;
  const source = '/000.00.02.H22/vilis';

  beforeAll(async () => {
    db = await openDatabase(loadStoreSettings({ LGSP_PGLITE_DIR: 'memory' }, 'land'));
    repository = new LandRepository(db);
    await repository.migrate();
    sut = new LandProjectionService(repository, new SchemaRegistry());
  }, 60_000);
  afterAll(() => db?.close());

  const apply = (...events: [type: string, data: object][]) =>
    sut.handle(
      events.map(([type, data]) => consumed(event(`vn.lgsp.land.${type}.v1`, data, source), offset++)),
    );
  const parcel = () => {
    serial += 1;
    return parcelRegistered(samplePersonalId(serial), sampleName(serial), serial);
  };
  const placeOf = (p: ReturnType<typeof parcel>) => ({
    MaThuaDat: p.MaThuaDat,
    MaXa: p.MaXa,
    SoHieuToBanDo: p.SoHieuToBanDo,
    SoThuTuThua: p.SoThuTuThua,
  });
  /** numeric columns: strings from PostgreSQL, numbers from PGlite */
  const view = (p: ParcelWithHolders | undefined) =>
    p && {
      ...p,
      area: Number(p.area),
      legal_area: p.legal_area === null ? null : Number(p.legal_area),
      holders: p.holders.map((h) => ({ ...h, share: Number(h.share) })),
    };
  const history = async (id: string) =>
    (await repository.history(id)).map((h) => ({
      type: h.event_type.split('.')[3],
      accepted: h.accepted,
      reason: h.reason,
      kind: h.change_kind,
    }));

  it('registers a parcel with its holders, from the fields of the registration', async () => {
    const p = parcel();
    expect(await apply(['parcel-registered', p])).toEqual([]);
    expect(view(await repository.byId(p.MaThuaDat))).toEqual({
      id: p.MaThuaDat,
      commune_code: p.MaXa,
      sheet_number: p.SoHieuToBanDo,
      parcel_number: p.SoThuTuThua,
      area: p.DienTich,
      legal_area: p.DienTichPhapLy,
      land_use: p.MucDichSuDung,
      address: p.DiaChi,
      certificate_number: null,
      certificate_issued_on: null,
      certificate_authority: null,
      certificate_status: null,
      registered_at: new Date(p.ThoiDiem),
      updated_at: new Date(p.ThoiDiem),
      holders: [
        {
          parcel_id: p.MaThuaDat,
          holder_kind: 1,
          holder_id: p.NguoiSuDung[0].MaDinhDanh,
          name: p.NguoiSuDung[0].HoTen,
          share: 1,
        },
      ],
    });
  });

  it('changes, transfers, certifies and revokes a registered parcel, keeping each step in its history', async () => {
    const p = parcel();
    const place = placeOf(p);
    const buyers = [
      { LoaiDoiTuong: 1 as const, MaDinhDanh: samplePersonalId(9001), HoTen: sampleName(9001), TyLe: 0.5 },
      { LoaiDoiTuong: 1 as const, MaDinhDanh: samplePersonalId(9002), HoTen: sampleName(9002), TyLe: 0.5 },
    ];
    const dead = await apply(
      ['parcel-registered', p],
      [
        'parcel-changed',
        {
          ...place,
          ThoiDiem: '2026-11-19T08:00:00+07:00',
          LoaiBienDong: 2,
          DienTich: 80,
          MucDichSuDung: 'ODT',
        },
      ],
      [
        'ownership-transferred',
        { ...place, ThoiDiem: '2026-11-20T08:00:00+07:00', NguoiSuDung: buyers, HinhThuc: 1 },
      ],
      [
        'certificate-issued',
        {
          ...place,
          ThoiDiem: '2026-11-21T08:00:00+07:00',
          SoGCN: 'DA 123456',
          NgayCap: '2026-11-21',
          CoQuanCap: 'Sở TNMT',
        },
      ],
      [
        'certificate-revoked',
        { ...place, ThoiDiem: '2026-11-22T08:00:00+07:00', SoGCN: 'DA 123456', LyDo: 'cấp sai' },
      ],
    );
    expect(dead).toEqual([]);
    expect(view(await repository.byId(p.MaThuaDat))).toMatchObject({
      area: 80,
      legal_area: p.DienTichPhapLy,
      land_use: 'ODT',
      certificate_number: 'DA 123456',
      certificate_authority: 'Sở TNMT',
      certificate_status: 'REVOKED',
      updated_at: new Date('2026-11-22T08:00:00+07:00'),
      holders: buyers
        .map((b) => ({
          parcel_id: p.MaThuaDat,
          holder_kind: 1,
          holder_id: b.MaDinhDanh,
          name: b.HoTen,
          share: 0.5,
        }))
        .sort((a, b) => a.holder_id.localeCompare(b.holder_id)),
    });
    expect(await history(p.MaThuaDat)).toEqual([
      { type: 'parcel-registered', accepted: true, reason: null, kind: null },
      { type: 'parcel-changed', accepted: true, reason: null, kind: 2 },
      { type: 'ownership-transferred', accepted: true, reason: null, kind: 1 },
      { type: 'certificate-issued', accepted: true, reason: null, kind: null },
      { type: 'certificate-revoked', accepted: true, reason: 'cấp sai', kind: null },
    ]);
  });

  it('keeps an event that does not fit the parcel in its history as refused, and changes nothing', async () => {
    const p = parcel();
    const place = placeOf(p);
    const unregistered = parcel();
    await apply(
      ['parcel-registered', p],
      ['parcel-registered', { ...p, DienTich: 1 }],
      ['parcel-changed', { ...placeOf(unregistered), ThoiDiem: p.ThoiDiem, LoaiBienDong: 1, DienTich: 2 }],
      ['parcel-changed', { ...place, SoThuTuThua: p.SoThuTuThua + 1, ThoiDiem: p.ThoiDiem, LoaiBienDong: 1 }],
      ['certificate-revoked', { ...place, ThoiDiem: p.ThoiDiem, SoGCN: 'DB 654321', LyDo: 'x' }],
    );
    expect(view(await repository.byId(p.MaThuaDat))).toMatchObject({
      area: p.DienTich,
      certificate_status: null,
    });
    expect(await repository.byId(unregistered.MaThuaDat)).toBeUndefined();
    expect((await history(p.MaThuaDat)).map((h) => [h.accepted, h.reason])).toEqual([
      [true, null],
      [false, 'parcel already registered'],
      [false, 'MaThuaDat does not match MaXa, SoHieuToBanDo and SoThuTuThua'],
      [false, "certificate DB 654321 is not this parcel's certificate"],
    ]);
    expect((await history(unregistered.MaThuaDat)).map((h) => [h.accepted, h.reason])).toEqual([
      [false, 'parcel not registered'],
    ]);
  });

  it("with ownership rules, dead-letters a change from a land office outside the parcel's area", async () => {
    const p = parcel();
    const owned = new LandProjectionService(repository, new SchemaRegistry(), {
      landAreas: { '000.00.02.H22': ['99999'] },
      delegations: {},
    });
    const dead = await owned.handle([
      consumed(event('vn.lgsp.land.parcel-registered.v1', p, source), offset++),
    ]);
    expect(dead.map((d) => d.code)).toEqual(['LGSP_ERR_NOT_OWNER']);
    expect(await repository.byId(p.MaThuaDat)).toBeUndefined();
  });
});
