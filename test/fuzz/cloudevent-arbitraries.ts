import fc from 'fast-check';
import {
  dossierLifecycle,
  encounterRecorded,
  parcelRegistered,
  SAMPLE_AGENCIES,
  sampleDossierCode,
  sampleName,
  samplePersonalId,
} from '@lgsp/testing';

/**
 * Generators for the ingest fuzz suite: valid CloudEvents of the three domains (from the sample
 * builders the other tests use, so they pass the schemas), and mutations of them described as data,
 * so that a counterexample reads as "this event, with these changes".
 */

export type Domain = 'dossier' | 'land' | 'health';

/** Publisher keys and the sources they are granted (config/callers.dev.json). */
export const PUBLISHERS: Record<Domain, { key: string; source: string }> = {
  dossier: { key: 'dev-publisher-key-000.00.01.H22', source: `/${SAMPLE_AGENCIES[0]}/igate` },
  land: { key: 'dev-publisher-key-000.00.02.H22', source: `/${SAMPLE_AGENCIES[1]}/vilis` },
  health: { key: 'dev-publisher-key-22001', source: '/22001/his' },
};

/** Characters and strings that broke or could break something: NUL, lone surrogates, controls, BOM… */
export const SPECIALS = [
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFFy',
  '\uDBFF\uDFFF',
  '\u0001',
  '\u001F',
  '\u007F',
  '\u0085',
  '\u00A0',
  '\u2028',
  '\u2029',
  '\uFEFF',
  '\uFFFE',
  '\uFFFF',
  '\u202E',
  '\r\n',
  '\t',
  ' ',
  '',
  '%00',
  '\\u0000',
  '"',
  "'; --",
  '../..',
  '🙂',
  'Nguyễn',
  'e\u0301',
];

export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SPECIALS),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc
    .tuple(fc.constantFrom('x', '\u0000', 'é', '🙂', '\uD800'), fc.integer({ min: 100, max: 30_000 }))
    .map(([s, n]) => s.repeat(n)),
);

/** A JSON value nested `depth` levels (arrays or objects). */
const deep = fc.tuple(fc.integer({ min: 1, max: 3_000 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { d: value };
  return value;
});

export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: oddString },
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, true, false, null, [], {}),
  fc.array(oddString, { maxLength: 4 }),
  fc.dictionary(oddString, oddString, { maxKeys: 3 }),
  deep,
);

/** Names for attributes and data fields: valid extension names, reserved ones, and odd ones. */
export const oddName: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z0-9]{1,20}$/),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'tostring',
    'hasownproperty',
    'ID',
    'Id',
    'a'.repeat(20),
    'a'.repeat(21),
    'data_base64',
    'ce-id',
    'ce_id',
    '',
    ' ',
    'x\u0000',
    'é',
    '\uD800',
  ),
  fc.string({ unit: 'binary', maxLength: 25 }),
);

/** The CloudEvents context attributes and the two data members of structured mode. */
const CORE_ATTRIBUTES =
  'specversion id source type subject time datacontenttype dataschema data data_base64'.split(' ');

export type StringEdit =
  | { op: 'append' | 'prepend'; text: string }
  | { op: 'insert'; at: number; text: string }
  | { op: 'repeat'; length: number };

export type Mutation =
  | { kind: 'set'; attribute: string; value: unknown }
  | { kind: 'delete'; attribute: string }
  | { kind: 'edit'; attribute: 'id' | 'source' | 'subject' | 'type' | 'time'; edit: StringEdit }
  | { kind: 'data-set'; path: number; value: unknown }
  | { kind: 'data-edit'; path: number; edit: StringEdit }
  | { kind: 'data-delete'; path: number }
  | { kind: 'data-add'; name: string; value: unknown }
  | { kind: 'data-replace'; value: unknown };

const stringEdit: fc.Arbitrary<StringEdit> = fc.oneof(
  fc.record({ op: fc.constantFrom('append' as const, 'prepend' as const), text: oddString }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: oddString }),
  fc.record({ op: fc.constant('repeat' as const), length: fc.integer({ min: 1, max: 40_000 }) }),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    attribute: fc.oneof(fc.constantFrom(...CORE_ATTRIBUTES), oddName),
    value: oddValue,
  }),
  fc.record({ kind: fc.constant('delete' as const), attribute: fc.constantFrom(...CORE_ATTRIBUTES) }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      attribute: fc.constantFrom(
        'id' as const,
        'source' as const,
        'subject' as const,
        'type' as const,
        'time' as const,
      ),
      edit: stringEdit,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('data-set' as const), path: fc.nat(), value: oddValue }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('data-edit' as const), path: fc.nat(), edit: stringEdit }),
  },
  fc.record({ kind: fc.constant('data-delete' as const), path: fc.nat() }),
  fc.record({ kind: fc.constant('data-add' as const), name: oddName, value: oddValue }),
  fc.record({ kind: fc.constant('data-replace' as const), value: oddValue }),
);

/** A valid event of one of the domains, in structured form; `id` is filled in when it is sent. */
export interface ValidEvent {
  domain: Domain;
  event: Record<string, unknown>;
}

const extensionName = fc.stringMatching(/^[a-z][a-z0-9]{0,19}$/).filter((n) => !CORE_ATTRIBUTES.includes(n));

const dossierEvent = fc
  .record({
    // The publisher's own dossiers: only the agency in the code may change a dossier.
    agency: fc.constant(SAMPLE_AGENCIES[0]),
    day: fc.date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2026-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    serial: fc.nat(9_999),
    n: fc.nat(1_000_000),
    step: fc.nat(4),
  })
  .map(({ agency, day, serial, n, step }) => {
    const code = sampleDossierCode(agency, day, serial);
    const { type, data } = dossierLifecycle(code, n, day)[step];
    return { domain: 'dossier' as const, type, data };
  });

const landEvent = fc.nat(1_000_000).map((n) => ({
  domain: 'land' as const,
  type: 'vn.lgsp.land.parcel-registered.v1',
  data: parcelRegistered(samplePersonalId(n), sampleName(n), n),
}));

const healthEvent = fc.nat(1_000_000).map((n) => ({
  domain: 'health' as const,
  type: 'vn.lgsp.health.encounter-recorded.v1',
  data: encounterRecorded(samplePersonalId(n), sampleName(n), n),
}));

export const validEvent: fc.Arbitrary<ValidEvent> = fc
  .record({
    body: fc.oneof({ weight: 3, arbitrary: dossierEvent }, landEvent, healthEvent),
    sourcePath: fc.constantFrom('', 'a', 'x/y', 'cổng-1'),
    subject: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
    time: fc.option(
      fc.date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2100-01-01T00:00:00Z'),
        noInvalidDate: true,
      }),
      { nil: undefined },
    ),
    contentType: fc.option(fc.constantFrom('application/json', 'application/json; charset=utf-8'), {
      nil: undefined,
    }),
    extensions: fc.dictionary(
      extensionName,
      fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean()),
      {
        maxKeys: 3,
      },
    ),
  })
  .map(({ body, sourcePath, subject, time, contentType, extensions }) => {
    const publisher = PUBLISHERS[body.domain];
    const event: Record<string, unknown> = {
      specversion: '1.0',
      id: '',
      source: sourcePath ? publisher.source.replace(/[^/]+$/, sourcePath) : publisher.source,
      type: body.type,
      ...extensions,
      data: body.data,
    };
    if (subject !== undefined) event.subject = subject;
    if (time !== undefined) event.time = time.toISOString();
    if (contentType !== undefined) event.datacontenttype = contentType;
    return { domain: body.domain, event };
  });

/** A valid event and the changes made to it (none in about a third of the cases). */
export interface EventCase extends ValidEvent {
  mutations: Mutation[];
}

export const eventCase: fc.Arbitrary<EventCase> = fc
  .record({
    valid: validEvent,
    mutations: fc.oneof(fc.constant([] as Mutation[]), fc.array(mutation, { minLength: 1, maxLength: 3 })),
  })
  .map(({ valid, mutations }) => ({ ...valid, mutations }));

/** Sets an own property even for names like __proto__, so that it is serialised like any other. */
function put(target: Record<string, unknown> | unknown[], name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

function applyEdit(value: unknown, edit: StringEdit): unknown {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  switch (edit.op) {
    case 'append':
      return text + edit.text;
    case 'prepend':
      return edit.text + text;
    case 'insert': {
      const at = text.length === 0 ? 0 : edit.at % (text.length + 1);
      return text.slice(0, at) + edit.text + text.slice(at);
    }
    case 'repeat':
      return (text || 'x').repeat(Math.ceil(edit.length / Math.max(1, text.length))).slice(0, edit.length);
  }
}

/** Every place inside a JSON value: [container, name] pairs, outermost first. */
function places(value: unknown): [Record<string, unknown> | unknown[], string][] {
  const out: [Record<string, unknown> | unknown[], string][] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 50 || v === null || typeof v !== 'object') return;
    for (const name of Object.keys(v)) {
      out.push([v as Record<string, unknown>, name]);
      walk((v as Record<string, unknown>)[name], depth + 1);
    }
  };
  walk(value, 0);
  return out;
}

/** The structured-mode JSON object of a case, with `id` as the base id before the mutations. */
export function buildEvent(c: EventCase, id: string): Record<string, unknown> {
  const event = structuredClone(c.event);
  event.id = id;
  for (const m of c.mutations) {
    switch (m.kind) {
      case 'set':
        put(event, m.attribute, m.value);
        break;
      case 'delete':
        delete event[m.attribute];
        break;
      case 'edit':
        event[m.attribute] = applyEdit(event[m.attribute], m.edit);
        break;
      case 'data-set':
      case 'data-edit':
      case 'data-delete': {
        const all = places(event.data);
        if (all.length === 0) break;
        const [container, name] = all[m.path % all.length];
        const current = (container as Record<string, unknown>)[name];
        if (m.kind === 'data-set') put(container, name, m.value);
        else if (m.kind === 'data-edit') put(container, name, applyEdit(current, m.edit));
        else if (Array.isArray(container)) container.splice(Number(name), 1);
        else delete container[name];
        break;
      }
      case 'data-add':
        if (event.data !== null && typeof event.data === 'object')
          put(event.data as Record<string, unknown>, m.name, m.value);
        break;
      case 'data-replace':
        event.data = m.value;
        break;
    }
  }
  return event;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where a value holds a character PostgreSQL cannot store (NUL) or that UTF-8 cannot encode (a lone surrogate). */
export function unstorableAt(value: unknown, pointer = ''): string | undefined {
  const bad = (s: string): boolean => s.includes('\u0000') || LONE_SURROGATE.test(s);
  if (typeof value === 'string') return bad(value) ? pointer || '/' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [name, v] of Object.entries(value)) {
    const here = `${pointer}/${name}`;
    if (bad(name)) return here;
    const found = unstorableAt(v, here);
    if (found) return found;
  }
  return undefined;
}

/** How a string reads back from a Kafka header (UTF-8 bytes): lone surrogates become U+FFFD. */
export function asStored(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/**
 * A CloudEvent's attributes as binary-mode headers. HTTP header values are bytes: a client sends
 * UTF-8 and the server reads them as Latin-1; NUL, CR and LF cannot be sent at all. Values are cut
 * at 1,000 bytes to stay under Node's 16 KiB header limit: long values are fuzzed in structured and
 * batch mode, and the header limit has a test of its own.
 */
export function binaryHeaders(event: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const headerName = `ce-${name}`.toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(headerName)) continue;
    headers[headerName] = headerValue(text).slice(0, 1_000).trim();
  }
  return headers;
}

export function headerValue(text: string): string {
  return Buffer.from(text, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '')
    .trim();
}
