import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XRoadError } from '@lgsp/national';
import { HubGatewayClient } from './hub-gateway.client';
import { loadXRoadProviderConfig } from './xroad-provider.config';

/** A GraphQL endpoint on the wire answering what the test sets, keeping what it received. */
class GraphqlEndpoint {
  answer: { status: number; body: string } = { status: 200, body: '{"data":{}}' };
  received: { headers: IncomingHttpHeaders; body: unknown }[] = [];
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      this.received.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      response.writeHead(this.answer.status, { 'content-type': 'application/json' }).end(this.answer.body);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const query = {
  operationName: 'NationalDossierStatus',
  query: 'query NationalDossierStatus { dossier(code: "x") { code } }',
  variables: { code: 'x' },
  purpose: 'public-service',
  onBehalfOf: { client: 'VN/GOV/000.00.00.G22/DVCQG', userId: 'VN1', issue: 'I-1' },
};

describe(HubGatewayClient.name, () => {
  const endpoint = new GraphqlEndpoint();
  let sut: HubGatewayClient;

  beforeAll(async () => {
    const url = await endpoint.start();
    sut = new HubGatewayClient(
      loadXRoadProviderConfig({ LGSP_XROAD_GATEWAY_URL: url, LGSP_XROAD_GATEWAY_TIMEOUT_MS: '500' }),
    );
  });
  afterAll(() => endpoint.close());

  it('sends the query with its own key, the purpose and who asked', async () => {
    endpoint.answer = { status: 200, body: '{"data":{"dossier":{"code":"x"}}}' };
    expect(await sut.query(query)).toEqual({ kind: 'data', data: { dossier: { code: 'x' } } });
    expect(endpoint.received.at(-1)).toMatchObject({
      headers: {
        'x-api-key': 'dev-consumer-key-xroad-provider',
        'x-lgsp-purpose': 'public-service',
        'x-lgsp-on-behalf-of': 'VN/GOV/000.00.00.G22/DVCQG',
        'x-lgsp-on-behalf-of-user': 'VN1',
        'x-lgsp-on-behalf-of-issue': 'I-1',
      },
      body: { operationName: 'NationalDossierStatus', variables: { code: 'x' } },
    });
  });

  it('passes a coded refusal of the hub on as its answer', async () => {
    endpoint.answer = {
      status: 403,
      body: '{"data":null,"errors":[{"message":"LGSP_ERR_FIELD_FORBIDDEN: no","extensions":{"code":"LGSP_ERR_FIELD_FORBIDDEN"}}]}',
    };
    expect(await sut.query(query)).toEqual({
      kind: 'refused',
      status: 403,
      code: 'LGSP_ERR_FIELD_FORBIDDEN',
      message: 'LGSP_ERR_FIELD_FORBIDDEN: no',
    });
  });

  it('answers data with masked fields as data', async () => {
    endpoint.answer = {
      status: 200,
      body: '{"data":{"parcel":{"address":null}},"errors":[{"message":"m","extensions":{"code":"LGSP_ERR_FIELD_MASKED"}}]}',
    };
    expect(await sut.query(query)).toEqual({ kind: 'data', data: { parcel: { address: null } } });
  });

  it.each([
    ['an answer that is not GraphQL', { status: 502, body: '<html>bad gateway</html>' }],
    ['an error without data or code', { status: 500, body: '{"data":null,"errors":[{"message":"boom"}]}' }],
    [
      'a subgraph failing beside data (its field null, not "no such record")',
      {
        status: 200,
        body: '{"data":{"dossier":null},"errors":[{"message":"down","extensions":{"code":"DOWNSTREAM_SERVICE_ERROR"}}]}',
      },
    ],
  ])('is Server.ServerProxy.ServiceFailed for %s', async (_what, answer) => {
    endpoint.answer = answer;
    await expect(sut.query(query)).rejects.toThrow(XRoadError);
    await expect(sut.query(query)).rejects.toMatchObject({ type: 'Server.ServerProxy.ServiceFailed' });
  });
});
