import { ConfigError } from '@lgsp/core';
import { AccessRights, parseAccessRights } from './access-rights';
import { parseClientId, parseSubsystemId, type XRoadServiceId } from './identifiers';
import { accessConfig, xroadErrorType, type RawAccessConfig } from './xroad-fixtures.spec-helper';

const provider = parseSubsystemId('VN/GOV/000.00.00.H22/LGSP', 'p');
const dvcqg = parseClientId('VN/GOV/000.00.00.G22/DVCQG');
const otherProvince = parseClientId('VN/GOV/000.00.00.H26/LGSP');
const stranger = parseClientId('VN/GOV/000.00.00.H99/X');
const service = (serviceCode: string): XRoadServiceId => ({ ...provider, serviceCode });

describe(parseAccessRights.name, () => {
  it('reads providers, services and grants', () => {
    const config = parseAccessRights(accessConfig());
    expect(config.providers[0]).toMatchObject({
      id: provider,
      name: 'Nền tảng tích hợp tỉnh',
      services: [
        { code: 'dossierStatus', type: 'OPENAPI', endpoints: [{ method: 'GET', path: '/dossiers/*' }] },
        { code: 'landParcel', type: 'REST', endpoints: [{ method: '*', path: '/*' }] },
        { code: 'citizenDossiers', type: 'OPENAPI' },
      ],
    });
    expect(config.clients.map((c) => c.grants)).toEqual([
      [{ provider, services: ['dossierStatus', 'citizenDossiers'] }],
      [{ provider, services: ['landParcel'] }],
    ]);
  });

  type Mutation = (c: RawAccessConfig) => unknown;
  it.each<[string, Mutation, string]>([
    [
      'no providers array',
      (c) => Object.assign(c, { providers: {} }),
      'access.json.providers: must be an array',
    ],
    ['a provider without subsystem', (c) => (c.providers[0].id = 'VN/GOV/M'), 'a subsystem is required'],
    ['a bad identifier', (c) => (c.providers[0].id = 'VN/GOV/M/S;X'), 'access.json.providers[0].id'],
    ['a provider twice', (c) => c.providers.push({ ...c.providers[0] }), 'is listed twice'],
    [
      'a service twice',
      (c) => c.providers[0].services.push({ ...c.providers[0].services[1] }),
      'service landParcel is listed twice',
    ],
    [
      'a service named like a metadata service',
      (c) => (c.providers[0].services[1].code = 'listMethods'),
      'name of a metadata service',
    ],
    ['an unknown type', (c) => (c.providers[0].services[1].type = 'SOAP'), 'must be REST or OPENAPI'],
    [
      'OPENAPI without description',
      (c) => delete c.providers[0].services[0].openApi,
      'needs its OpenAPI description',
    ],
    [
      'REST with a description',
      (c) => (c.providers[0].services[1].openApi = '{}'),
      'a REST service has no OpenAPI',
    ],
    [
      'a bad endpoint method',
      (c) => (c.providers[0].services[0].endpoints = [{ method: 'FETCH', path: '/x' }]),
      'unknown HTTP method FETCH',
    ],
    [
      'a relative endpoint path',
      (c) => (c.providers[0].services[0].endpoints = [{ method: 'GET', path: 'x' }]),
      'must start with /',
    ],
    [
      'a grant of an unknown provider',
      (c) => (c.clients[0].grants[0].provider = 'VN/GOV/X/Y'),
      'VN/GOV/X/Y is not one of the providers',
    ],
    [
      'a grant of an unknown service',
      (c) => c.clients[0].grants[0].services.push('nope'),
      'access.json.clients[0].grants[0].services[2]',
    ],
    [
      'a service granted twice',
      (c) => c.clients[0].grants[0].services.push('dossierStatus'),
      'granted twice',
    ],
    [
      'a client twice',
      (c) => c.clients.push({ ...c.clients[0] }),
      'client VN/GOV/000.00.00.G22/DVCQG is listed twice',
    ],
    [
      'an empty name',
      (c) => (c.clients[0].name = ' '),
      'access.json.clients[0].name: must be a non-empty string',
    ],
  ])('refuses %s, naming where', (_what, mutate, message) => {
    const config = accessConfig();
    mutate(config);
    expect(() => parseAccessRights(config, 'access.json')).toThrow(ConfigError);
    expect(() => parseAccessRights(config, 'access.json')).toThrow(message);
  });

  it('refuses a root that is not an object', () => {
    expect(() => parseAccessRights([], 'access.json')).toThrow('access.json(root): must be an object');
  });
});

describe(AccessRights.name, () => {
  const sut = new AccessRights(parseAccessRights(accessConfig()));

  it('allows a granted client its granted services', () => {
    expect(sut.authorize(dvcqg, service('dossierStatus')).code).toBe('dossierStatus');
    expect(sut.authorize(otherProvince, service('landParcel')).code).toBe('landParcel');
  });

  it('denies a service the client is not granted: Server.ServerProxy.AccessDenied', () => {
    expect(xroadErrorType(() => sut.authorize(dvcqg, service('landParcel')))).toBe(
      'Server.ServerProxy.AccessDenied',
    );
    expect(() => sut.authorize(dvcqg, service('landParcel'))).toThrow(
      'Request is not allowed: SERVICE:VN/GOV/000.00.00.H22/LGSP/landParcel for SUBSYSTEM:VN/GOV/000.00.00.G22/DVCQG',
    );
  });

  it('denies an unknown client and a member-level client (rights are per subsystem)', () => {
    expect(xroadErrorType(() => sut.authorize(stranger, service('dossierStatus')))).toBe(
      'Server.ServerProxy.AccessDenied',
    );
    const member = parseClientId('VN/GOV/000.00.00.G22');
    expect(xroadErrorType(() => sut.authorize(member, service('dossierStatus')))).toBe(
      'Server.ServerProxy.AccessDenied',
    );
  });

  it('answers UnknownService for a service or provider this endpoint does not have', () => {
    expect(xroadErrorType(() => sut.authorize(dvcqg, service('nope')))).toBe(
      'Server.ServerProxy.UnknownService',
    );
    const elsewhere = { ...service('dossierStatus'), subsystemCode: 'OTHER' };
    expect(xroadErrorType(() => sut.authorize(dvcqg, elsewhere))).toBe('Server.ServerProxy.UnknownService');
  });

  it('lists the services granted to a client by one provider', () => {
    expect(sut.grantedServices(dvcqg, provider)).toEqual(['dossierStatus', 'citizenDossiers']);
    expect(sut.grantedServices(stranger, provider)).toEqual([]);
  });

  it('opens the metadata of a provider to clients holding a grant of it', () => {
    expect(() => sut.authorizeMetadata(dvcqg, provider, 'listMethods')).not.toThrow();
    expect(xroadErrorType(() => sut.authorizeMetadata(stranger, provider, 'listMethods'))).toBe(
      'Server.ServerProxy.AccessDenied',
    );
    const unknown = { ...provider, subsystemCode: 'OTHER' };
    expect(xroadErrorType(() => sut.authorizeMetadata(dvcqg, unknown, 'listMethods'))).toBe(
      'Server.ServerProxy.UnknownService',
    );
  });
});
