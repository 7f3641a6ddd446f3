import { createNationalAdapter } from './adapter-factory';
import { DvcqgRestAdapter } from './dvcqg/rest-adapter';
import { XRoadRestAdapter } from './xroad/rest-adapter';

describe(createNationalAdapter.name, () => {
  it('builds the implementation the settings name', async () => {
    const dvcqg = createNationalAdapter({
      kind: 'dvcqg-rest',
      baseUrl: 'http://127.0.0.1:3200',
      loginPath: '/dvcqg/login',
      syncPath: '/dvcqg/sync',
      username: 'u',
      password: 'p',
      agencyCode: '000.00.01.H22',
      timeoutMs: 1000,
    });
    const xroad = createNationalAdapter({
      kind: 'xroad-rest',
      securityServerUrl: 'http://127.0.0.1:3200',
      client: { instance: 'VN', memberClass: 'GOV', memberCode: '000.00.00.H22', subsystemCode: 'LGSP' },
      service: {
        instance: 'VN',
        memberClass: 'GOV',
        memberCode: '000.00.00.G22',
        subsystemCode: 'DVCQG',
        serviceCode: 'dvcqgSync',
      },
      agencyCode: '000.00.01.H22',
      timeoutMs: 1000,
    });
    expect(dvcqg).toBeInstanceOf(DvcqgRestAdapter);
    expect(dvcqg.kind).toBe('dvcqg-rest');
    expect(xroad).toBeInstanceOf(XRoadRestAdapter);
    expect(xroad.kind).toBe('xroad-rest');
    await Promise.all([dvcqg.close(), xroad.close()]);
  });
});
