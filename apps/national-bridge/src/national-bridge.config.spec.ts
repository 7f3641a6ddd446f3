import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@lgsp/core';
import { loadNationalBridgeConfig } from './national-bridge.config';

const base = {
  KAFKA_SECURITY: 'plaintext',
  LGSP_DVCQG_USERNAME: 'province',
  LGSP_DVCQG_PASSWORD: 'secret',
  LGSP_DVCQG_AGENCY_CODE: '000.00.00.H22',
};

describe(loadNationalBridgeConfig.name, () => {
  it('reads the plan’s defaults: dvcqg-rest at the simulator, 12 tries from 500 ms, breaker 5 / 30 s', () => {
    const sut = loadNationalBridgeConfig(base);
    expect(sut).toMatchObject({
      port: 3210,
      consumerGroup: 'lgsp-national-bridge',
      adapter: {
        kind: 'dvcqg-rest',
        baseUrl: 'http://127.0.0.1:3200',
        loginPath: '/dvcqg/login',
        syncPath: '/dvcqg/sync',
        username: 'province',
        password: 'secret',
        agencyCode: '000.00.00.H22',
        timeoutMs: 15_000,
      },
      retry: { baseMs: 500, maxMs: 300_000, maxAttempts: 12 },
      breaker: { failureThreshold: 5, openMs: 30_000 },
      systemActor: 'Hệ thống một cửa điện tử',
      agencyNames: {},
    });
    expect(sut.adapter).not.toHaveProperty('destinationCode');
  });

  it.each([
    [{ LGSP_DVCQG_PASSWORD: '' }, 'LGSP_DVCQG_PASSWORD: is required'],
    [{ LGSP_DVCQG_AGENCY_CODE: undefined }, 'LGSP_DVCQG_AGENCY_CODE: is required'],
    [{ LGSP_NATIONAL_ADAPTER: 'soap' }, 'LGSP_NATIONAL_ADAPTER: must be one of dvcqg-rest, xroad-rest'],
    [{ LGSP_DVCQG_URL: 'ftp://nation' }, 'LGSP_DVCQG_URL: must be an http(s) URL'],
    [{ LGSP_NATIONAL_RETRY_BASE_MS: '1000', LGSP_NATIONAL_RETRY_MAX_MS: '10' }, 'LGSP_NATIONAL_RETRY_MAX_MS'],
    [{ LGSP_NATIONAL_RETRY_MAX_ATTEMPTS: '0' }, 'LGSP_NATIONAL_RETRY_MAX_ATTEMPTS: must be between 1'],
    [{ LGSP_NATIONAL_BREAKER_FAILURES: 'five' }, 'LGSP_NATIONAL_BREAKER_FAILURES: must be an integer'],
    [{ LGSP_NATIONAL_AGENCY_NAMES: '/nowhere/names.json' }, 'LGSP_NATIONAL_AGENCY_NAMES: ENOENT'],
    [
      {
        LGSP_NATIONAL_ADAPTER: 'xroad-rest',
        LGSP_XROAD_SECURITY_SERVER_URL: 'https://ss',
        LGSP_XROAD_CLIENT: 'VN/GOV',
      },
      'LGSP_XROAD_CLIENT',
    ],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadNationalBridgeConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadNationalBridgeConfig({ ...base, ...env })).toThrow(message);
  });

  it('reads the agency names file and the X-Road settings', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lgsp-names-')), 'names.json');
    writeFileSync(file, JSON.stringify({ '000.00.01.H22': 'Sở Tư pháp' }));
    const sut = loadNationalBridgeConfig({
      ...base,
      LGSP_NATIONAL_AGENCY_NAMES: file,
      LGSP_NATIONAL_ADAPTER: 'xroad-rest',
      LGSP_XROAD_SECURITY_SERVER_URL: 'https://ss.province.example',
      LGSP_XROAD_CLIENT: 'VN/GOV/000.00.00.H22/LGSP',
      LGSP_XROAD_SERVICE: 'VN/GOV/000.00.00.G22/DVCQG/sync',
    });
    expect(sut.agencyNames).toEqual({ '000.00.01.H22': 'Sở Tư pháp' });
    expect(sut.adapter).toMatchObject({
      kind: 'xroad-rest',
      client: { instance: 'VN', memberClass: 'GOV', memberCode: '000.00.00.H22', subsystemCode: 'LGSP' },
      service: { memberCode: '000.00.00.G22', subsystemCode: 'DVCQG', serviceCode: 'sync' },
    });
  });
});
