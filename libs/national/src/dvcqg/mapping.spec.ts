import { code, ev, options } from './fixtures.spec-helper';
import {
  foldDossierEvent,
  toHoSoDongBo,
  toLePhiDongBo,
  toTienDoHoSo,
  type DossierEvent,
  type DossierRecord,
} from './mapping';

/** Folds events in order, failing the test on anything but "applied". */
function fold(...events: DossierEvent[]): DossierRecord {
  let record: DossierRecord | undefined;
  for (const event of events) {
    const result = foldDossierEvent(record, event);
    if (result.kind !== 'applied') throw new Error(`${event.type} not applied: ${JSON.stringify(result)}`);
    record = result.record;
  }
  return record as DossierRecord;
}

describe(foldDossierEvent.name, () => {
  it('starts a record from the submission', () => {
    const record = fold(ev.submitted());
    expect(record).toMatchObject({
      code,
      status: 1,
      eventIds: ['evt-1'],
      feesRequested: [],
      supplements: [],
    });
    expect(record.feesAtIntake).toHaveLength(1);
  });

  it('refuses what the lifecycle refuses, as the dossier service does', () => {
    expect(foldDossierEvent(undefined, ev.received())).toEqual({
      kind: 'refused',
      reason: 'dossier not submitted yet',
    });
    expect(foldDossierEvent(fold(ev.submitted()), { ...ev.submitted(), id: 'evt-x' })).toEqual({
      kind: 'refused',
      reason: 'dossier already submitted',
    });
    expect(foldDossierEvent(fold(ev.submitted()), ev.processed())).toEqual({
      kind: 'refused',
      reason: 'transition 1 -> 9 is not allowed',
    });
    expect(foldDossierEvent(fold(ev.submitted(), ev.rejected()), ev.received('evt-11'))).toEqual({
      kind: 'refused',
      reason: 'transition 3 -> 2 is not allowed',
    });
  });

  it('recognises a replayed event by its id', () => {
    const record = fold(ev.submitted(), ev.received());
    expect(foldDossierEvent(record, ev.received())).toEqual({ kind: 'duplicate' });
    expect(foldDossierEvent(record, ev.submitted())).toEqual({ kind: 'duplicate' });
  });

  it('refuses an event of another dossier', () => {
    const other = { ...ev.received(), data: { ...ev.received().data, MaHoSo: '000.00.01.H22-260302-0002' } };
    expect(() => foldDossierEvent(fold(ev.submitted()), other as DossierEvent)).toThrow(RangeError);
  });

  it('keeps what an earlier event said when a later one leaves the optional field out', () => {
    const processedWithoutUnit = ev.processed();
    if (processedWithoutUnit.type === 'vn.lgsp.dossier.processed.v1')
      delete processedWithoutUnit.data.DonViXuLy;
    const record = fold(ev.submitted(), ev.received(), ev.step(), processedWithoutUnit);
    expect(record.handlingUnit).toBe('Bộ phận tư pháp - hộ tịch');
  });

  it('a supplement request stays unanswered through another request, a withdrawal or a stop', () => {
    const waiting = fold(ev.submitted(), ev.received(), ev.supplement());
    for (const next of [ev.stopped('evt-13'), ev.withdrawn('evt-14')]) {
      const result = foldDossierEvent(waiting, next);
      expect(result.kind === 'applied' && result.record.supplements.map((s) => s.resolved)).toEqual([false]);
    }
    const again = foldDossierEvent(waiting, { ...ev.supplement('evt-15') });
    expect(again.kind === 'applied' && again.record.supplements.map((s) => s.resolved)).toEqual([
      false,
      false,
    ]);
  });

  it('marks a supplement request answered once processing goes on', () => {
    const waiting = fold(ev.submitted(), ev.received(), ev.supplement());
    expect(waiting.supplements).toEqual([
      {
        content: 'Bổ sung giấy chứng sinh',
        requestedAt: '2026-03-03T10:00:00+07:00',
        deadline: '2026-03-10T17:00:00+07:00',
        dueDateBefore: '2026-03-06T17:00:00+07:00',
        resolved: false,
      },
    ]);
    const answered = foldDossierEvent(waiting, ev.step('evt-12'));
    expect(answered.kind === 'applied' && answered.record.supplements[0].resolved).toBe(true);
  });
});

describe(toHoSoDongBo.name, () => {
  const submitted = toHoSoDongBo(fold(ev.submitted()), options);

  describe('from the submission', () => {
    it.each([
      ['MaHoSo', code],
      ['MaTTHC', '1.001234'],
      ['TenTTHC', 'Đăng ký khai sinh'],
      ['MaLinhVuc', 'HT'],
      ['TenLinhVuc', 'Hộ tịch'],
      ['KenhThucHien', '2'],
      ['ChuHoSo', 'Nguyễn Văn An'],
      ['LoaiDoiTuong', '1'],
      ['SoGiayToChuHoSo', '001203004567'],
      ['ThongTinKhac', 'Số 1 Tràng Tiền, Hoàn Kiếm'],
      ['Email', 'an@example.vn'],
      ['SoDienThoai', '0912345678'],
      ['TrichYeuHoSo', 'Đăng ký khai sinh cho con'],
      ['NgayNopHoSo', '20260302081530'],
      ['TrangThaiHoSo', '1'],
      ['HinhThuc', '0'],
      ['DonViXuLy', 'UBND tỉnh'],
    ])('%s = %p', (field, value) => {
      expect(submitted[field as keyof typeof submitted]).toBe(value);
    });

    it('leaves out what is not known yet, rather than sending it empty', () => {
      for (const field of [
        'NgayTiepNhan',
        'NgayHenTra',
        'NgayTuChoi',
        'NgayKetThucXuLy',
        'NgayTra',
        'GhiChu',
      ])
        expect(submitted).not.toHaveProperty(field);
    });

    it('sends the lists the national side expects, even empty', () => {
      expect(submitted.TaiLieuNop).toEqual([]);
      expect(submitted.DanhSachGiayToKetQua).toEqual([]);
      expect(submitted.DanhSachHoSoBoSung).toEqual([]);
    });

    it('DanhSachLePhi from the intake fees', () => {
      expect(submitted.DanhSachLePhi).toEqual([
        { TenPhiLePhi: 'Lệ phí đăng ký khai sinh', MaPhiLePhi: 'LP01', Gia: '8000', LoaiPhiLePhi: '2' },
      ]);
    });

    it('leaves out the optional contact fields the applicant did not give', () => {
      const bare = ev.submitted();
      if (bare.type === 'vn.lgsp.dossier.submitted.v1') {
        delete bare.data.EmailChuHoSo;
        delete bare.data.SoDienThoaiChuHoSo;
        delete bare.data.DiaChiChuHoSo;
        delete bare.data.TrichYeuHoSo;
        delete bare.data.TenLinhVuc;
        delete bare.data.DanhSachLePhi;
      }
      const hoSo = toHoSoDongBo(fold(bare), { systemActor: 'x' });
      for (const field of ['Email', 'SoDienThoai', 'ThongTinKhac', 'TrichYeuHoSo', 'TenLinhVuc', 'DonViXuLy'])
        expect(hoSo).not.toHaveProperty(field);
      expect(hoSo.DanhSachLePhi).toEqual([]);
    });

    it('KenhThucHien keeps the national channel codes', () => {
      for (const channel of [1, 2, 3] as const)
        expect(toHoSoDongBo(fold(ev.submitted({ KenhThucHien: channel })), options).KenhThucHien).toBe(
          String(channel),
        );
    });
  });

  describe('after reception', () => {
    const received = toHoSoDongBo(fold(ev.submitted(), ev.received()), options);
    it.each([
      ['TrangThaiHoSo', '2'],
      ['NgayTiepNhan', '20260302090000'],
      ['NgayHenTra', '20260306170000'],
      ['DonViXuLy', 'UBND phường Tràng Tiền'],
    ])('%s = %p', (field, value) => {
      expect(received[field as keyof typeof received]).toBe(value);
    });
  });

  it('DonViXuLy follows the last unit an event named', () => {
    const hoSo = toHoSoDongBo(fold(ev.submitted(), ev.received(), ev.step()), options);
    expect(hoSo.DonViXuLy).toBe('Bộ phận tư pháp - hộ tịch');
    expect(hoSo.GhiChu).toBe('Thẩm định hồ sơ');
    expect(hoSo.TrangThaiHoSo).toBe('4');
  });

  it('DanhSachHoSoBoSung from supplement requests', () => {
    const hoSo = toHoSoDongBo(fold(ev.submitted(), ev.received(), ev.supplement()), options);
    expect(hoSo.TrangThaiHoSo).toBe('5');
    expect(hoSo.GhiChu).toBe('Bổ sung giấy chứng sinh');
    expect(hoSo.DanhSachHoSoBoSung).toEqual([
      {
        HoSoBoSungId: '1',
        NoiDungBoSung: 'Bổ sung giấy chứng sinh',
        NgayBoSung: '20260303100000',
        TrangThaiBoSung: '0',
        NgayHenTraTruoc: '20260306170000',
      },
    ]);
  });

  it('DanhSachLePhi: intake fees, then requested fees, named by kind when they have no description', () => {
    const hoSo = toHoSoDongBo(fold(ev.submitted(), ev.received(), ev.fee()), options);
    expect(hoSo.TrangThaiHoSo).toBe('6');
    expect(hoSo.DanhSachLePhi).toEqual([
      { TenPhiLePhi: 'Lệ phí đăng ký khai sinh', MaPhiLePhi: 'LP01', Gia: '8000', LoaiPhiLePhi: '2' },
      { TenPhiLePhi: 'Phí', Gia: '20000', LoaiPhiLePhi: '1' },
      { TenPhiLePhi: 'Lệ phí cấp bản sao', MaPhiLePhi: 'LP02', Gia: '5000', LoaiPhiLePhi: '2' },
    ]);
  });

  it('processed: NgayKetThucXuLy and the result as GhiChu', () => {
    const hoSo = toHoSoDongBo(fold(ev.submitted(), ev.received(), ev.step(), ev.processed()), options);
    expect(hoSo).toMatchObject({
      TrangThaiHoSo: '9',
      NgayKetThucXuLy: '20260305160000',
      GhiChu: 'Cấp giấy khai sinh số 123/2026',
    });
    expect(hoSo).not.toHaveProperty('NgayTra');
  });

  it.each([
    [undefined, '0'],
    [1, '0'],
    [2, '0'],
    [3, '1'],
  ] as const)('result returned with HinhThucTra %p: NgayTra and HinhThuc %p', (channel, hinhThuc) => {
    const hoSo = toHoSoDongBo(
      fold(ev.submitted(), ev.received(), ev.processed(), ev.returned('evt-7', channel)),
      options,
    );
    expect(hoSo).toMatchObject({ TrangThaiHoSo: '10', NgayTra: '20260306093000', HinhThuc: hinhThuc });
    expect(hoSo.NgayKetThucXuLy).toBe('20260305160000');
  });

  it('rejected: NgayTuChoi, NgayKetThucXuLy and the reason', () => {
    const hoSo = toHoSoDongBo(fold(ev.submitted(), ev.rejected()), options);
    expect(hoSo).toMatchObject({
      TrangThaiHoSo: '3',
      NgayTuChoi: '20260302090500',
      NgayKetThucXuLy: '20260302090500',
      GhiChu: 'Hồ sơ không đúng thẩm quyền',
    });
  });

  it('withdrawn: processing ends, the reason if one was given', () => {
    const hoSo = toHoSoDongBo(
      fold(ev.submitted(), ev.received(), ev.withdrawn('evt-9', 'Không còn nhu cầu')),
      options,
    );
    expect(hoSo).toMatchObject({
      TrangThaiHoSo: '7',
      NgayKetThucXuLy: '20260303110000',
      GhiChu: 'Không còn nhu cầu',
    });
  });

  it('stopped: processing ends with the reason', () => {
    const hoSo = toHoSoDongBo(fold(ev.submitted(), ev.received(), ev.stopped()), options);
    expect(hoSo).toMatchObject({
      TrangThaiHoSo: '8',
      NgayKetThucXuLy: '20260304150000',
      GhiChu: 'Quá hạn bổ sung',
    });
  });

  it('every scalar is a string, as the national side reads them', () => {
    const hoSo = toHoSoDongBo(
      fold(ev.submitted(), ev.received(), ev.supplement(), ev.fee(), ev.processed(), ev.returned('evt-7', 3)),
      options,
    );
    const scalars = JSON.stringify(hoSo, (_k, v: unknown) => (typeof v === 'object' ? v : typeof v));
    expect(scalars).not.toMatch(/"(number|boolean)"/);
  });
});

describe(toLePhiDongBo.name, () => {
  it('maps a fee field by field', () => {
    expect(
      toLePhiDongBo({ LoaiPhiLePhi: 1, MaPhiLePhi: 'P1', SoTien: 150000, MoTa: 'Phí thẩm định' }),
    ).toEqual({
      TenPhiLePhi: 'Phí thẩm định',
      MaPhiLePhi: 'P1',
      Gia: '150000',
      LoaiPhiLePhi: '1',
    });
    expect(toLePhiDongBo({ LoaiPhiLePhi: 2, SoTien: 0 })).toEqual({
      TenPhiLePhi: 'Lệ phí',
      Gia: '0',
      LoaiPhiLePhi: '2',
    });
  });
});

describe(toTienDoHoSo.name, () => {
  function stepAfter(...events: DossierEvent[]) {
    return toTienDoHoSo(fold(...events), events[events.length - 1], options);
  }

  it('submitted: the applicant acts at the submission time', () => {
    expect(stepAfter(ev.submitted())).toEqual({
      MaHoSo: code,
      NguoiXuLy: 'Nguyễn Văn An',
      ThoiDiemXuLy: '20260302081530',
      NoiDungXuLy: 'Đăng ký khai sinh cho con',
      TrangThai: '1',
    });
  });

  it('received: the officer, the unit, the start and the due date', () => {
    expect(stepAfter(ev.submitted(), ev.received())).toEqual({
      MaHoSo: code,
      NguoiXuLy: 'Trần Thị Bình',
      ThoiDiemXuLy: '20260302090000',
      PhongBanXuLy: 'UBND phường Tràng Tiền',
      NoiDungXuLy: 'Tiếp nhận hồ sơ',
      TrangThai: '2',
      NgayBatDau: '20260302090000',
      NgayKetThucTheoQuyDinh: '20260306170000',
    });
  });

  it('processing step: its officer, unit and content; the dossier due date', () => {
    expect(stepAfter(ev.submitted(), ev.received(), ev.step())).toEqual({
      MaHoSo: code,
      NguoiXuLy: 'Lê Văn Cường',
      ThoiDiemXuLy: '20260303093000',
      PhongBanXuLy: 'Bộ phận tư pháp - hộ tịch',
      NoiDungXuLy: 'Thẩm định hồ sơ',
      TrangThai: '4',
      NgayKetThucTheoQuyDinh: '20260306170000',
    });
  });

  it('supplement requested: runs until the applicant deadline; the unit acts', () => {
    expect(stepAfter(ev.submitted(), ev.received(), ev.supplement())).toEqual({
      MaHoSo: code,
      NguoiXuLy: 'UBND phường Tràng Tiền',
      ThoiDiemXuLy: '20260303100000',
      PhongBanXuLy: 'UBND phường Tràng Tiền',
      NoiDungXuLy: 'Bổ sung giấy chứng sinh',
      TrangThai: '5',
      NgayBatDau: '20260303100000',
      NgayKetThucTheoQuyDinh: '20260310170000',
    });
  });

  it('fee requested: the total in the content', () => {
    expect(stepAfter(ev.submitted(), ev.received(), ev.fee())).toMatchObject({
      TrangThai: '6',
      ThoiDiemXuLy: '20260304080000',
      NoiDungXuLy: 'Yêu cầu thực hiện nghĩa vụ tài chính: 25000 đồng',
    });
  });

  it('withdrawn: the applicant acts; a default content without a reason', () => {
    expect(stepAfter(ev.submitted(), ev.received(), ev.withdrawn())).toMatchObject({
      TrangThai: '7',
      NguoiXuLy: 'Nguyễn Văn An',
      NoiDungXuLy: 'Công dân yêu cầu rút hồ sơ',
      ThoiDiemXuLy: '20260303110000',
    });
  });

  it('rejected before any unit handled it: the agency acts, by its configured name', () => {
    expect(stepAfter(ev.submitted(), ev.rejected())).toMatchObject({
      NguoiXuLy: 'UBND tỉnh',
      TrangThai: '3',
    });
    expect(stepAfter(ev.submitted(), ev.rejected())).not.toHaveProperty('PhongBanXuLy');
  });

  it('rejected before any unit handled it: the system acts when the agency has no known name', () => {
    const step = toTienDoHoSo(fold(ev.submitted(), ev.rejected()), ev.rejected(), {
      systemActor: 'Hệ thống',
    });
    expect(step).toEqual({
      MaHoSo: code,
      NguoiXuLy: 'Hệ thống',
      ThoiDiemXuLy: '20260302090500',
      NoiDungXuLy: 'Hồ sơ không đúng thẩm quyền',
      TrangThai: '3',
    });
  });

  it('stopped: the reason', () => {
    expect(stepAfter(ev.submitted(), ev.received(), ev.stopped())).toMatchObject({
      TrangThai: '8',
      NoiDungXuLy: 'Quá hạn bổ sung',
      ThoiDiemXuLy: '20260304150000',
    });
  });

  it('processed: the result and the unit, at the end of processing', () => {
    expect(stepAfter(ev.submitted(), ev.received(), ev.processed())).toMatchObject({
      TrangThai: '9',
      NoiDungXuLy: 'Cấp giấy khai sinh số 123/2026',
      PhongBanXuLy: 'UBND phường Tràng Tiền',
      ThoiDiemXuLy: '20260305160000',
    });
  });

  it.each([
    [undefined, 'Trả kết quả'],
    [1, 'Trả kết quả tại bộ phận một cửa'],
    [2, 'Trả kết quả trực tuyến'],
    [3, 'Trả kết quả qua bưu chính công ích'],
  ] as const)('result returned with HinhThucTra %p: %s', (channel, content) => {
    expect(
      stepAfter(ev.submitted(), ev.received(), ev.processed(), ev.returned('evt-7', channel)),
    ).toMatchObject({ TrangThai: '10', NoiDungXuLy: content, ThoiDiemXuLy: '20260306093000' });
  });
});
