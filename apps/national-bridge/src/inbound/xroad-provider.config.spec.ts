import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, projectRoot } from '@lgsp/core';
import { loadXRoadProviderConfig, readAccessRights } from './xroad-provider.config';

describe(loadXRoadProviderConfig.name, () => {
  it('defaults to the development access file, the local gateway and the development key', () => {
    expect(loadXRoadProviderConfig({})).toEqual({
      accessFile: join(projectRoot(), 'config', 'national-access.json'),
      gatewayUrl: 'http://127.0.0.1:4000/graphql',
      gatewayKey: 'dev-consumer-key-xroad-provider',
      gatewayTimeoutMs: 10_000,
      bodyLimit: 1_048_576,
      allowedPeers: ['127.0.0.1', '::1'],
      peerCertificates: [],
    });
  });

  it('reads every variable', () => {
    expect(
      loadXRoadProviderConfig({
        LGSP_XROAD_ACCESS: '/etc/lgsp/access.json',
        LGSP_XROAD_GATEWAY_URL: 'https://gw.internal:4000/graphql',
        LGSP_XROAD_GATEWAY_KEY: 'k',
        LGSP_XROAD_GATEWAY_TIMEOUT_MS: '2000',
        LGSP_XROAD_BODY_LIMIT: '1000',
        LGSP_XROAD_ALLOWED_PEERS: '10.1.2.3, 10.8.0.0/16',
        LGSP_XROAD_PEER_CERT_SHA256: 'AB:'.repeat(31) + 'AB',
      }),
    ).toEqual({
      accessFile: '/etc/lgsp/access.json',
      gatewayUrl: 'https://gw.internal:4000/graphql',
      gatewayKey: 'k',
      gatewayTimeoutMs: 2000,
      bodyLimit: 1000,
      allowedPeers: ['10.1.2.3', '10.8.0.0/16'],
      peerCertificates: ['ab'.repeat(32)],
    });
  });

  it.each([
    [{ NODE_ENV: 'production' }, 'LGSP_XROAD_GATEWAY_KEY'],
    [{ LGSP_XROAD_GATEWAY_URL: 'ftp://x/graphql' }, 'LGSP_XROAD_GATEWAY_URL'],
    [{ LGSP_XROAD_GATEWAY_TIMEOUT_MS: 'soon' }, 'LGSP_XROAD_GATEWAY_TIMEOUT_MS'],
    [{ LGSP_XROAD_ALLOWED_PEERS: 'security-server.local' }, 'LGSP_XROAD_ALLOWED_PEERS'],
    [{ LGSP_XROAD_ALLOWED_PEERS: '10.0.0.0/33' }, 'LGSP_XROAD_ALLOWED_PEERS'],
    [{ LGSP_XROAD_PEER_CERT_SHA256: 'abc' }, 'LGSP_XROAD_PEER_CERT_SHA256'],
  ])('refuses %j, naming %s', (env, variable) => {
    expect(() => loadXRoadProviderConfig(env)).toThrow(ConfigError);
    expect(() => loadXRoadProviderConfig(env)).toThrow(variable);
  });
});

describe(readAccessRights.name, () => {
  it('reads the development access rights of the province', () => {
    const sut = readAccessRights(loadXRoadProviderConfig({}).accessFile);
    const dvcqg = { instance: 'VN', memberClass: 'GOV', memberCode: '000.00.00.G22', subsystemCode: 'DVCQG' };
    const provider = {
      instance: 'VN',
      memberClass: 'GOV',
      memberCode: '000.00.00.H22',
      subsystemCode: 'LGSP',
    };
    expect(sut.grantedServices(dvcqg, provider)).toEqual(['dossierStatus', 'citizenDossiers']);
  });

  it('fails naming the file when it is not JSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lgsp-access-')), 'access.json');
    writeFileSync(file, '{ nope');
    expect(() => readAccessRights(file)).toThrow(`LGSP_XROAD_ACCESS: ${file}`);
  });
});
