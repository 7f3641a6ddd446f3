import { AccessRights, parseAccessRights } from './access-rights';
import { parseClientId, parseSubsystemId } from './identifiers';
import {
  allowedMethods,
  answerMetaService,
  getOpenAPI,
  isMetaService,
  listClients,
  listMethods,
} from './metadata';
import { accessConfig, xroadErrorType } from './xroad-fixtures.spec-helper';

const rights = new AccessRights(parseAccessRights(accessConfig()));
const provider = parseSubsystemId('VN/GOV/000.00.00.H22/LGSP', 'p');
const dvcqg = parseClientId('VN/GOV/000.00.00.G22/DVCQG');
const neighbour = parseClientId('VN/GOV/000.00.00.H26/LGSP');
const stranger = parseClientId('VN/GOV/000.00.00.H99/X');

const serviceShape = (code: string, type: string, endpoint_list: { method: string; path: string }[]) => ({
  member_class: 'GOV',
  member_code: '000.00.00.H22',
  object_type: 'SERVICE',
  service_code: code,
  service_type: type,
  subsystem_code: 'LGSP',
  xroad_instance: 'VN',
  endpoint_list,
});

describe(listClients.name, () => {
  it('lists members, then subsystems, each once, in the X-Road JSON shape', () => {
    expect(listClients(rights)).toEqual({
      member: [
        {
          id: {
            member_class: 'GOV',
            member_code: '000.00.00.H22',
            object_type: 'MEMBER',
            xroad_instance: 'VN',
          },
          name: '000.00.00.H22',
        },
        {
          id: {
            member_class: 'GOV',
            member_code: '000.00.00.G22',
            object_type: 'MEMBER',
            xroad_instance: 'VN',
          },
          name: '000.00.00.G22',
        },
        {
          id: {
            member_class: 'GOV',
            member_code: '000.00.00.H26',
            object_type: 'MEMBER',
            xroad_instance: 'VN',
          },
          name: '000.00.00.H26',
        },
        {
          id: {
            member_class: 'GOV',
            member_code: '000.00.00.H22',
            subsystem_code: 'LGSP',
            object_type: 'SUBSYSTEM',
            xroad_instance: 'VN',
          },
          name: '000.00.00.H22',
          subsystem_name: 'Nền tảng tích hợp tỉnh',
        },
        expect.objectContaining({ id: expect.objectContaining({ subsystem_code: 'DVCQG' }) }),
        expect.objectContaining({
          id: expect.objectContaining({ member_code: '000.00.00.H26', subsystem_code: 'LGSP' }),
        }),
      ],
    });
  });

  it('filters by xRoadInstance', () => {
    expect(listClients(rights, 'VN').member).toHaveLength(6);
    expect(listClients(rights, 'LA').member).toEqual([]);
    expect(xroadErrorType(() => listClients(rights, 'V/N'))).toBe('Client.BadRequest');
  });
});

describe(listMethods.name, () => {
  it('lists every service of the provider with its endpoints, never the metadata services', () => {
    expect(listMethods(rights, provider, neighbour)).toEqual({
      service: [
        serviceShape('dossierStatus', 'OPENAPI', [{ method: 'GET', path: '/dossiers/*' }]),
        serviceShape('landParcel', 'REST', [{ method: '*', path: '/*' }]),
        serviceShape('citizenDossiers', 'OPENAPI', [{ method: 'GET', path: '/citizens/*/dossiers' }]),
      ],
    });
  });

  it('answers only clients holding a grant of the provider', () => {
    expect(xroadErrorType(() => listMethods(rights, provider, stranger))).toBe(
      'Server.ServerProxy.AccessDenied',
    );
  });
});

describe(allowedMethods.name, () => {
  it('lists only the services granted to the client', () => {
    expect(allowedMethods(rights, provider, dvcqg).service.map((s) => s.service_code)).toEqual([
      'dossierStatus',
      'citizenDossiers',
    ]);
    expect(allowedMethods(rights, provider, neighbour).service.map((s) => s.service_code)).toEqual([
      'landParcel',
    ]);
    expect(xroadErrorType(() => allowedMethods(rights, provider, stranger))).toBe(
      'Server.ServerProxy.AccessDenied',
    );
  });
});

describe(getOpenAPI.name, () => {
  it('answers a description held as a document in JSON', () => {
    const answer = getOpenAPI(rights, provider, dvcqg, 'dossierStatus');
    expect(answer.contentType).toBe('application/json');
    expect(JSON.parse(answer.body)).toMatchObject({ openapi: '3.0.3', info: { title: 'Dossier status' } });
  });

  it('answers a description held as YAML text as it is', () => {
    expect(getOpenAPI(rights, provider, dvcqg, 'citizenDossiers')).toEqual({
      contentType: 'text/yaml',
      body: 'openapi: 3.0.3\ninfo:\n  title: Citizen dossiers\n  version: "1"\npaths: {}\n',
    });
  });

  it('needs serviceCode', () => {
    expect(xroadErrorType(() => getOpenAPI(rights, provider, dvcqg, undefined))).toBe('Client.BadRequest');
    expect(xroadErrorType(() => getOpenAPI(rights, provider, dvcqg, ''))).toBe('Client.BadRequest');
  });

  it('gives no description of a service the client may not call', () => {
    expect(xroadErrorType(() => getOpenAPI(rights, provider, neighbour, 'dossierStatus'))).toBe(
      'Server.ServerProxy.AccessDenied',
    );
  });

  it('a REST service has none: InvalidServiceType', () => {
    expect(xroadErrorType(() => getOpenAPI(rights, provider, neighbour, 'landParcel'))).toBe(
      'Server.ServerProxy.InvalidServiceType',
    );
  });

  it('an unknown service: UnknownService', () => {
    expect(xroadErrorType(() => getOpenAPI(rights, provider, dvcqg, 'nope'))).toBe(
      'Server.ServerProxy.UnknownService',
    );
  });
});

describe(answerMetaService.name, () => {
  it('answers the metadata services and leaves the rest to the caller', () => {
    const meta = (serviceCode: string, param?: string) =>
      answerMetaService(rights, { ...provider, serviceCode }, dvcqg, param);
    const services = (code: string) =>
      (JSON.parse(meta(code)?.body ?? '{}') as { service: unknown[] }).service;
    expect(services('listMethods')).toHaveLength(3);
    expect(services('allowedMethods')).toHaveLength(2);
    expect(meta('getOpenAPI', 'dossierStatus')?.contentType).toBe('application/json');
    expect(meta('dossierStatus')).toBeUndefined();
  });

  it('knows the metadata service codes', () => {
    expect(
      ['listMethods', 'allowedMethods', 'getOpenAPI', 'listClients', 'dossierStatus'].map(isMetaService),
    ).toEqual([true, true, true, false, false]);
  });
});
