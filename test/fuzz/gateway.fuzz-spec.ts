import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { RunningApp } from '@lgsp/platform';
import { dossierSchema } from '../../apps/dossier/src/dossier.graphql';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway.config';
import { startGateway } from '../../apps/gateway/src/gateway.app';
import { oddString } from './cloudevent-arbitraries';
import { announce, checkProperty, readable } from './fuzz-settings';
import { applyTextChange, buildOperation, subgraphSchema, textChange } from './graphql-arbitraries';

const KEYS = [
  'dev-consumer-key-ioc',
  'dev-consumer-key-press',
  'dev-consumer-key-land-office',
  'dev-gateway-service-key',
  'dev-operator-key',
  'dev-publisher-key-000.00.01.H22',
  'not-a-key',
  '',
];
/** JavaScript runtime errors: what a resolver or hook lets escape when it did not expect the input. */
const INTERNAL =
  /is not iterable|is not a function|^[\w$.]+ is not defined$|Cannot read propert|Cannot convert|undefined is not|Maximum call stack|Unexpected token|Internal (server )?error/i;
const PURPOSES = ['public-service', 'statistics', 'healthcare', 'not-a-purpose', ''];

/**
 * The federated gateway and the dossier subgraph under generated GraphQL requests: queries built from
 * the schema, broken versions of them, garbage, odd operation names and variables, GET and POST, with
 * every kind of caller. Never a 5xx, always a JSON answer, and both still serve afterwards.
 */
describe('gateway fuzz', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-fuzz-gateway-'));
  const env = {
    ...process.env,
    DOSSIER_PORT: '0',
    GATEWAY_PORT: '0',
    LGSP_PGLITE_DIR: dir,
    LOG_LEVEL: 'fatal',
    DOSSIER_CONSUMER_GROUP: `lgsp-dossier-fuzz-${randomUUID()}`,
  };
  const schema = subgraphSchema(dossierSchema);
  let dossier: RunningApp;
  let gateway: RunningApp;
  const outcomes = new Map<string, number>();

  beforeAll(async () => {
    announce('gateway');
    dossier = await startDossier(loadDossierConfig(env));
    gateway = await startGateway(
      loadGatewayConfig({ ...env, GATEWAY_SUBGRAPHS: `dossier=${dossier.url}/graphql` }),
    );
  }, 180_000);
  afterAll(async () => {
    await gateway?.close();
    await dossier?.close();
  }, 60_000);

  it('answers generated and broken GraphQL requests without a 5xx, always in JSON', async () => {
    await checkProperty(
      'graphql requests',
      fc.asyncProperty(fc.gen(), async (g) => {
        const operation = buildOperation(g, schema);
        let query: unknown = operation.query;
        // A third of the queries are broken at the text level; the rest reach validation and resolvers.
        if (g(fc.nat, 2) === 0)
          for (const change of g(() => fc.array(textChange, { minLength: 1, maxLength: 3 })))
            query = applyTextChange(query as string, change);
        if (g(fc.nat, 29) === 0)
          query = g(() => fc.oneof(oddString, fc.integer(), fc.constant(null), fc.object()));
        const variables: unknown =
          g(fc.nat, 14) === 0
            ? g(() => fc.oneof(oddString, fc.constant([]), fc.constant(null), fc.integer()))
            : operation.variables;
        const operationName: unknown = g(() =>
          fc.oneof(
            { weight: 4, arbitrary: fc.constant(operation.operationName) },
            fc.constant(undefined),
            oddString,
            fc.constant(null),
            fc.integer(),
          ),
        );
        const target = g(fc.constantFrom, 'gateway', 'gateway', 'gateway', 'subgraph');
        const transport = g(() =>
          fc.oneof(
            { weight: 8, arbitrary: fc.constant('post') },
            fc.constantFrom('get', 'graphql-text', 'batch', 'garbage'),
          ),
        );
        // Mostly a consumer granted everything with a purpose, so that most queries are executed.
        const key = g(() =>
          fc.oneof({ weight: 6, arbitrary: fc.constant(KEYS[0]) }, fc.constantFrom(...KEYS)),
        );
        const purpose = g(() =>
          fc.oneof(
            { weight: 4, arbitrary: fc.constant(PURPOSES[0]) },
            fc.constantFrom(undefined, ...PURPOSES),
          ),
        );
        const headers: Record<string, string> = {};
        if (key) headers['x-api-key'] = key;
        if (purpose !== undefined) headers['x-lgsp-purpose'] = purpose;
        if (g(fc.nat, 9) === 0)
          headers['x-lgsp-via-gateway'] = g(fc.constantFrom, 'dev-gateway-service-key', 'forged');
        const base = `${target === 'gateway' ? gateway.url : dossier.url}/graphql`;
        const payload = { query, variables, operationName };
        const post = (contentType: string, body: string) => ({
          url: base,
          init: { method: 'POST', headers: { ...headers, 'content-type': contentType }, body },
        });
        let request: { url: string; init: RequestInit };
        switch (transport) {
          case 'get': {
            const params = new URLSearchParams();
            params.set('query', String(query));
            params.set('variables', JSON.stringify(variables) ?? '');
            if (typeof operationName === 'string') params.set('operationName', operationName);
            request = { url: `${base}?${params.toString()}`, init: { method: 'GET', headers } };
            break;
          }
          case 'graphql-text':
            request = post('application/graphql', String(query));
            break;
          case 'batch':
            request = post(
              'application/json',
              JSON.stringify([payload, { query: operation.query, variables: operation.variables }]),
            );
            break;
          case 'garbage':
            request = post(
              g(() => fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded')),
              g(() => oddString),
            );
            break;
          case 'post':
            request = post('application/json', JSON.stringify(payload));
            break;
        }
        const response = await fetch(request.url, request.init);
        const text = await response.text();
        const sentText = typeof request.init.body === 'string' ? request.init.body : request.url;
        const what = () =>
          `${request.init.method} ${target} ${JSON.stringify(sentText.slice(0, 800))} with ${readable(headers)}`;
        if (response.status >= 500)
          throw new Error(`answered ${response.status}: ${text.slice(0, 500)}\nsent: ${what()}`);
        let body: { data?: unknown; errors?: { message?: string; extensions?: { code?: string } }[] };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          throw new Error(
            `answered ${response.status} with a body that is not JSON: ${text.slice(0, 300)}\nsent: ${what()}`,
          );
        }
        const codes = (Array.isArray(body.errors) ? body.errors : []).flatMap((e) => [
          e.extensions?.code,
          e.message?.slice(0, 50),
        ]);
        // An internal error that reaches the caller as a GraphQL error is a 500 in another form.
        const leaked = codes.find((c) => c === 'LGSP_ERR_INTERNAL' || (c !== undefined && INTERNAL.test(c)));
        if (leaked !== undefined)
          throw new Error(
            `answered ${response.status} with an internal error: ${text.slice(0, 500)}\nsent: ${what()}`,
          );
        const shown = (Array.isArray(body.errors) ? body.errors : []).map(
          (e) => e.extensions?.code ?? e.message?.slice(0, 50),
        );
        const outcome = `${response.status} ${body.data ? 'data' : 'no data'} ${[...new Set(shown)].join(',')}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
    );
  }, 300_000);

  afterAll(() => {
    const top = [...outcomes].sort((a, b) => b[1] - a[1]).slice(0, 30);
    process.stderr.write(
      `[fuzz] gateway outcomes (status, data, error codes):\n${top.map(([o, n]) => `  ${n} × ${o}`).join('\n')}\n`,
    );
  });

  it('still serves queries afterwards: nothing crashed', async () => {
    for (const app of [gateway, dossier]) {
      const live = await fetch(`${app.url}/health/live`);
      expect(live.status).toBe(200);
    }
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'dev-consumer-key-ioc' },
      body: JSON.stringify({ query: '{ dossiers(first: 1) { pageInfo { hasNextPage } } }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { dossiers: { pageInfo: expect.any(Object) } } });
  });
});
