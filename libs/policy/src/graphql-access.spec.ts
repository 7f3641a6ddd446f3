import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import mercurius from 'mercurius';
import { ApiKeyRegistry } from '@lgsp/auth';
import { projectRoot } from '@lgsp/core';
import { AccessPolicy } from './access-policy';
import {
  enforceAccess,
  graphqlAccess,
  loadIntrospectionAccess,
  ON_BEHALF_OF_HEADERS,
  onBehalfOf,
} from './graphql-access';

const config = join(projectRoot(), 'config');

describe(enforceAccess.name, () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify();
    await app.register(mercurius, {
      schema: 'type Query { dossierCount: Int }',
      resolvers: { Query: { dossierCount: () => 3 } },
    });
    enforceAccess(app, {
      callers: ApiKeyRegistry.fromFile(join(config, 'callers.dev.json')),
      policy: AccessPolicy.fromFile(join(config, 'policy.dev.json')),
      roles: ['consumer'],
    });
    await app.ready();
  });
  afterAll(() => app.close());

  const post = (body: unknown) =>
    app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-api-key': 'dev-consumer-key-ioc' },
      payload: JSON.stringify(body),
    });

  it('answers a query', async () => {
    const response = await post({ query: '{ dossierCount }' });
    expect(response.json()).toEqual({ data: { dossierCount: 3 } });
  });

  // Found by the gateway fuzz suite: these answered 200 with "context.getDocument.definitions is not iterable".
  it.each([5, true, [1], '{"kind":"Document","definitions":5}'])(
    'refuses %j as a query with a coded 400, not a leaked TypeError',
    async (query) => {
      const response = await post({ query });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        data: null,
        errors: [{ extensions: { code: 'LGSP_ERR_BAD_REQUEST' } }],
      });
    },
  );

  // Found by the gateway fuzz suite: these answered 200 with "Cannot read properties of null (reading 'operation')".
  it.each([
    ['{ dossierCount }', 'nope'],
    ['query A { dossierCount }', 'B'],
    ['query A { dossierCount } query B { dossierCount }', undefined],
    ['query A { dossierCount }', ''],
  ])('refuses GET %j with operationName %j with a coded 400', async (query, operationName) => {
    const params = new URLSearchParams({ query, ...(operationName !== undefined ? { operationName } : {}) });
    for (let i = 0; i < 2; i++) {
      // twice: the second time mercurius has the document in its cache
      const response = await app.inject({
        method: 'GET',
        url: `/graphql?${params.toString()}`,
        headers: { 'x-api-key': 'dev-consumer-key-ioc' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ errors: [{ extensions: { code: 'LGSP_ERR_BAD_REQUEST' } }] });
    }
  });

  it('answers a GET query that names its operation', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/graphql?${new URLSearchParams({ query: 'query A { dossierCount } query B { dossierCount }', operationName: 'B' }).toString()}`,
      headers: { 'x-api-key': 'dev-consumer-key-ioc' },
    });
    expect(response.json()).toEqual({ data: { dossierCount: 3 } });
  });
});

describe(graphqlAccess.name, () => {
  const options = {
    callers: ApiKeyRegistry.fromFile(join(config, 'callers.dev.json')),
    policy: AccessPolicy.fromFile(join(config, 'policy.dev.json')),
    policyFile: 'policy.dev.json',
    roles: ['consumer' as const],
  };
  /** mercurius, then the plugin, as the Mercurius drivers register them */
  const serve = async (schema: string) => {
    const app = Fastify();
    await app.register(mercurius, { schema, resolvers: { Query: { dossierIndicators: () => 3 } } });
    await app.register(graphqlAccess(options).plugin);
    await app.ready();
    return app;
  };

  it('does not start on a schema with a field the policy does not classify', async () => {
    await expect(serve('type Query { dossierIndicators: Int secret: String }')).rejects.toThrow(
      'not classified in policy.dev.json: Query.secret',
    );
  });

  it('guards /graphql with problem+json and enforces the policy on the route mercurius serves', async () => {
    const app = await serve('type Query { dossierIndicators: Int }');
    try {
      const ask = (key?: string) =>
        app.inject({
          method: 'POST',
          url: '/graphql',
          headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
          payload: JSON.stringify({ query: '{ dossierIndicators }' }),
        });
      const none = await ask();
      expect(none.statusCode).toBe(401);
      expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
      const operator = await ask('dev-operator-key');
      expect(operator.json()).toMatchObject({ code: 'LGSP_ERR_FORBIDDEN' });
      expect((await ask('dev-consumer-key-ioc')).json()).toEqual({ data: { dossierIndicators: 3 } });
      const json = await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', 'x-api-key': 'dev-consumer-key-ioc' },
        payload: JSON.stringify({ query: 5 }),
      });
      expect(json.json()).toMatchObject({ errors: [{ extensions: { code: 'LGSP_ERR_BAD_REQUEST' } }] });
    } finally {
      await app.close();
    }
  });
});

describe(loadIntrospectionAccess.name, () => {
  it('closes the schema to consumers in production unless told, and only allows that there', () => {
    expect(loadIntrospectionAccess({})).toBe('everyone');
    expect(loadIntrospectionAccess({ NODE_ENV: 'production' })).toBe('operators');
    expect(loadIntrospectionAccess({ LGSP_GRAPHQL_INTROSPECTION: 'operators' })).toBe('operators');
    expect(() =>
      loadIntrospectionAccess({ NODE_ENV: 'production', LGSP_GRAPHQL_INTROSPECTION: 'everyone' }),
    ).toThrow('LGSP_GRAPHQL_INTROSPECTION');
    expect(() => loadIntrospectionAccess({ LGSP_GRAPHQL_INTROSPECTION: 'some' })).toThrow(
      'LGSP_GRAPHQL_INTROSPECTION',
    );
  });
});

describe(onBehalfOf.name, () => {
  const h = ON_BEHALF_OF_HEADERS;

  it('reads who the consumer reads for: the client, its user and case', () => {
    expect(onBehalfOf({})).toBeUndefined();
    expect(onBehalfOf({ [h.client]: 'VN/GOV/000.00.00.G22/DVCQG' })).toEqual({
      client: 'VN/GOV/000.00.00.G22/DVCQG',
    });
    expect(onBehalfOf({ [h.client]: 'C', [h.userId]: 'VN1', [h.issue]: 'I' })).toEqual({
      client: 'C',
      userId: 'VN1',
      issue: 'I',
    });
  });

  it.each([
    ['a repeated header', { [h.client]: ['a', 'b'] }, 'must be given once'],
    ['a control character', { [h.client]: 'a\nb' }, 'without control characters'],
    ['an over-long value', { [h.client]: 'x'.repeat(256) }, 'at most 255'],
    ['a user without the client', { [h.userId]: 'VN1' }, `${h.client} is required`],
  ])('refuses %s', (_what, headers, message) => {
    expect(() => onBehalfOf(headers)).toThrow(message);
  });
});
