import { idempotencyKey } from '../delivery/idempotency';
import { code, ev, options } from './fixtures.spec-helper';
import type { DossierEvent, DossierRecord } from './mapping';
import type { CapNhatTienDoHoSoMCBody, DongBoHoSoMCBody } from './payloads';
import { planDelivery, progressFingerprint, reconcile, type NationalCall } from './plan';

function planAll(...events: DossierEvent[]): { record: DossierRecord; calls: NationalCall[] } {
  let record: DossierRecord | undefined;
  const calls: NationalCall[] = [];
  for (const event of events) {
    const plan = planDelivery(record, event, options);
    if (plan.kind !== 'deliver') throw new Error(`${event.type}: ${plan.kind}`);
    record = plan.record;
    calls.push(...plan.calls);
  }
  return { record: record as DossierRecord, calls };
}

describe(planDelivery.name, () => {
  it('a submission creates the national record, then adds the first step', () => {
    const { calls } = planAll(ev.submitted());
    expect(calls.map((c) => [c.kind, c.body.service])).toEqual([
      ['create', 'DongBoHoSoMC'],
      ['progress', 'CapNhatTienDoHoSoMC'],
    ]);
    const record = calls[0].body as DongBoHoSoMCBody;
    expect(record.isUpdating).toBe('False');
    expect(record.data[0]).toMatchObject({ MaHoSo: code, TrangThaiHoSo: '1' });
    expect((calls[1].body as CapNhatTienDoHoSoMCBody).data[0]).toMatchObject({
      MaHoSo: code,
      TrangThai: '1',
    });
  });

  it('every later event replaces the whole record, then adds its step', () => {
    const { calls } = planAll(ev.submitted(), ev.received(), ev.step());
    expect(calls.map((c) => `${c.kind}:${c.eventId}`)).toEqual([
      'create:evt-1',
      'progress:evt-1',
      'replace:evt-2',
      'progress:evt-2',
      'replace:evt-3',
      'progress:evt-3',
    ]);
    const replace = calls[4].body as DongBoHoSoMCBody;
    expect(replace.isUpdating).toBe('True');
    // the whole record, not the change: the submission's fields are in it again
    expect(replace.data[0]).toMatchObject({
      MaTTHC: '1.001234',
      ChuHoSo: 'Nguyễn Văn An',
      TrangThaiHoSo: '4',
    });
  });

  it('keys: one create per dossier, one replace and one step per event', () => {
    const { calls } = planAll(ev.submitted(), ev.received());
    expect(calls.map((c) => c.idempotency)).toEqual([
      idempotencyKey('create', code),
      idempotencyKey('progress', code, 'evt-1'),
      idempotencyKey('replace', code, 'evt-2'),
      idempotencyKey('progress', code, 'evt-2'),
    ]);
  });

  it('a replayed event plans the same calls with the same keys, and a folded one plans nothing', () => {
    const first = planDelivery(undefined, ev.submitted(), options);
    const again = planDelivery(undefined, ev.submitted(), options);
    expect(again).toEqual(first);
    if (first.kind !== 'deliver') throw new Error('not planned');
    expect(planDelivery(first.record, ev.submitted(), options)).toEqual({ kind: 'duplicate' });
  });

  it('plans nothing for an event the lifecycle refuses', () => {
    expect(planDelivery(undefined, ev.processed(), options)).toEqual({
      kind: 'refused',
      reason: 'dossier not submitted yet',
    });
  });

  it('gives every progress call the fingerprint of its step', () => {
    const { calls } = planAll(ev.submitted(), ev.received());
    const step = (calls[3].body as CapNhatTienDoHoSoMCBody).data[0];
    expect(calls[3].fingerprint).toBe(progressFingerprint(step));
    expect(calls[2].fingerprint).toBeUndefined();
  });
});

describe(progressFingerprint.name, () => {
  const step = {
    TrangThai: '4',
    ThoiDiemXuLy: '20260303093000',
    NguoiXuLy: 'Lê Văn Cường',
    NoiDungXuLy: 'Thẩm định',
  };

  it('is the same for the same step, whitespace aside', () => {
    expect(progressFingerprint({ ...step, NoiDungXuLy: ' Thẩm định ' })).toBe(progressFingerprint(step));
  });

  it('differs by status, time, officer or content', () => {
    const prints = [
      step,
      { ...step, TrangThai: '5' },
      { ...step, ThoiDiemXuLy: '20260303093001' },
      { ...step, NguoiXuLy: 'Người khác' },
      { ...step, NoiDungXuLy: 'Khác' },
    ].map(progressFingerprint);
    expect(new Set(prints).size).toBe(prints.length);
  });

  it('does not mix officer and content up', () => {
    expect(progressFingerprint({ ...step, NguoiXuLy: 'A\nB', NoiDungXuLy: 'C' })).not.toBe(
      progressFingerprint({ ...step, NguoiXuLy: 'A', NoiDungXuLy: 'B\nC' }),
    );
  });
});

describe(reconcile.name, () => {
  const { calls } = planAll(ev.submitted(), ev.received());
  const [create, firstStep, replace, secondStep] = calls;
  const secondStepBody = (secondStep.body as CapNhatTienDoHoSoMCBody).data[0];

  it('resends a create whose record never arrived', () => {
    expect(reconcile(create, { exists: false, progress: [] })).toEqual({ kind: 'send', call: create });
  });

  it('turns a create whose record arrived into a replace: no second national record', () => {
    const result = reconcile(create, { exists: true, progress: [] });
    expect(result.kind).toBe('send');
    if (result.kind !== 'send') return;
    expect((result.call.body as DongBoHoSoMCBody).isUpdating).toBe('True');
    expect(result.call.idempotency).toEqual(create.idempotency);
    expect((result.call.body as DongBoHoSoMCBody).data).toEqual((create.body as DongBoHoSoMCBody).data);
    // the planned call is not changed in place
    expect((create.body as DongBoHoSoMCBody).isUpdating).toBe('False');
  });

  it('resends a replace as it is: it is idempotent', () => {
    expect(reconcile(replace, { exists: true, progress: [] })).toEqual({ kind: 'send', call: replace });
  });

  it('skips a step already in the national history: no second step', () => {
    expect(reconcile(secondStep, { exists: true, progress: [secondStepBody] })).toEqual({
      kind: 'skip',
      reason: 'the step is already in the national history',
    });
  });

  it('resends a step the national history lacks, even when another step is there', () => {
    const firstStepBody = (firstStep.body as CapNhatTienDoHoSoMCBody).data[0];
    expect(reconcile(secondStep, { exists: true, progress: [firstStepBody] })).toEqual({
      kind: 'send',
      call: secondStep,
    });
  });
});
