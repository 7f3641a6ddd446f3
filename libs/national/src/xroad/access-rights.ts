import { ConfigError } from '@lgsp/core';
import { XRoadError } from './errors';
import {
  describeClient,
  describeService,
  encodeClientId,
  identifierProblem,
  parseSubsystemId,
  providerOf,
  type XRoadClientId,
  type XRoadServiceId,
  type XRoadSubsystemId,
} from './identifiers';

/**
 * Who may call what on the province's provider endpoint: the provider subsystems the province registers on the
 * national axis, the services each offers, and the client subsystems granted each service. Read from
 * configuration (JSON), checked once at start-up; a mistake fails start-up with the path of the bad value.
 *
 * {
 *   "providers": [{ "id": "VN/GOV/000.00.00.H22/LGSP", "name": "…",
 *                   "services": [{ "code": "dossierStatus", "type": "OPENAPI",
 *                                  "endpoints": [{ "method": "GET", "path": "/dossiers/*" }],
 *                                  "openApi": { "openapi": "3.0.3", … } }] }],
 *   "clients":   [{ "id": "VN/GOV/000.00.00.G22/DVCQG", "name": "…",
 *                   "grants": [{ "provider": "VN/GOV/000.00.00.H22/LGSP", "services": ["dossierStatus"] }] }]
 * }
 */
export type ServiceType = 'REST' | 'OPENAPI';

export interface ServiceEndpoint {
  /** an HTTP method, or * for any */
  method: string;
  /** a path below the service; * matches one segment, as in X-Road's endpoint rules */
  path: string;
}

export interface ProvidedService {
  code: string;
  type: ServiceType;
  title?: string;
  endpoints: ServiceEndpoint[];
  /** the OpenAPI description (OPENAPI services): a parsed document or its JSON/YAML text */
  openApi?: Record<string, unknown> | string;
}

export interface Provider {
  id: XRoadSubsystemId;
  name?: string;
  services: ProvidedService[];
}

export interface Client {
  id: XRoadSubsystemId;
  name?: string;
  grants: { provider: XRoadSubsystemId; services: string[] }[];
}

export interface AccessRightsConfig {
  providers: Provider[];
  clients: Client[];
}

/** Service codes the metadata services answer on; no provided service may take one of them. */
export const MetaServiceCodes = ['listMethods', 'allowedMethods', 'getOpenAPI'] as const;
const METHODS = new Set(['*', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

/** Checks configuration read from JSON; `source` (a file or variable name) starts the path in errors. */
export function parseAccessRights(raw: unknown, source = 'access rights'): AccessRightsConfig {
  const fail = (path: string, problem: string): never => {
    throw new ConfigError(`${source}${path}`, problem);
  };
  const root = object(raw, '', fail);
  const providers = array(root.providers, '.providers', fail).map((p, i) =>
    provider(p, `.providers[${i}]`, fail),
  );
  const seenProviders = new Set<string>();
  providers.forEach((p, i) => {
    const key = encodeClientId(p.id);
    if (seenProviders.has(key)) fail(`.providers[${i}].id`, `provider ${key} is listed twice`);
    seenProviders.add(key);
  });
  const clients = array(root.clients, '.clients', fail).map((c, i) =>
    client(c, `.clients[${i}]`, providers, fail),
  );
  const seenClients = new Set<string>();
  clients.forEach((c, i) => {
    const key = encodeClientId(c.id);
    if (seenClients.has(key)) fail(`.clients[${i}].id`, `client ${key} is listed twice`);
    seenClients.add(key);
  });
  return { providers, clients };
}

type Fail = (path: string, problem: string) => never;

function provider(raw: unknown, path: string, fail: Fail): Provider {
  const o = object(raw, path, fail);
  const id = subsystem(o.id, `${path}.id`, fail);
  const services = array(o.services, `${path}.services`, fail).map((s, i) =>
    service(s, `${path}.services[${i}]`, fail),
  );
  const codes = new Set<string>();
  services.forEach((s, i) => {
    if (codes.has(s.code)) fail(`${path}.services[${i}].code`, `service ${s.code} is listed twice`);
    codes.add(s.code);
  });
  return { id, ...optionalName(o.name, `${path}.name`, fail), services };
}

function service(raw: unknown, path: string, fail: Fail): ProvidedService {
  const o = object(raw, path, fail);
  const code = string(o.code, `${path}.code`, fail);
  const problem = identifierProblem(code);
  if (problem) fail(`${path}.code`, `"${code}" ${problem}`);
  if ((MetaServiceCodes as readonly string[]).includes(code))
    fail(`${path}.code`, `"${code}" is the name of a metadata service`);
  const type = o.type ?? 'OPENAPI';
  if (type !== 'REST' && type !== 'OPENAPI')
    fail(`${path}.type`, `must be REST or OPENAPI, got ${JSON.stringify(type)}`);
  const endpoints =
    o.endpoints === undefined
      ? [{ method: '*', path: '/*' }]
      : array(o.endpoints, `${path}.endpoints`, fail).map((e, i) =>
          endpoint(e, `${path}.endpoints[${i}]`, fail),
        );
  const openApi = o.openApi;
  if (type === 'OPENAPI') {
    const ok =
      (typeof openApi === 'string' && openApi.trim() !== '') ||
      (typeof openApi === 'object' && openApi !== null && !Array.isArray(openApi));
    if (!ok)
      fail(`${path}.openApi`, 'an OPENAPI service needs its OpenAPI description (a document or its text)');
  } else if (openApi !== undefined)
    fail(`${path}.openApi`, 'a REST service has no OpenAPI description: use type OPENAPI');
  return {
    code,
    type,
    ...(o.title !== undefined ? { title: string(o.title, `${path}.title`, fail) } : {}),
    endpoints,
    ...(type === 'OPENAPI' ? { openApi: openApi as Record<string, unknown> | string } : {}),
  };
}

function endpoint(raw: unknown, path: string, fail: Fail): ServiceEndpoint {
  const o = object(raw, path, fail);
  const method = string(o.method, `${path}.method`, fail).toUpperCase();
  if (!METHODS.has(method)) fail(`${path}.method`, `unknown HTTP method ${method}`);
  const p = string(o.path, `${path}.path`, fail);
  if (!p.startsWith('/')) fail(`${path}.path`, `must start with /, got "${p}"`);
  return { method, path: p };
}

function client(raw: unknown, path: string, providers: Provider[], fail: Fail): Client {
  const o = object(raw, path, fail);
  const id = subsystem(o.id, `${path}.id`, fail);
  const grants = array(o.grants, `${path}.grants`, fail).map((g, i) => {
    const gp = `${path}.grants[${i}]`;
    const go = object(g, gp, fail);
    const providerId = subsystem(go.provider, `${gp}.provider`, fail);
    const offered = providers.find((p) => encodeClientId(p.id) === encodeClientId(providerId));
    if (!offered) fail(`${gp}.provider`, `${encodeClientId(providerId)} is not one of the providers`);
    const services = array(go.services, `${gp}.services`, fail).map((s, j) => {
      const code = string(s, `${gp}.services[${j}]`, fail);
      if (!offered?.services.some((os) => os.code === code))
        fail(`${gp}.services[${j}]`, `${encodeClientId(providerId)} offers no service "${code}"`);
      return code;
    });
    if (new Set(services).size !== services.length) fail(`${gp}.services`, 'a service is granted twice');
    return { provider: providerId, services };
  });
  return { id, ...optionalName(o.name, `${path}.name`, fail), grants };
}

function subsystem(raw: unknown, path: string, fail: Fail): XRoadSubsystemId {
  const value = string(raw, path, fail);
  try {
    return parseSubsystemId(value, 'id');
  } catch (error) {
    return fail(path, `"${value}": ${(error as Error).message}`);
  }
}

function optionalName(raw: unknown, path: string, fail: Fail): { name?: string } {
  return raw === undefined ? {} : { name: string(raw, path, fail) };
}

function object(raw: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(path || '(root)', 'must be an object');
  return raw as Record<string, unknown>;
}

function array(raw: unknown, path: string, fail: Fail): unknown[] {
  if (!Array.isArray(raw)) fail(path, 'must be an array');
  return raw as unknown[];
}

function string(raw: unknown, path: string, fail: Fail): string {
  if (typeof raw !== 'string' || raw.trim() === '') fail(path, 'must be a non-empty string');
  return raw;
}

/** The configured access rights, asked by the provider endpoint at every request. */
export class AccessRights {
  private readonly providers = new Map<string, Provider>();
  private readonly clients = new Map<string, Client>();

  constructor(readonly config: AccessRightsConfig) {
    for (const p of config.providers) this.providers.set(encodeClientId(p.id), p);
    for (const c of config.clients) this.clients.set(encodeClientId(c.id), c);
  }

  provider(id: XRoadSubsystemId): Provider | undefined {
    return this.providers.get(encodeClientId(id));
  }

  client(id: XRoadClientId): Client | undefined {
    return this.clients.get(encodeClientId(id));
  }

  /** The service a request names; Server.ServerProxy.UnknownService when this endpoint does not provide it. */
  service(id: XRoadServiceId): ProvidedService {
    const found = this.provider(providerOf(id))?.services.find((s) => s.code === id.serviceCode);
    if (!found)
      throw new XRoadError('Server.ServerProxy.UnknownService', `Unknown service: ${describeService(id)}`);
    return found;
  }

  /** Service codes of `provider` granted to `client` (none for a member-level or unknown client). */
  grantedServices(client: XRoadClientId, provider: XRoadSubsystemId): string[] {
    const key = encodeClientId(provider);
    return (this.client(client)?.grants ?? [])
      .filter((g) => encodeClientId(g.provider) === key)
      .flatMap((g) => g.services);
  }

  /** Throws UnknownService or AccessDenied unless `client` may call `service`; returns the service. */
  authorize(client: XRoadClientId, service: XRoadServiceId): ProvidedService {
    const provided = this.service(service);
    if (!this.grantedServices(client, providerOf(service)).includes(service.serviceCode))
      throw new XRoadError(
        'Server.ServerProxy.AccessDenied',
        `Request is not allowed: ${describeService(service)} for ${describeClient(client)}`,
      );
    return provided;
  }

  /**
   * For the metadata services of a provider: the client must hold at least one grant of it. An unknown client
   * learns nothing about the services (Server.ServerProxy.AccessDenied).
   */
  authorizeMetadata(client: XRoadClientId, provider: XRoadSubsystemId, metaService: string): void {
    const service: XRoadServiceId = { ...provider, serviceCode: metaService };
    if (!this.provider(provider))
      throw new XRoadError(
        'Server.ServerProxy.UnknownService',
        `Unknown service: ${describeService(service)}`,
      );
    if (this.grantedServices(client, provider).length === 0)
      throw new XRoadError(
        'Server.ServerProxy.AccessDenied',
        `Request is not allowed: ${describeService(service)} for ${describeClient(client)}`,
      );
  }
}
