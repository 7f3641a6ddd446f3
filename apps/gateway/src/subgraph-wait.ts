/** A subgraph as the gateway composes it. */
export interface Subgraph {
  name: string;
  url: string;
}

type Log = (fields: Record<string, unknown>, msg: string) => void;

/** Whether a subgraph answers the federation query for its schema (what composition needs of it). */
async function answersSdl(subgraph: Subgraph, serviceKey: string): Promise<boolean> {
  try {
    const response = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': serviceKey },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) return false;
    const body = (await response.json()) as { data?: { _service?: { sdl?: unknown } } };
    return typeof body.data?._service?.sdl === 'string';
  } catch {
    return false;
  }
}

/**
 * Waits until every subgraph serves its schema, retrying with back-off (0.5 s doubling to 10 s) and
 * logging which ones it still waits for: services start in any order, and composing without one would
 * fail (or serve a partial graph). The gateway opens its port only after this, so it is not ready before.
 */
export async function waitForSubgraphs(
  subgraphs: Subgraph[],
  serviceKey: string,
  warn: Log,
  maxDelayMs = 10_000,
): Promise<void> {
  let waiting = subgraphs;
  for (let attempt = 0; ; attempt++) {
    const answers = await Promise.all(waiting.map((s) => answersSdl(s, serviceKey)));
    waiting = waiting.filter((_, i) => !answers[i]);
    if (waiting.length === 0) return;
    const delay = Math.min(maxDelayMs, 500 * 2 ** attempt);
    warn(
      { waitingFor: waiting.map((s) => `${s.name}=${s.url}`), attempt: attempt + 1, retryInMs: delay },
      'subgraphs not up yet; the gateway composes once they answer',
    );
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
