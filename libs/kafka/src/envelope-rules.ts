import type { ValidationIssue } from '@lgsp/core';
import type { CloudEvent } from './cloudevents';

/**
 * Limits on a CloudEvent's attributes and the characters of its data — one rule for every way an event
 * enters the hub (HTTP ingest, the ingress topics) and for every consumer of a domain topic.
 *
 * Why these limits: attributes become Kafka headers and key columns of receipts and dedupe tables, so
 * their size is bounded (a 20,000-character id made the receipt index fail for every caller sharing that
 * statement). U+0000 and unpaired surrogates cannot be stored by PostgreSQL (text and jsonb) and cannot
 * survive UTF-8 (an unpaired surrogate becomes U+FFFD, so two ids would collapse into one): an event that
 * holds them is refused where it enters, never accepted and then stuck in a projection.
 */
export const EnvelopeLimits = {
  id: 256,
  source: 512,
  type: 256,
  subject: 256,
  time: 64,
  datacontenttype: 128,
  dataschema: 1024,
  extensionValue: 1024,
  extensions: 20,
} as const;

const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
// C0 and C1 control characters (tab, newline and the like included): never meaningful in an attribute.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const WHITESPACE = /\s/;

type Attribute = Exclude<keyof typeof EnvelopeLimits, 'extensionValue' | 'extensions'>;

function attributeIssue(value: string, max: number, noSpaces: boolean): string | undefined {
  if (value.length > max) return `must be at most ${max} characters (has ${value.length})`;
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (an unpaired surrogate was found)';
  if (CONTROL.test(value)) return 'must not contain control characters (U+0000–U+001F, U+007F–U+009F)';
  if (noSpaces && WHITESPACE.test(value)) return `must not contain white space`;
  return undefined;
}

/** Every attribute of an event that breaks the limits, as pointers (`/id`, `/source`, `/myext`). */
export function envelopeIssues(event: CloudEvent, pointerPrefix = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const check = (name: Attribute, noSpaces: boolean) => {
    const value = event[name];
    if (value === undefined) return;
    const problem = attributeIssue(value, EnvelopeLimits[name], noSpaces);
    if (problem) issues.push({ pointer: `${pointerPrefix}/${name}`, message: problem });
  };
  check('id', false);
  check('source', true);
  check('type', true);
  check('subject', false);
  check('time', true);
  check('datacontenttype', false);
  check('dataschema', true);
  const extensions = Object.entries(event.extensions ?? {});
  if (extensions.length > EnvelopeLimits.extensions)
    issues.push({
      pointer: pointerPrefix || '/',
      message: `at most ${EnvelopeLimits.extensions} extension attributes (has ${extensions.length})`,
    });
  for (const [name, value] of extensions) {
    if (!ATTRIBUTE_NAME.test(name)) {
      issues.push({
        pointer: `${pointerPrefix}/${name.slice(0, 64)}`,
        message: 'extension names are 1-20 lowercase letters or digits',
      });
      continue;
    }
    const problem = attributeIssue(value, EnvelopeLimits.extensionValue, false);
    if (problem) issues.push({ pointer: `${pointerPrefix}/${name}`, message: problem });
  }
  return issues;
}

/** True for an extension attribute name the hub accepts. */
export function isExtensionName(name: string): boolean {
  return ATTRIBUTE_NAME.test(name);
}

/** Deeper data is refused where an event enters: no event schema nests this deep, and walking it costs. */
export const MAX_DATA_DEPTH = 64;

/**
 * Every place in a JSON value (keys included) that holds a character PostgreSQL cannot store: U+0000
 * or an unpaired surrogate. Pointers are RFC 6901, under `prefix` (e.g. `/data`). At most `max` issues.
 * Walks with its own stack: data nested thousands deep must not overflow the call stack.
 */
export function unstorableText(value: unknown, prefix = '/data', max = 20): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const bad = (text: string): string | undefined => {
    if (text.includes('\u0000')) return 'must not contain U+0000 (NUL): it cannot be stored';
    if (LONE_SURROGATE.test(text)) return 'must be well-formed Unicode (an unpaired surrogate was found)';
    return undefined;
  };
  const stack: { node: unknown; pointer: string }[] = [{ node: value, pointer: prefix }];
  while (stack.length > 0 && issues.length < max) {
    const { node, pointer } = stack.pop() as { node: unknown; pointer: string };
    if (typeof node === 'string') {
      const problem = bad(node);
      if (problem) issues.push({ pointer, message: problem });
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], pointer: `${pointer}/${i}` });
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, item] of Object.entries(node).reverse()) {
        const escaped = key.replace(/~/g, '~0').replace(/\//g, '~1');
        const keyProblem = bad(key);
        if (keyProblem)
          issues.push({
            pointer: `${pointer}/${escaped.replaceAll('\u0000', '\\u0000')}`,
            message: `the name ${keyProblem}`,
          });
        else stack.push({ node: item, pointer: `${pointer}/${escaped}` });
      }
    }
  }
  return issues;
}

/** The pointer of the first place nested deeper than `max` arrays or objects, if any (no recursion). */
export function tooDeep(value: unknown, prefix = '/data', max = MAX_DATA_DEPTH): string | undefined {
  const stack: { node: unknown; depth: number; pointer: string }[] = [
    { node: value, depth: 0, pointer: prefix },
  ];
  while (stack.length > 0) {
    const { node, depth, pointer } = stack.pop() as { node: unknown; depth: number; pointer: string };
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return pointer;
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object.entries(node);
    for (const [key, item] of entries)
      stack.push({
        node: item,
        depth: depth + 1,
        pointer: `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      });
  }
  return undefined;
}
