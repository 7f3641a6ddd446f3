import { createHash } from 'node:crypto';
import {
  canonicalRequestHeaders,
  pairRawHeaders,
  serializeRequestHead,
  xroadRequestHash,
} from './request-hash';

const sha512 = (data: string | Buffer) => createHash('sha512').update(data).digest();
const ids = { messageId: 'msg-1', requestId: 'req-1' };

describe(canonicalRequestHeaders.name, () => {
  it('keeps the headers in order, drops what a security server drops, appends the ids', () => {
    const raw = pairRawHeaders([
      'Host',
      'bridge.local',
      'X-Road-Client',
      'VN/GOV/M/S',
      'Connection',
      'keep-alive',
      'Accept',
      'application/json',
      'Content-Length',
      '0',
      'User-Agent',
      'curl/8',
      'X-Road-Request-Hash',
      'forged',
      'X-Road-Request-Id',
      'from-client',
    ]);
    expect(canonicalRequestHeaders(raw, ids)).toEqual([
      ['X-Road-Client', 'VN/GOV/M/S'],
      ['Accept', 'application/json'],
      ['X-Road-Request-Id', 'req-1'],
      ['X-Road-Id', 'msg-1'],
    ]);
  });

  it('keeps the X-Road-Id the client sent, where it sent it', () => {
    const raw = pairRawHeaders(['x-road-id', 'mine', 'Accept', '*/*']);
    expect(canonicalRequestHeaders(raw, ids)).toEqual([
      ['x-road-id', 'mine'],
      ['Accept', '*/*'],
      ['X-Road-Request-Id', 'req-1'],
    ]);
  });
});

describe(serializeRequestHead.name, () => {
  it('writes method, target and name:value headers, each line ending in CRLF', () => {
    expect(
      serializeRequestHead('get', '/r1/VN/GOV/M/S/svc/a?b=1', [
        ['X-Road-Client', 'VN/GOV/M/C'],
        ['X-Road-Request-Id', 'req-1'],
      ]).toString('utf8'),
    ).toBe('GET\r\n/r1/VN/GOV/M/S/svc/a?b=1\r\nX-Road-Client:VN/GOV/M/C\r\nX-Road-Request-Id:req-1\r\n');
  });
});

describe(xroadRequestHash.name, () => {
  const head = 'GET\r\n/r1/VN/GOV/M/S/svc\r\nX-Road-Client:VN/GOV/M/C\r\nX-Road-Request-Id:req-1\r\n';
  const request = {
    method: 'GET',
    url: '/r1/VN/GOV/M/S/svc',
    headers: [
      ['X-Road-Client', 'VN/GOV/M/C'],
      ['X-Road-Request-Id', 'req-1'],
    ] as [string, string][],
  };

  it('without a body: base64 SHA-512 of the serialised head (the reference implementation, byte for byte)', () => {
    expect(xroadRequestHash(request)).toBe(sha512(head).toString('base64'));
    expect(xroadRequestHash({ ...request, body: new Uint8Array() })).toBe(sha512(head).toString('base64'));
  });

  it('with a body: base64 SHA-512(SHA-512(head) + SHA-512(body)), as PR-REST 4.3 says', () => {
    const body = Buffer.from('{"MaHoSo":"X"}');
    const expected = sha512(Buffer.concat([sha512(head), sha512(body)])).toString('base64');
    expect(xroadRequestHash({ ...request, body })).toBe(expected);
  });

  it('is 88 base64 characters (512 bits) and changes with any part of the request', () => {
    const hash = xroadRequestHash(request);
    expect(hash).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(xroadRequestHash({ ...request, method: 'POST' })).not.toBe(hash);
    expect(xroadRequestHash({ ...request, url: `${request.url}?x=1` })).not.toBe(hash);
    expect(xroadRequestHash({ ...request, headers: [...request.headers, ['Accept', '*/*']] })).not.toBe(hash);
    expect(xroadRequestHash({ ...request, body: Buffer.from('a') })).not.toBe(
      xroadRequestHash({ ...request, body: Buffer.from('b') }),
    );
  });
});

describe(pairRawHeaders.name, () => {
  it("pairs Node's rawHeaders", () => {
    expect(pairRawHeaders(['A', '1', 'B', '2'])).toEqual([
      ['A', '1'],
      ['B', '2'],
    ]);
  });
});
