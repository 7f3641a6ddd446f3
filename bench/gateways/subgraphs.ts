/** What the competitor gateways need to reach our subgraphs: names, URLs and the headers to pass on. */
export interface SubgraphTarget {
  name: string;
  url: string;
}

export function subgraphsFromEnv(): SubgraphTarget[] {
  return JSON.parse(process.env.BENCH_SUBGRAPHS ?? '[]') as SubgraphTarget[];
}

/** Our subgraphs verify every caller: the gateway's own key for schema fetches, the consumer's for data. */
export const SERVICE_KEY = process.env.GATEWAY_SERVICE_KEY ?? 'dev-gateway-service-key';
export const FORWARDED = ['x-api-key', 'x-lgsp-purpose'] as const;

/**
 * With BENCH_TRUST_COMPETITORS=1 the competitor presents our gateway's service key (x-lgsp-via-gateway),
 * as our gateway does: the subgraphs still audit every personal read, marked "(via gateway)". Without it
 * the subgraphs audit every call a foreign gateway makes as a direct read.
 */
export const EXTRA_HEADERS: Record<string, string> =
  process.env.BENCH_TRUST_COMPETITORS === '1' ? { 'x-lgsp-via-gateway': SERVICE_KEY } : {};

export async function fetchSdl(target: SubgraphTarget): Promise<string> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': SERVICE_KEY },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = (await response.json()) as { data?: { _service: { sdl: string } } };
  if (!body.data) throw new Error(`${target.name}: no SDL (${JSON.stringify(body)})`);
  return body.data._service.sdl;
}
