import type { FastifyInstance } from 'fastify';
import { getOperationAST, Kind, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import mercurius from 'mercurius';
import type { ReadRecord } from '@lgsp/audit';
import { presentedKey, type ApiKeyRegistry, type Caller } from '@lgsp/auth';
import { ErrorCatalog, HubError, type ErrorCode } from '@lgsp/core';
import type { AccessPolicy, Analysis, Grants } from './access-policy';

/** The header that says why the consumer reads personal data; one of the policy's purposes. */
export const PURPOSE_HEADER = 'x-lgsp-purpose';

/** Carries the gateway's own key on the requests it sends to subgraphs: it has audited them already. */
export const VIA_GATEWAY_HEADER = 'x-lgsp-via-gateway';

/** One request's reads, as the audit trail records them (fields: returned in clear; masked: hidden). */
export type AccessRecord = ReadRecord & { caller: Caller };

interface AccessContext {
  caller: Caller;
  grants: Grants;
  analysis: Analysis;
  purpose: string | null;
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string;
  query: string;
  viaGateway: boolean;
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

function refuse(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): never {
  throw new mercurius.ErrorWithProps(`${code}: ${message}`, { code, ...extra }, ErrorCatalog[code].status);
}

/**
 * Enforces the access policy on a GraphQL endpoint (the gateway and every subgraph use it, so a
 * subgraph never relies on being called through the gateway): authenticates the caller, refuses
 * queries that are too deep or too costly, fields of domains (or refused categories) not granted,
 * and personal-data reads without a purpose; masks sensitive values the consumer is not granted;
 * and hands every personal-data read to `onRead` (the audit trail) before the response leaves.
 */
export function enforceAccess(
  fastify: FastifyInstance,
  options: {
    callers: ApiKeyRegistry;
    policy: AccessPolicy;
    roles: Caller['role'][];
    onRead?: (record: AccessRecord) => Promise<void>;
    /** subgraphs: do not hand on reads that an authenticated gateway sent (the gateway audits those) */
    auditedByGateway?: boolean;
    /** told why a read could not be audited (the consumer only gets LGSP_ERR_AUDIT_UNAVAILABLE) */
    onAuditFailure?: (error: unknown) => void;
  },
): void {
  const { callers, policy } = options;
  const limits = policy.document.limits;
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
    const { operationName } = (request.query ?? {}) as { operationName?: unknown };
    const name = typeof operationName === 'string' && operationName !== '' ? operationName : undefined;
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
    const body = (request.body ?? {}) as { operationName?: string; query?: string };
    const named = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    const operationName =
      body.operationName ?? (named?.kind === Kind.OPERATION_DEFINITION ? named.name?.value : undefined);
    const grants = policy.grantsOf(caller.id);
    const analysis = policy.analyse(
      schema,
      document,
      grants,
      (variables ?? {}) as Record<string, unknown>,
      operationName,
    );
    if (analysis.depth > limits.maxDepth)
      refuse(
        'LGSP_ERR_QUERY_TOO_DEEP',
        `the query is ${analysis.depth} levels deep; at most ${limits.maxDepth} are allowed`,
      );
    if (analysis.cost > limits.maxCost)
      refuse(
        'LGSP_ERR_QUERY_TOO_COSTLY',
        `the query may read about ${analysis.cost} fields (lists counted at their first/limit or ${limits.defaultListSize}); at most ${limits.maxCost} are allowed`,
      );
    if (analysis.refused.length > 0)
      refuse(
        'LGSP_ERR_FIELD_FORBIDDEN',
        analysis.refused.map((r) => `${r.coordinate}: ${r.reason}`).join('; '),
        { fields: analysis.refused.map((r) => r.coordinate) },
      );
    const header = request.headers[PURPOSE_HEADER];
    const purpose = typeof header === 'string' ? header : null;
    if (analysis.personal && !policy.isPurpose(purpose ?? undefined))
      refuse(
        'LGSP_ERR_PURPOSE_REQUIRED',
        `this query reads personal data: send ${PURPOSE_HEADER} with one of ${Object.keys(policy.document.purposes).join(', ')}`,
      );
    const access: AccessContext = {
      caller,
      grants,
      analysis,
      purpose,
      schema,
      document,
      operationName,
      query: body.query ?? '',
      viaGateway: viaGateway(callers, request.headers[VIA_GATEWAY_HEADER]),
    };
    (context as unknown as { lgspAccess: AccessContext }).lgspAccess = access;
  });

  fastify.graphql.addHook('onResolution', async (execution, context) => {
    const access = (context as unknown as { lgspAccess?: AccessContext }).lgspAccess;
    if (!access) return;
    const seen = policy.maskAndCollect(
      access.schema,
      access.document,
      execution.data as Record<string, unknown> | null,
      access.grants,
      access.operationName,
    );
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
    const audited = options.auditedByGateway === true && access.viaGateway;
    if (options.onRead && !audited && (access.analysis.personal || seen.citizens.size > 0)) {
      try {
        await options.onRead({
          caller: access.caller,
          purpose: access.purpose,
          operationName: access.operationName ?? null,
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
