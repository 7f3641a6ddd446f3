/**
 * What the message log keeps of values that may hold personal data, as the audit trail keeps personal
 * identifiers: their keyed digest (`digest`, HMAC-SHA256 under LGSP_AUDIT_SUBJECT_KEY), never the value.
 */
export const DigestPrefix = 'hmac:';

/** A path segment that may be a personal identifier: the 12-digit personal id, or the 9-digit id card before it. */
const PERSONAL_ID = /^\d{9}$|^\d{12}$/;

function decoded(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/**
 * A request path as the log keeps it: every query value (any may name a person: the exchange's
 * parameters are the consumer's) and every path segment shaped like a personal id replaced by its
 * digest; names of parameters and the rest of the path kept, so an operator still sees what was asked.
 */
export function redactPath(path: string, digest: (value: string) => string): string {
  const at = path.indexOf('?');
  const pathPart = at < 0 ? path : path.slice(0, at);
  const segments = pathPart
    .split('/')
    .map((s) => (PERSONAL_ID.test(decoded(s)) ? `${DigestPrefix}${digest(decoded(s))}` : s))
    .join('/');
  if (at < 0) return segments;
  const query = path
    .slice(at + 1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const value = decoded(pair.slice(eq + 1));
      return value === '' ? pair : `${pair.slice(0, eq)}=${DigestPrefix}${digest(value)}`;
    })
    .join('&');
  return `${segments}?${query}`;
}
