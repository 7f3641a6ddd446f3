import type { DomainEvent } from '@lgsp/contracts';
import type { ValidEvent } from '@lgsp/domain-service';
import { submitted } from '@lgsp/samples';
import { lifecycleStep as sut } from './dossier-projection.service';
import type { DossierRow } from './dossier.repository';

type DossierEvent = DomainEvent<'dossier'>;
/** The type and data of a dossier event, still discriminated by type. */
type TypeAndData = DossierEvent extends infer E
  ? E extends DossierEvent
    ? Pick<E, 'type' | 'data'>
    : never
  : never;

describe('lifecycleStep', () => {
  const code = '000.00.01.H22-261122-0001';
  const envelope = { specversion: '1.0', source: '/000.00.01.H22/igate' } as const;
  let n = 0;
  const valid = (event: TypeAndData): ValidEvent<'dossier'> => {
    const id = `e-${++n}`;
    return {
      record: {
        topic: 'lgsp.dossier.events',
        partition: 0,
        offset: String(n),
        key: code,
        value: null,
        headers: {},
        timestamp: '0',
      },
      event: { ...envelope, id, ...event },
      key: code,
    };
  };
  const opened = (): DossierRow => {
    const row = sut(
      undefined,
      valid({
        type: 'vn.lgsp.dossier.submitted.v1',
        data: submitted(code, 1, new Date('2026-11-22T01:00:00Z')),
      }),
    ).row;
    if (!row) throw new Error('the submission opens no dossier');
    return row;
  };

  it('opens a dossier on its submission, with the sum of its fees', () => {
    const row = opened();
    expect(row).toMatchObject({
      code,
      status: 1,
      fees_total: '8000',
      submitted_at: new Date('2026-11-22T01:00:00Z'),
      received_at: null,
      flagged: false,
    });
  });

  it('records the receipt and keeps the processing unit an event does not name', () => {
    const current = { ...opened(), processing_unit: 'Bộ phận một cửa' };
    const step = sut(
      current,
      valid({
        type: 'vn.lgsp.dossier.received.v1',
        data: {
          MaHoSo: code,
          TrangThaiHoSo: 2,
          NgayTiepNhan: '2026-11-22T09:00:00+07:00',
          NgayHenTra: '2026-11-27T17:00:00+07:00',
        },
      }),
    );
    expect(step.history).toMatchObject({ status: 2, previousStatus: 1, accepted: true, reason: undefined });
    expect(step.row).toMatchObject({
      status: 2,
      received_at: new Date('2026-11-22T02:00:00Z'),
      due_at: new Date('2026-11-27T10:00:00Z'),
      updated_at: new Date('2026-11-22T02:00:00Z'),
      processing_unit: 'Bộ phận một cửa',
    });
  });

  it('replaces the fees total on a fee request', () => {
    const current = { ...opened(), status: 4 as const };
    const step = sut(
      current,
      valid({
        type: 'vn.lgsp.dossier.fee-requested.v1',
        data: {
          MaHoSo: code,
          TrangThaiHoSo: 6,
          ThoiDiem: '2026-11-23T09:00:00+07:00',
          DanhSachLePhi: [
            { LoaiPhiLePhi: 1, SoTien: 50_000 },
            { LoaiPhiLePhi: 2, SoTien: 20_000 },
          ],
        },
      }),
    );
    expect(step.row).toMatchObject({ status: 6, fees_total: '70000' });
  });

  it('refuses an event before the submission and opens nothing', () => {
    const step = sut(
      undefined,
      valid({
        type: 'vn.lgsp.dossier.withdrawn.v1',
        data: { MaHoSo: code, TrangThaiHoSo: 7, ThoiDiem: '2026-11-22T09:00:00+07:00' },
      }),
    );
    expect(step).toEqual({
      history: expect.objectContaining({ accepted: false, reason: 'dossier not submitted yet' }),
      row: undefined,
    });
  });

  it('refuses a second submission', () => {
    const step = sut(opened(), valid({ type: 'vn.lgsp.dossier.submitted.v1', data: submitted(code, 2) }));
    expect(step.history).toMatchObject({ accepted: false, reason: 'dossier already submitted' });
  });

  it('refuses a transition the lifecycle does not allow and flags the dossier once', () => {
    const processed = valid({
      type: 'vn.lgsp.dossier.processed.v1',
      data: { MaHoSo: code, TrangThaiHoSo: 9, NgayKetThucXuLy: '2026-11-24T09:00:00+07:00' },
    });
    const first = sut(opened(), processed);
    expect(first.history).toMatchObject({
      status: 9,
      accepted: false,
      reason: 'transition 1 -> 9 is not allowed',
    });
    expect(first.row).toMatchObject({ status: 1, flagged: true, finished_at: null });
    expect(sut(first.row, processed).row).toBeUndefined();
  });
});
