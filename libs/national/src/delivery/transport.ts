/**
 * What the HTTP adapters of the national side share about a failed or answered request: the socket's error,
 * read for classifyTransportError, and a body read leniently (an unreadable body is `undefined`, which the
 * classifiers treat as an answer without error_code).
 */

/**
 * The error to classify: fetch wraps the socket's error as `cause`, node:http raises it as it is; a timeout or
 * an abort is an error of its own name. Read by shape, not by class: errors may come from another realm (a test
 * sandbox), where instanceof fails.
 */
export function transportError(error: unknown): { code?: string; message: string } {
  const e = asError(error);
  if (!e) return { message: String(error) };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return { code: e.name, message: e.message };
  const cause = asError(e.cause);
  return cause ? { code: cause.code, message: cause.message } : { code: e.code, message: e.message };
}

function asError(
  value: unknown,
): { name?: string; message: string; code?: string; cause?: unknown } | undefined {
  if (typeof value !== 'object' || value === null || !('message' in value)) return undefined;
  const v = value as { name?: unknown; message: unknown; code?: unknown; cause?: unknown };
  return {
    name: typeof v.name === 'string' ? v.name : undefined,
    message: String(v.message),
    code: typeof v.code === 'string' ? v.code : undefined,
    cause: v.cause,
  };
}

/** A JSON body, or undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
