import type { ExecutionContext } from '@nestjs/common';
import { ControlTokenGuard } from './national-sim.controller';
import { loadNationalSimConfig } from './national-sim.config';
import { NationalSimState } from './sim-state';

describe('NationalSimState', () => {
  let now = 0;
  const state = new NationalSimState({ username: 'u', password: 'p', sessionTtlMs: 1000 }, () => now);
  const session = (): string => String(state.login({ username: 'u', password: 'p' }).body.session);
  const step = (s: string, key?: string) =>
    state.sync(
      { session: s, madonvi: 'A', service: 'CapNhatTienDoHoSoMC', data: [{ MaHoSo: 'H1', TrangThai: '2' }] },
      key,
    );

  beforeEach(() => {
    now = 0;
    state.reset();
  });

  it('a session ends after its time to live: the call is 401 and changes nothing', () => {
    const s = session();
    const create = {
      session: s,
      madonvi: 'A',
      service: 'DongBoHoSoMC',
      isUpdating: 'False',
      data: [{ MaHoSo: 'H1' }],
    };
    expect(state.sync(create, undefined).result).toBe('applied');
    now = 999;
    expect(step(s).result).toBe('applied');
    now = 1000;
    expect(step(s)).toMatchObject({ result: 'unauthorized', answer: { status: 401 } });
    expect(state.dossier('H1')?.progress).toHaveLength(1);
    expect(step(session()).result).toBe('applied');
    expect(state.dossier('H1')?.progress).toHaveLength(2);
  });

  it('remembers only what it applied under a key: a refused call may come again and succeed', () => {
    const s = session();
    expect(step(s, 'k1')).toMatchObject({ result: 'refused', answer: { body: { error_code: '3' } } });
    state.sync(
      { session: s, madonvi: 'A', service: 'DongBoHoSoMC', isUpdating: 'False', data: [{ MaHoSo: 'H1' }] },
      'k0',
    );
    expect(step(s, 'k1').result).toBe('applied');
    expect(step(session(), 'k1').result).toBe('replayed');
    expect(state.dossier('H1')?.progress).toHaveLength(1);
  });

  it('refuses a call without an agency, of an unknown service, or with no single data item', () => {
    const s = session();
    expect(state.sync({ session: s, service: 'DongBoHoSoMC' }, undefined).answer.body.error_code).toBe('1');
    expect(
      state.sync({ session: s, madonvi: 'A', service: 'XoaHoSo' }, undefined).answer.body.error_code,
    ).toBe('1');
    const two = {
      session: s,
      madonvi: 'A',
      service: 'DongBoHoSoMC',
      isUpdating: 'False',
      data: [{ MaHoSo: 'a' }, { MaHoSo: 'b' }],
    };
    expect(state.sync(two, undefined).answer.body.error_code).toBe('1');
    expect(state.dossierCodes()).toEqual([]);
  });
});

describe('ControlTokenGuard', () => {
  const context = (authorization?: string): ExecutionContext =>
    ({
      switchToHttp: () => ({ getRequest: () => ({ headers: authorization ? { authorization } : {} }) }),
    }) as unknown as ExecutionContext;

  it('lets every caller in without a token configured', () => {
    expect(new ControlTokenGuard(loadNationalSimConfig({})).canActivate(context())).toBe(true);
  });

  it('asks for the bearer token when one is configured', () => {
    const guard = new ControlTokenGuard(loadNationalSimConfig({ NATIONAL_SIM_CONTROL_TOKEN: 'sesame' }));
    expect(guard.canActivate(context('Bearer sesame'))).toBe(true);
    expect(() => guard.canActivate(context('Bearer other'))).toThrow('control token');
    expect(() => guard.canActivate(context())).toThrow('control token');
  });
});
