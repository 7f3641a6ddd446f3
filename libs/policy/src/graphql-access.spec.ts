import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import mercurius from 'mercurius';
import { ApiKeyRegistry } from '@lgsp/auth';
import { AccessPolicy } from './access-policy';
import { enforceAccess, loadIntrospectionAccess } from './graphql-access';

const config = join(__dirname, '..', '..', '..', 'config');

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
