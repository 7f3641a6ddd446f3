import { MetaServiceCodes, type AccessRights, type ProvidedService } from './access-rights';
import { XRoadError } from './errors';
import { ProtocolVersion } from './request';
import {
  checkedPart,
  encodeClientId,
  providerOf,
  type XRoadClientId,
  type XRoadServiceId,
  type XRoadSubsystemId,
} from './identifiers';

/**
 * The metadata services of X-Road REST (PR-META, PR-MREST), as the GovStack Information Mediator names them:
 *
 * - `GET /listClients[?xRoadInstance=]`: the members and subsystems of the instance (here: the ones this endpoint
 *   knows, its providers and the configured clients), `{ member: [{ id: {…}, name }] }`;
 * - `GET /r1/{provider}/listMethods`: the provider's REST services with their endpoints, `{ service: [ … ] }`;
 * - `GET /r1/{provider}/allowedMethods`: the same, only those the calling client is granted;
 * - `GET /r1/{provider}/getOpenAPI?serviceCode=…`: the OpenAPI description of one service.
 *
 * JSON field names are those of the X-Road JSON answers (snake_case); the metadata services never list
 * themselves.
 */

export type ObjectType = 'MEMBER' | 'SUBSYSTEM' | 'SERVICE';

export interface ClientListItem {
  id: {
    member_class: string;
    member_code: string;
    subsystem_code?: string;
    object_type: 'MEMBER' | 'SUBSYSTEM';
    xroad_instance: string;
  };
  name: string;
  subsystem_name?: string;
}

export interface ClientList {
  member: ClientListItem[];
}

export interface RestServiceDetails {
  member_class: string;
  member_code: string;
  object_type: 'SERVICE';
  service_code: string;
  service_type: ProvidedService['type'];
  subsystem_code: string;
  xroad_instance: string;
  endpoint_list: { method: string; path: string }[];
}

export interface RestServiceList {
  service: RestServiceDetails[];
}

export const ListClientsPath = '/listClients';

/** The path of a metadata service of a provider, `/r1/{provider}/{listMethods|allowedMethods|getOpenAPI}`. */
export function metaServicePath(provider: XRoadSubsystemId, service: MetaServiceCode): string {
  return `/${ProtocolVersion}/${encodeClientId(provider)}/${service}`;
}

/** listClients: members first, then their subsystems, in the order of configuration, each once. */
export function listClients(rights: AccessRights, xRoadInstance?: string): ClientList {
  if (xRoadInstance !== undefined) checkedPart(xRoadInstance, 'xRoadInstance');
  const named = [
    ...rights.config.providers.map((p) => ({ id: p.id, name: p.name })),
    ...rights.config.clients.map((c) => ({ id: c.id, name: c.name })),
  ].filter((s) => xRoadInstance === undefined || s.id.instance === xRoadInstance);
  const members = new Map<string, ClientListItem>();
  const subsystems = new Map<string, ClientListItem>();
  for (const { id, name } of named) {
    const member = `${id.instance}/${id.memberClass}/${id.memberCode}`;
    if (!members.has(member))
      members.set(member, {
        id: {
          member_class: id.memberClass,
          member_code: id.memberCode,
          object_type: 'MEMBER',
          xroad_instance: id.instance,
        },
        name: id.memberCode,
      });
    const key = `${member}/${id.subsystemCode}`;
    if (!subsystems.has(key))
      subsystems.set(key, {
        id: {
          member_class: id.memberClass,
          member_code: id.memberCode,
          subsystem_code: id.subsystemCode,
          object_type: 'SUBSYSTEM',
          xroad_instance: id.instance,
        },
        name: id.memberCode,
        ...(name !== undefined ? { subsystem_name: name } : {}),
      });
  }
  return { member: [...members.values(), ...subsystems.values()] };
}

function details(provider: XRoadSubsystemId, service: ProvidedService): RestServiceDetails {
  return {
    member_class: provider.memberClass,
    member_code: provider.memberCode,
    object_type: 'SERVICE',
    service_code: service.code,
    service_type: service.type,
    subsystem_code: provider.subsystemCode,
    xroad_instance: provider.instance,
    endpoint_list: service.endpoints.map((e) => ({ method: e.method, path: e.path })),
  };
}

/** listMethods: every REST service of the provider. The client must hold a grant of the provider. */
export function listMethods(
  rights: AccessRights,
  provider: XRoadSubsystemId,
  client: XRoadClientId,
): RestServiceList {
  rights.authorizeMetadata(client, provider, 'listMethods');
  const services = rights.provider(provider)?.services ?? [];
  return { service: services.map((s) => details(provider, s)) };
}

/** allowedMethods: the REST services of the provider the client is granted. */
export function allowedMethods(
  rights: AccessRights,
  provider: XRoadSubsystemId,
  client: XRoadClientId,
): RestServiceList {
  rights.authorizeMetadata(client, provider, 'allowedMethods');
  const granted = new Set(rights.grantedServices(client, provider));
  const services = rights.provider(provider)?.services ?? [];
  return { service: services.filter((s) => granted.has(s.code)).map((s) => details(provider, s)) };
}

export interface OpenApiDocument {
  contentType: 'application/json' | 'text/yaml';
  body: string;
}

/**
 * getOpenAPI: the description of `serviceCode`, which the client must be granted (a description is not handed to
 * a client that may not call the service). A REST service without one answers InvalidServiceType, as X-Road does.
 */
export function getOpenAPI(
  rights: AccessRights,
  provider: XRoadSubsystemId,
  client: XRoadClientId,
  serviceCode: string | undefined,
): OpenApiDocument {
  if (serviceCode === undefined || serviceCode === '')
    throw new XRoadError('Client.BadRequest', 'getOpenAPI needs the serviceCode query parameter');
  const service: XRoadServiceId = { ...provider, serviceCode: checkedPart(serviceCode, 'serviceCode') };
  const provided = rights.authorize(client, service);
  if (provided.type !== 'OPENAPI' || provided.openApi === undefined)
    throw new XRoadError(
      'Server.ServerProxy.InvalidServiceType',
      `Service ${serviceCode} is a REST service and has no OpenAPI description`,
    );
  if (typeof provided.openApi !== 'string')
    return { contentType: 'application/json', body: JSON.stringify(provided.openApi) };
  return {
    contentType: looksLikeJson(provided.openApi) ? 'application/json' : 'text/yaml',
    body: provided.openApi,
  };
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export type MetaServiceCode = (typeof MetaServiceCodes)[number];

export function isMetaService(serviceCode: string): serviceCode is MetaServiceCode {
  return (MetaServiceCodes as readonly string[]).includes(serviceCode);
}

/**
 * Answers a request whose service code is a metadata service (listMethods, allowedMethods, getOpenAPI), or
 * returns undefined for any other service. `serviceCodeParam` is the serviceCode query parameter.
 */
export function answerMetaService(
  rights: AccessRights,
  service: XRoadServiceId,
  client: XRoadClientId,
  serviceCodeParam: string | undefined,
): { contentType: string; body: string } | undefined {
  if (!isMetaService(service.serviceCode)) return undefined;
  const provider = providerOf(service);
  switch (service.serviceCode) {
    case 'listMethods':
      return json(listMethods(rights, provider, client));
    case 'allowedMethods':
      return json(allowedMethods(rights, provider, client));
    case 'getOpenAPI':
      return getOpenAPI(rights, provider, client, serviceCodeParam);
  }
}

function json(value: unknown): { contentType: string; body: string } {
  return { contentType: 'application/json', body: JSON.stringify(value) };
}
