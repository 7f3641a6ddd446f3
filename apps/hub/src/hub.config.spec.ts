import { loadHubConfig } from './hub.config';

const services = ['dossier', 'land', 'health', 'gateway', 'admin'] as const;
/** the local broker without authentication, as npm start says */
const dev = { KAFKA_SECURITY: 'plaintext' };

describe(loadHubConfig.name, () => {
  it('gives every service the one PGlite folder of the hub, and each its own audit schema', () => {
    const sut = loadHubConfig({ ...dev, LGSP_PGLITE_DIR: '/data/pglite' });
    for (const config of [sut.ingest, ...services.map((s) => sut[s])])
      expect(config.store).toEqual({ databaseUrl: undefined, pgliteDir: '/data/pglite/hub' });
    expect(services.map((s) => sut[s].audit.schema)).toEqual(services.map((s) => `audit_${s}`));
  });

  it('keeps the audit schema services share on PostgreSQL, as when each runs alone', () => {
    const sut = loadHubConfig({ ...dev, DATABASE_URL: 'postgres://hub@db/lgsp' });
    expect(sut.gateway.store.databaseUrl).toBe('postgres://hub@db/lgsp');
    expect(services.map((s) => sut[s].audit.schema)).toEqual(services.map(() => undefined));
  });

  it("reads each service's settings as the service alone does: ports, consumer groups, subgraphs", () => {
    const sut = loadHubConfig({ ...dev, DOSSIER_PORT: '4101', LAND_CONSUMER_GROUP: 'mine' });
    expect([sut.ingest.port, sut.dossier.port, sut.land.port, sut.health.port]).toEqual([
      3000, 4101, 3002, 3003,
    ]);
    expect([sut.gateway.port, sut.admin.port]).toEqual([4000, 3100]);
    expect(sut.land.consumerGroup).toBe('mine');
    expect(sut.ownSubgraphs).toBe(true);
    expect(
      loadHubConfig({ ...dev, GATEWAY_SUBGRAPHS: 'dossier=http://elsewhere:3001/graphql' }).ownSubgraphs,
    ).toBe(false);
  });

  it('starts the national simulator, with its development account, when no national side is configured', () => {
    const sut = loadHubConfig({ ...dev, NATIONAL_SIM_PORT: '3299' });
    expect(sut.nationalSim).toMatchObject({ port: 3299, host: '127.0.0.1', username: 'lgsp-dev' });
    expect(sut.nationalSim?.password).toBe('lgsp-dev-password');
    // a national side configured: no simulator, and the bridge needs that side's account
    const account = { LGSP_DVCQG_USERNAME: 'province', LGSP_DVCQG_PASSWORD: 'secret' };
    expect(() => loadHubConfig({ ...dev, LGSP_DVCQG_URL: 'https://dvc.example/sync' })).toThrow(
      /LGSP_DVCQG_USERNAME/,
    );
    expect(
      loadHubConfig({ ...dev, ...account, LGSP_DVCQG_URL: 'https://dvc.example/sync' }).nationalSim,
    ).toBeUndefined();
    expect(
      loadHubConfig({
        ...dev,
        LGSP_NATIONAL_ADAPTER: 'xroad-rest',
        LGSP_XROAD_SECURITY_SERVER_URL: 'https://ss.example',
        LGSP_XROAD_CLIENT: 'VN/GOV/000.00.00.H22/LGSP',
        LGSP_XROAD_SERVICE: 'VN/GOV/000.00.00.G22/DVCQG/dvcqgSync',
      }).nationalSim,
    ).toBeUndefined();
  });

  it("points the national bridge at the simulator with the simulator's account, and at the hub's gateway", () => {
    const sut = loadHubConfig({ ...dev, GATEWAY_PORT: '4999' });
    expect(sut.nationalBridge.adapter).toMatchObject({
      kind: 'dvcqg-rest',
      username: sut.nationalSim?.username,
      password: sut.nationalSim?.password,
      agencyCode: '000.00.00.H22',
    });
    expect(sut.nationalBridge.provider.gatewayUrl).toBe('http://127.0.0.1:4999/graphql');
  });

  it('refuses to stand the simulator in for the nation in production', () => {
    expect(() => loadHubConfig({ ...dev, NODE_ENV: 'production' })).toThrow(/LGSP_DVCQG_URL/);
  });
});
