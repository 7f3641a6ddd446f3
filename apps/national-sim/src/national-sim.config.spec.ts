import { encodeClientId, encodeServiceId } from '@lgsp/national';
import { loadNationalSimConfig } from './national-sim.config';

describe(loadNationalSimConfig.name, () => {
  it("serves the portal's sync service to the province's subsystem by default", () => {
    const sut = loadNationalSimConfig({});
    expect(encodeServiceId(sut.xroad.service)).toBe('VN/GOV/000.00.00.G22/DVCQG/dvcqgSync');
    expect(encodeClientId(sut.xroad.client)).toBe('VN/GOV/000.00.00.H22/LGSP');
  });

  it('fails naming the variable when an X-Road id is not one', () => {
    expect(() => loadNationalSimConfig({ NATIONAL_SIM_XROAD_SERVICE: 'VN/GOV/M/S' })).toThrow(
      "NATIONAL_SIM_XROAD_SERVICE: 'VN/GOV/M/S': expected instance/memberClass/memberCode/subsystemCode/serviceCode, got 4 parts",
    );
    expect(() => loadNationalSimConfig({ NATIONAL_SIM_XROAD_CLIENT: 'VN/GOV/M' })).toThrow(
      "NATIONAL_SIM_XROAD_CLIENT: 'VN/GOV/M': a subsystem is required",
    );
  });
});
