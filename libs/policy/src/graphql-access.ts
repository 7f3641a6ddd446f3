import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { getOperationAST, Kind, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import mercurius from 'mercurius';
import type { ReadRecord } from '@lgsp/audit';
import { guardGraphql, presentedKey, type ApiKeyRegistry, type Caller } from '@lgsp/auth';
import { ConfigError, ErrorCatalog, HubError, str, type Env, type ErrorCode } from '@lgsp/core';
import type { AccessPolicy, Analysis, Grants } from './access-policy';

/** The header that says why the consumer reads personal data; one of the policy's purposes. */
export const PURPOSE_HEADER = 'x-lgsp-purpose';

/**
 * Carries the gateway's own key on the requests it sends to subgraphs. A subgraph still checks and
 * audits them (with the consumer's key, which travels on), and marks its entries as part of the
 * gateway's request, so that reads are counted once: at the gateway.
 */
export const VIA_GATEWAY_HEADER = 'x-lgsp-via-gateway';

/** The consumer's operation name, forwarded by the gateway to the subgraphs (trusted with VIA_GATEWAY_HEADER). */
export const OPERATION_HEADER = 'x-lgsp-operation';

/**
 * Who the consumer reads for, recorded with its read in the audit trail: a party outside the hub the consumer
 * serves (the X-Road provider endpoint names the national client, the user there and the case). A declaration
 * of the authenticated consumer: it grants nothing, the consumer's own grants still decide.
 */
export const ON_BEHALF_OF_HEADERS = {
  client: 'x-lgsp-on-behalf-of',
  userId: 'x-lgsp-on-behalf-of-user',
  issue: 'x-lgsp-on-behalf-of-issue',
} as const;

const MAX_ON_BEHALF_OF = 255;

/** The on-behalf-of headers of a request, checked (once each, at most 255 characters, no control characters). */
export function onBehalfOf(
  headers: Record<string, string | string[] | undefined>,
): ReadRecord['onBehalfOf'] | undefined {
  const read = (name: string): string | undefined => {
    const value = headers[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') refuse('LGSP_ERR_BAD_REQUEST', `${name} must be given once`);
    // eslint-disable-next-line no-control-regex -- the point is to refuse control characters
    if (value.length > MAX_ON_BEHALF_OF || /[\u0000-\u001f\u007f]/.test(value))
      refuse(
        'LGSP_ERR_BAD_REQUEST',
        `${name} must be at most ${MAX_ON_BEHALF_OF} characters without control characters`,
      );
    return value;
  };
  const client = read(ON_BEHALF_OF_HEADERS.client);
  const userId = read(ON_BEHALF_OF_HEADERS.userId);
  const issue = read(ON_BEHALF_OF_HEADERS.issue);
  if (client === undefined) {
    if (userId !== undefined || issue !== undefined)
      refuse('LGSP_ERR_BAD_REQUEST', `${ON_BEHALF_OF_HEADERS.client} is required with the user or the issue`);
    return undefined;
  }
  return {
    client,
    ...(userId !== undefined ? { userId } : {}),
    ...(issue !== undefined ? { issue } : {}),
  };
}

/** Who may see the schema (introspection, _service, "Did you mean" suggestions). */
export type IntrospectionAccess = 'everyone' | 'operators';

/**
 * LGSP_GRAPHQL_INTROSPECTION: who sees the schema (introspection, _service, suggestions): `everyone`
 * (the development default) or `operators` (the production default, and the only value production accepts).
 */
export function loadIntrospectionAccess(env: Env): IntrospectionAccess {
  const production = env.NODE_ENV === 'production';
  const value = str(env, 'LGSP_GRAPHQL_INTROSPECTION', production ? 'operators' : 'everyone');
  if (value !== 'everyone' && value !== 'operators')
    throw new ConfigError('LGSP_GRAPHQL_INTROSPECTION', `must be everyone or operators, not "${value}"`);
  if (production && value !== 'operators')
    throw new ConfigError('LGSP_GRAPHQL_INTROSPECTION', 'must be operators in production');
  return value;
}

/** The suffix of the operation name of a subgraph's entry for a read the gateway also recorded. */
export const VIA_GATEWAY_SUFFIX = ' (via gateway)';

/** Roles that see the schema where introspection is for operators: operators, and the gateway composing it. */
const SCHEMA_ROLES: readonly Caller['role'][] = ['operator', 'gateway'];

/** One request's reads, as the audit trail records them (fields: returned in clear; masked: hidden). */
export type AccessRecord = ReadRecord & { caller: Caller };

interface AccessContext {
  caller: Caller;
  onBehalfOf?: ReadRecord['onBehalfOf'];
  grants: Grants;
  analysis: Analysis;
  purpose: string | null;
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string;
  query: string;
  viaGateway: boolean;
  forwardedOperation?: string;
  variables: Record<string, unknown>;
}

/** A request's context once the policy checked it (preExecution). */
interface Checked {
  lgspAccess?: AccessContext;
}

/** The name of the operation the policy checked in this request's context (the gateway forwards it). */
export function checkedOperationName(context: unknown): string | undefined {
  return (context as Checked | undefined)?.lgspAccess?.operationName;
}

function viaGateway(callers: ApiKeyRegistry, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  try {
    callers.authenticateKey(header, 'gateway');
    return true;
  } catch {
    return false;
  }
}

/** The operation name mercurius executes: the query string's on GET, the body's on POST. */
function requestedOperation(request: {
  method: string;
  query?: unknown;
  body?: unknown;
}): string | undefined {
  const from = (request.method === 'GET' ? request.query : request.body) as
    { operationName?: unknown } | undefined;
  const name = from && typeof from === 'object' ? from.operationName : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** "Did you mean …?" names fields and types a caller did not ask about: removed where the schema is closed. */
function withoutSuggestions(payload: string): string {
  let body: { errors?: { message?: unknown }[] };
  try {
    body = JSON.parse(payload) as typeof body;
  } catch {
    return payload.replace(/\s*Did you mean [^?]*\?/g, '');
  }
  for (const error of body.errors ?? [])
    if (typeof error.message === 'string')
      error.message = error.message.replace(/\s*Did you mean [^?]*\?/g, '');
  return JSON.stringify(body);
}

function refuse(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): never {
  throw new mercurius.ErrorWithProps(`${code}: ${message}`, { code, ...extra }, ErrorCatalog[code].status);
}

/** What the access policy of one GraphQL endpoint needs. */
export interface AccessOptions {
  callers: ApiKeyRegistry;
  policy: AccessPolicy;
  /** the roles that may call the endpoint */
  roles: Caller['role'][];
  onRead?: (record: AccessRecord) => Promise<void>;
  /** subgraphs: mark the entries of reads an authenticated gateway sent (the gateway counts those) */
  auditedByGateway?: boolean;
  /** who may see the schema: everyone (development) or operators only (production) */
  introspection?: IntrospectionAccess;
  /** told why a read could not be audited (the consumer only gets LGSP_ERR_AUDIT_UNAVAILABLE) */
  onAuditFailure?: (error: unknown) => void;
}

/**
 * Enforces the access policy on a GraphQL endpoint (the gateway and every subgraph use it, so a
 * subgraph never relies on being called through the gateway): authenticates the caller, refuses
 * queries that are too deep or too costly, fields of domains (or refused categories) not granted,
 * and personal-data reads without a purpose; masks sensitive values the consumer is not granted;
 * and hands every personal-data read to `onRead` (the audit trail) before the response leaves.
 */
export function enforceAccess(fastify: FastifyInstance, options: AccessOptions): void {
  const { callers, policy } = options;
  const limits = policy.document.limits;
  const schemaOpen = (role: Caller['role']): boolean =>
    options.introspection !== 'operators' || SCHEMA_ROLES.includes(role);
  if (options.introspection === 'operators')
    fastify.addHook('onSend', async (request, _reply, payload) => {
      if (typeof payload !== 'string' || !payload.includes('Did you mean')) return payload;
      if (request.url !== '/graphql' && !request.url.startsWith('/graphql?')) return payload;
      const role = await callers
        .authenticate(presentedKey(request.headers))
        .then((c) => c.role)
        .catch(() => undefined);
      return role && schemaOpen(role) ? payload : withoutSuggestions(payload);
    });
  // Mercurius reads a source that is not GraphQL as a JSON syntax tree, so `{"query": 5}` (coerced to
  // "5") becomes the document 5 and graphql's validation fails with a TypeError the caller sees. No
  // GraphQL document is valid JSON: such a source is refused before it is parsed.
  // On GET, mercurius looks up the operation to refuse mutations without checking that it exists, so
  // an unknown operationName answered "Cannot read properties of null": check it here, also for queries
  // mercurius has cached (the hooks after parsing do not run for those before that check).
  fastify.graphql.addHook('preParsing', async (_schema, source, context) => {
    let json = true;
    try {
      JSON.parse(source);
    } catch {
      json = false;
    }
    if (json) refuse('LGSP_ERR_BAD_REQUEST', 'the query must be a GraphQL document');
    const request = context.reply.request;
    if (request.method !== 'GET') return;
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch {
      return; // mercurius answers the syntax error itself
    }
    // Exactly as mercurius will look it up: an empty or repeated operationName names no operation.
    const { operationName } = (request.query ?? {}) as { operationName?: unknown };
    if (operationName !== undefined && typeof operationName !== 'string')
      refuse('LGSP_ERR_BAD_REQUEST', 'operationName must be given once');
    const name = operationName;
    if (!getOperationAST(document, name))
      refuse(
        'LGSP_ERR_BAD_REQUEST',
        name === undefined
          ? 'the query has several operations: name one with operationName'
          : `the query has no operation named ${name}`,
      );
  });

  fastify.graphql.addHook('preExecution', async (schema, document, context, variables) => {
    const request = context.reply.request;
    let caller: Caller;
    try {
      caller = await callers.authenticate(presentedKey(request.headers), ...options.roles);
    } catch (error) {
      const hub = error instanceof HubError ? error : new HubError('LGSP_ERR_UNAUTHENTICATED');
      refuse(hub.code, hub.detail ?? hub.message);
    }
    // The operation checked is the one executed: named by the query string on GET, by the body on POST.
    const operationName = requestedOperation(request);
    const operation = getOperationAST(document, operationName);
    if (!operation)
      refuse(
        'LGSP_ERR_BAD_REQUEST',
        operationName === undefined
          ? 'the query has several operations: name one with operationName'
          : `the query has no operation named ${operationName}`,
      );
    const grants = policy.grantsOf(caller.id);
    const analysis = policy.analyse(
      schema,
      document,
      grants,
      (variables ?? {}) as Record<string, unknown>,
      operationName,
    );
    if (analysis.introspection && !schemaOpen(caller.role))
      refuse('LGSP_ERR_INTROSPECTION_DISABLED', 'schema introspection is open to operators only here');
    if (analysis.depth > limits.maxDepth)
      refuse(
        'LGSP_ERR_QUERY_TOO_DEEP',
        `the query is ${analysis.depth} levels deep; at most ${limits.maxDepth} are allowed`,
      );
    if (analysis.cost > limits.maxCost)
      refuse(
        'LGSP_ERR_QUERY_TOO_COSTLY',
        `the query may read about ${analysis.cost} fields (lists counted at their first/last/limit, at most ${limits.maxListSize}, or ${limits.defaultListSize}; aliases and fragment spreads each count); at most ${limits.maxCost} are allowed`,
      );
    if (analysis.introspectionCost > limits.maxIntrospectionCost)
      refuse(
        'LGSP_ERR_QUERY_TOO_COSTLY',
        `the query's introspection returns more than ${limits.maxIntrospectionCost} fields`,
      );
    if (analysis.refused.length > 0)
      refuse(
        'LGSP_ERR_FIELD_FORBIDDEN',
        analysis.refused.map((r) => `${r.coordinate}: ${r.reason}`).join('; '),
        { fields: analysis.refused.map((r) => r.coordinate) },
      );
    const header = request.headers[PURPOSE_HEADER];
    const purpose = typeof header === 'string' && header !== '' ? header : null;
    const granted = [...grants.purposes].join(', ') || 'none';
    if (purpose !== null && !policy.isPurpose(purpose))
      refuse(
        'LGSP_ERR_PURPOSE_REQUIRED',
        `${purpose} is not a purpose of use; ${caller.id} may declare: ${granted}`,
      );
    if (purpose !== null && !grants.purposes.has(purpose))
      refuse(
        'LGSP_ERR_PURPOSE_NOT_GRANTED',
        `${caller.id} is not granted the purpose ${purpose}; it may declare: ${granted}`,
      );
    if (analysis.personal && purpose === null)
      refuse(
        'LGSP_ERR_PURPOSE_REQUIRED',
        `this query reads personal data: send ${PURPOSE_HEADER} with a purpose ${caller.id} is granted (${granted})`,
      );
    const behalf = onBehalfOf(request.headers);
    const body = (request.body ?? {}) as { query?: unknown };
    const via = viaGateway(callers, request.headers[VIA_GATEWAY_HEADER]);
    const forwarded = request.headers[OPERATION_HEADER];
    const access: AccessContext = {
      caller,
      ...(behalf ? { onBehalfOf: behalf } : {}),
      grants,
      analysis,
      purpose,
      schema,
      document,
      operationName: operation.name?.value,
      query:
        typeof body.query === 'string'
          ? body.query
          : typeof (request.query as { query?: unknown } | undefined)?.query === 'string'
            ? (request.query as { query: string }).query
            : '',
      viaGateway: via,
      variables: (variables ?? {}) as Record<string, unknown>,
      forwardedOperation: via && typeof forwarded === 'string' && forwarded !== '' ? forwarded : undefined,
    };
    (context as unknown as Checked).lgspAccess = access;
    // Only the checked operation reaches execution: another name cannot run a different one.
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length > 1)
      return {
        document: {
          ...document,
          definitions: document.definitions.filter(
            (d) => d.kind !== Kind.OPERATION_DEFINITION || d === operation,
          ),
        },
      };
  });

  fastify.graphql.addHook('onResolution', async (execution, context) => {
    const access = (context as unknown as Checked).lgspAccess;
    if (!access) return;
    const seen = policy.maskAndCollect(
      access.schema,
      access.document,
      execution.data as Record<string, unknown> | null,
      access.grants,
      access.operationName,
      access.variables,
    );
    // Entities the gateway asks a subgraph about are named by their keys, not in the answer.
    const representations = access.variables.representations;
    if (Array.isArray(representations))
      for (const r of representations as unknown[]) {
        if (!r || typeof r !== 'object') continue;
        const entity = r as Record<string, unknown>;
        for (const [key, value] of Object.entries(entity))
          if (
            typeof value === 'string' &&
            policy.document.subjects[`${String(entity.__typename)}.${key}`] === 'citizen'
          )
            seen.citizens.add(value);
      }
    const byCategory = new Map<string, string[]>();
    for (const coordinate of seen.masked) {
      const category = policy.categoryOfField(coordinate) ?? 'sensitive';
      byCategory.set(category, [...(byCategory.get(category) ?? []), coordinate]);
    }
    // One error per masked category; a subgraph's own masking errors are not repeated.
    const errors = (execution.errors ?? []).filter(
      (e) => (e as { extensions?: { code?: string } }).extensions?.code !== 'LGSP_ERR_FIELD_MASKED',
    ) as unknown[];
    for (const [category, fields] of byCategory)
      errors.push({
        message: `LGSP_ERR_FIELD_MASKED: ${fields.join(', ')} masked: the ${category} category is not granted to ${access.caller.id}`,
        extensions: { code: 'LGSP_ERR_FIELD_MASKED', category, fields },
      });
    if (errors.length > 0) (execution as { errors?: unknown[] }).errors = errors;
    // An answer over the size cap is refused whole, not cut: a truncated list would look complete.
    const bytes = Buffer.byteLength(JSON.stringify(execution));
    if (bytes > limits.maxResponseBytes) {
      const refused = execution as { data?: unknown; errors?: unknown[] };
      refused.data = null;
      refused.errors = [
        {
          message: `LGSP_ERR_RESPONSE_TOO_LARGE: the answer is ${bytes} bytes; at most ${limits.maxResponseBytes} are allowed: ask for fewer items or fields`,
          extensions: { code: 'LGSP_ERR_RESPONSE_TOO_LARGE', bytes, limit: limits.maxResponseBytes },
        },
      ];
      return;
    }
    // Subgraphs audit what they release, also for the gateway; those entries say so (counted at the gateway).
    const partOfGatewayRead = options.auditedByGateway === true && access.viaGateway;
    const operationName = partOfGatewayRead
      ? `${access.forwardedOperation ?? access.operationName ?? 'anonymous'}${VIA_GATEWAY_SUFFIX}`
      : (access.operationName ?? null);
    if (options.onRead && (access.analysis.personal || seen.citizens.size > 0)) {
      try {
        await options.onRead({
          caller: access.caller,
          ...(access.onBehalfOf ? { onBehalfOf: access.onBehalfOf } : {}),
          purpose: access.purpose,
          operationName,
          query: access.query,
          domains: [...access.analysis.domains].sort(),
          fields: [...seen.read].sort(),
          masked: [...seen.masked].sort(),
          citizens: [...seen.citizens].sort(),
          records: [...seen.records].sort(),
        });
      } catch (error) {
        // A read that is not on record is not answered: no data, a coded error, nothing of the cause.
        options.onAuditFailure?.(error);
        const unanswered = execution as { data?: unknown; errors?: unknown[] };
        unanswered.data = null;
        unanswered.errors = [
          {
            message: `LGSP_ERR_AUDIT_UNAVAILABLE: ${ErrorCatalog.LGSP_ERR_AUDIT_UNAVAILABLE.title}`,
            extensions: { code: 'LGSP_ERR_AUDIT_UNAVAILABLE' },
          },
        ];
      }
    }
  });
}

/** A Fastify plugin as the Mercurius drivers of @nestjs/mercurius take it in their `plugins` option. */
export interface GraphqlPlugin {
  plugin: FastifyPluginAsync;
}

/**
 * The access policy of a GraphQL endpoint served through @nestjs/graphql's Mercurius drivers: given in
 * the `plugins` option of MercuriusFederationDriver (a subgraph) and MercuriusGatewayDriver (the gateway),
 * which register it right after mercurius, so it sees the schema being served. It refuses to start when
 * the policy leaves a field of that schema unclassified; then it guards /graphql (problem+json 401/403
 * for a missing or refused key) and adds the policy's mercurius hooks (`enforceAccess`). The gateway
 * driver's own `hooks` option only takes the gateway's hooks, so both drivers get the policy this way.
 */
export function graphqlAccess(options: AccessOptions & { policyFile?: string }): GraphqlPlugin {
  const plugin: FastifyPluginAsync = async (fastify) => {
    // Every field served must be classified by the policy, or the service does not start.
    options.policy.assertClassifies(fastify.graphql.schema, options.policyFile);
    guardGraphql(fastify, options.callers, ...options.roles);
    enforceAccess(fastify, options);
  };
  // Not encapsulated (as fastify-plugin would mark it): the hooks belong to the context /graphql is in.
  return { plugin: Object.assign(plugin, { [Symbol.for('skip-override')]: true }) };
}
