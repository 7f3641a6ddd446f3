import { createHash } from 'node:crypto';
import { XRoadHeaders } from './request';

/**
 * X-Road-Request-Hash: ties an answer to the request it answers, so that a consumer can prove that a record came
 * back for a given query (PR-REST 4.3).
 *
 * PR-REST defines it as base64(SHA-512(SHA-512(headers) + SHA-512(body))), or base64(SHA-512(headers)) when there
 * is no body, without fixing how "headers" are written. We write them as the X-Road security server serialises a
 * REST request before hashing it (RestRequest.toByteArray in the reference implementation): the method, CRLF, the
 * raw path and query, CRLF, then every header as `name:value` CRLF in the order received, without the hop-by-hop
 * and host-revealing headers it filters out and without any request hash sent in, with X-Road-Request-Id (and
 * X-Road-Id when the client sent none) added at the end. Without a body the result is byte for byte the
 * reference implementation's hash; with one, the body is bound in as the specification says.
 */

/** Headers a security server rewrites or drops before it hashes and forwards a request (PR-REST 4.3). */
const SKIPPED = new Set([
  'transfer-encoding',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'connection',
  'user-agent',
  'host',
  'content-length',
  'server',
  'expect',
]);

export type RawHeaders = readonly (readonly [string, string])[];

/** Node's `rawHeaders` (name, value, name, value, …) as pairs, in order. */
export function pairRawHeaders(raw: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
  return pairs;
}

/** The headers that go into the hash, in order, with the exchange's ids added as the security server adds them. */
export function canonicalRequestHeaders(
  raw: RawHeaders,
  ids: { messageId: string; requestId: string },
): [string, string][] {
  const lower = (name: string) => name.toLowerCase();
  const kept: [string, string][] = raw
    .filter(([name]) => {
      const n = lower(name);
      return !SKIPPED.has(n) && n !== lower(XRoadHeaders.requestHash) && n !== lower(XRoadHeaders.requestId);
    })
    .map(([name, value]) => [name, value]);
  kept.push([XRoadHeaders.requestId, ids.requestId]);
  if (!kept.some(([name]) => lower(name) === lower(XRoadHeaders.messageId)))
    kept.push([XRoadHeaders.messageId, ids.messageId]);
  return kept;
}

/** The bytes the header hash is taken over: method, request target and headers, each line ending in CRLF. */
export function serializeRequestHead(method: string, url: string, headers: RawHeaders): Buffer {
  const lines = [method.toUpperCase(), url, ...headers.map(([name, value]) => `${name}:${value}`)];
  return Buffer.from(lines.map((line) => `${line}\r\n`).join(''), 'utf8');
}

const sha512 = (data: Uint8Array): Buffer => createHash('sha512').update(data).digest();

/** The X-Road-Request-Hash of a request, base64. `headers` are the canonical ones (canonicalRequestHeaders). */
export function xroadRequestHash(request: {
  method: string;
  url: string;
  headers: RawHeaders;
  body?: Uint8Array;
}): string {
  const head = sha512(serializeRequestHead(request.method, request.url, request.headers));
  if (!request.body || request.body.length === 0) return head.toString('base64');
  return sha512(Buffer.concat([head, sha512(request.body)])).toString('base64');
}
