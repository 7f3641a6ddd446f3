import { XRoadError } from './errors';
import {
  headersFromRaw,
  parseServicePath,
  parseXRoadClientHeaders,
  parseXRoadRequest,
  xroadResponseHeaders,
  type XRoadRequestInput,
} from './request';

const base = '/r1/VN/GOV/000.00.00.H22/LGSP/dossierStatus';
const client = 'VN/GOV/000.00.00.G22/DVCQG';

function parse(overrides: Partial<XRoadRequestInput> = {}) {
  return parseXRoadRequest({
    method: 'GET',
    url: `${base}/dossiers/X`,
    headers: { 'x-road-client': client },
    ...overrides,
  });
}

function errorOf(fn: () => unknown): XRoadError {
  try {
    fn();
  } catch (error) {
    if (error instanceof XRoadError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe(parseServicePath.name, () => {
  it('reads the service id and the rest of the path', () => {
    expect(parseServicePath(`${base}/dossiers/000.00.01.H22-260302-0001`)).toEqual({
      service: {
        instance: 'VN',
        memberClass: 'GOV',
        memberCode: '000.00.00.H22',
        subsystemCode: 'LGSP',
        serviceCode: 'dossierStatus',
      },
      servicePath: '/dossiers/000.00.01.H22-260302-0001',
      servicePathSegments: ['dossiers', '000.00.01.H22-260302-0001'],
    });
  });

  it('has an empty service path when the path ends at the service code', () => {
    expect(parseServicePath(base)).toMatchObject({ servicePath: '', servicePathSegments: [] });
  });

  it('keeps the service path raw and gives its segments decoded', () => {
    expect(parseServicePath(`${base}/a%20b/c`)).toMatchObject({
      servicePath: '/a%20b/c',
      servicePathSegments: ['a b', 'c'],
    });
  });

  it.each([
    ['/r2/VN/GOV/M/S/svc', 'Unsupported protocol version r2'],
    ['/v1/VN/GOV/M/S/svc', 'Invalid protocol version'],
    ['/rest/VN/GOV/M/S/svc', 'Invalid protocol version'],
    ['r1/VN/GOV/M/S/svc', 'Invalid request URI'],
    ['/r1/VN/GOV/M/svc', 'expected /r1/{instance}'],
    ['/r1/VN/GOV/M//svc', 'service subsystemCode is empty'],
    ['/r1/VN/GOV/M/S/a%2Fb', 'service serviceCode may hold only'],
    ['/r1/VN/GOV/M/S/svc/../admin', 'dot segments'],
    ['/r1/VN/GOV/M/S/svc/%2E%2E/admin', 'dot segments'],
    ['/r1/VN/GOV/M/S/svc/a%2Fb', 'encoded slashes'],
    ['/r1/VN/GOV/M/S/svc/a%5Cb', 'encoded slashes'],
    ['/r1/VN/GOV/M/S/svc/a b', 'invalid characters'],
  ])('refuses %s with Client.BadRequest: %s', (path, message) => {
    const error = errorOf(() => parseServicePath(path));
    expect(error.type).toBe('Client.BadRequest');
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
  });
});

describe(parseXRoadRequest.name, () => {
  it('reads service, client, path, query and the optional headers', () => {
    const request = parse({
      method: 'get',
      url: `${base}/dossiers/X?fields=status&x=1`,
      headers: {
        'X-Road-Client': client,
        'X-Road-Id': 'msg-1',
        'X-Road-UserId': 'VN001203004567',
        'X-Road-Issue': 'HS-2026-01',
        'X-Road-Request-Id': 'req-1',
      },
    });
    expect(request).toEqual({
      method: 'GET',
      service: expect.objectContaining({ serviceCode: 'dossierStatus', subsystemCode: 'LGSP' }),
      servicePath: '/dossiers/X',
      servicePathSegments: ['dossiers', 'X'],
      query: 'fields=status&x=1',
      client: { instance: 'VN', memberClass: 'GOV', memberCode: '000.00.00.G22', subsystemCode: 'DVCQG' },
      messageId: 'msg-1',
      requestId: 'req-1',
      userId: 'VN001203004567',
      issue: 'HS-2026-01',
    });
  });

  it('generates X-Road-Id and X-Road-Request-Id when the request has none', () => {
    const request = parse();
    expect(request.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.messageId).not.toBe(request.requestId);
    expect(request).not.toHaveProperty('userId');
    expect(request).not.toHaveProperty('issue');
    expect(request).not.toHaveProperty('query');
  });

  it("accepts GovStack's Information-Mediator-Client as the client header", () => {
    expect(parse({ headers: { 'information-mediator-client': client } }).client.subsystemCode).toBe('DVCQG');
  });

  it('accepts both client headers when they agree', () => {
    expect(
      parse({ headers: { 'x-road-client': client, 'Information-Mediator-Client': client } }).client
        .memberCode,
    ).toBe('000.00.00.G22');
  });

  it.each([
    [{}, 'Missing X-Road-Client header'],
    [{ 'x-road-client': [client, client] }, 'X-Road-Client header is repeated'],
    [
      { 'x-road-client': client, 'information-mediator-client': 'VN/GOV/OTHER/SUB' },
      'name different clients',
    ],
    [{ 'x-road-client': 'VN/GOV' }, 'got 2 parts'],
    [{ 'x-road-client': client, 'x-road-id': 'a\u0000b' }, 'X-Road-Id holds control characters'],
    [{ 'x-road-client': client, 'x-road-userid': 'x'.repeat(256) }, 'X-Road-UserId is longer than 255'],
    [{ 'x-road-client': client, 'x-road-issue': ['a', 'b'] }, 'X-Road-Issue header is repeated'],
  ])('refuses headers %p: %s', (headers, message) => {
    const error = errorOf(() => parse({ headers }));
    expect(error.type).toBe('Client.BadRequest');
    expect(error.message).toContain(message);
  });

  it('refuses a method X-Road does not carry and an over-long request target', () => {
    expect(errorOf(() => parse({ method: 'CONNECT' })).message).toContain('Unsupported HTTP method');
    expect(errorOf(() => parse({ url: `${base}/${'a'.repeat(2000)}` })).message).toContain(
      'longer than 2000',
    );
  });
});

describe(xroadResponseHeaders.name, () => {
  it('answers with the client, service, ids and request hash', () => {
    const request = parse({
      headers: { 'x-road-client': client, 'x-road-id': 'msg-1', 'x-road-request-id': 'req-1' },
    });
    expect(xroadResponseHeaders(request, 'HASH==')).toEqual({
      'X-Road-Client': client,
      'X-Road-Service': 'VN/GOV/000.00.00.H22/LGSP/dossierStatus',
      'X-Road-Id': 'msg-1',
      'X-Road-Request-Id': 'req-1',
      'X-Road-Request-Hash': 'HASH==',
    });
  });
});

describe(headersFromRaw.name, () => {
  it('keeps every occurrence, so a repeated header is seen and refused', () => {
    const headers = headersFromRaw(['X-Road-Client', client, 'x-road-id', 'a', 'X-Road-Id', 'b']);
    expect(headers).toEqual({ 'x-road-client': [client], 'x-road-id': ['a', 'b'] });
    expect(errorOf(() => parse({ headers })).message).toContain('X-Road-Id header is repeated');
  });
});

describe(parseXRoadClientHeaders.name, () => {
  it('reads the client and the ids without a service path (for /listClients)', () => {
    const sut = parseXRoadClientHeaders({
      'X-Road-Client': client,
      'X-Road-UserId': 'VN1',
      'X-Road-Issue': 'i-1',
    });
    expect(sut).toMatchObject({ client: { subsystemCode: 'DVCQG' }, userId: 'VN1', issue: 'i-1' });
    expect(sut.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(xroadResponseHeaders(sut, 'H')).not.toHaveProperty('X-Road-Service');
  });

  it('refuses a missing client as parseXRoadRequest does', () => {
    expect(errorOf(() => parseXRoadClientHeaders({})).message).toContain('Missing X-Road-Client header');
  });
});
