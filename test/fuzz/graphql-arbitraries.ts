import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { oddString } from './cloudevent-arbitraries';

/**
 * Generated GraphQL operations for the gateway fuzz suite: built from the schema (so most are valid or
 * nearly so, and reach the resolvers and the access policy), then sometimes broken at the text level.
 * Drawn with fast-check's `gen`, so every choice shrinks and replays from the seed.
 */

/** The dossier subgraph's SDL as a plain schema (federation's @key declared, Query not an extension). */
export function subgraphSchema(sdl: string): GraphQLSchema {
  return buildSchema(
    `directive @key(fields: String!) on OBJECT | INTERFACE\n${sdl.replace('extend type Query', 'type Query')}`,
  );
}

type Gen = fc.GeneratorValue;

const weirdScalar = fc.oneof(
  oddString,
  fc.integer(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 1e20, -0.5, 0, true, false, null),
);

/** A value for an input type, right most of the time, as JSON (variables) and as GraphQL text. */
function inputValue(g: Gen, type: GraphQLInputType, depth: number): unknown {
  if (g(fc.nat, 19) === 0) return g(() => weirdScalar);
  if (isNonNullType(type)) return inputValue(g, type.ofType, depth);
  if (g(fc.nat, 9) === 0) return null;
  if (isListType(type)) {
    const n = depth > 3 ? 0 : g(fc.nat, 3);
    return Array.from({ length: n }, () => inputValue(g, type.ofType, depth + 1));
  }
  if (isEnumType(type)) return g(fc.constantFrom, ...type.getValues().map((v) => v.name), 'NOT_A_STATUS');
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields()))
      if (depth < 4 && g(fc.boolean)) out[field.name] = inputValue(g, field.type, depth + 1);
    return out;
  }
  switch (type.name) {
    case 'Int':
      return g(() =>
        fc.oneof(fc.integer({ min: -5, max: 300 }), fc.integer(), fc.constantFrom(2 ** 31, 1e15)),
      );
    case 'Float':
      return g(fc.double, { noNaN: true, noDefaultInfinity: true });
    case 'Boolean':
      return g(fc.boolean);
    default:
      return g(() =>
        fc.oneof(
          fc.constantFrom(
            '000.00.01.H22',
            '000.00.01.H22-201010-0001',
            '022090000000',
            '2026-11-20T08:00:00+07:00',
          ),
          fc.string({ maxLength: 30 }),
          oddString,
        ),
      );
  }
}

/** GraphQL literal text of a JSON value (enum names bare where the type is an enum). */
function literal(value: unknown, type: GraphQLInputType | undefined): string {
  const named = type ? getNamedType(type) : undefined;
  if (typeof value === 'string' && named && isEnumType(named) && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value))
    return value;
  if (Array.isArray(value)) {
    const item = type && isNonNullType(type) ? type.ofType : type;
    const inner = item && isListType(item) ? item.ofType : undefined;
    return `[${value.map((v) => literal(v, inner)).join(', ')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const fields = named && isInputObjectType(named) ? named.getFields() : {};
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v, fields[k]?.type)}`)
      .join(', ')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

export interface Operation {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
}

/** A query built from the schema: root fields, arguments as literals or variables, nested selections. */
export function buildOperation(g: Gen, schema: GraphQLSchema): Operation {
  const declared: string[] = [];
  const variables: Record<string, unknown> = {};
  const maxDepth = g(fc.integer, { min: 2, max: 10 });

  const args = (list: readonly GraphQLArgument[]): string => {
    const chosen = list.filter((a) => isNonNullType(a.type) || g(fc.boolean));
    if (chosen.length === 0) return '';
    const parts = chosen.map((a) => {
      const value = inputValue(g, a.type, 0);
      if (!g(fc.boolean)) return `${a.name}: ${literal(value, a.type)}`;
      const name = `v${declared.length}`;
      // Sometimes declared with a type that does not fit the argument.
      const declaredType =
        g(fc.nat, 9) === 0 ? g(fc.constantFrom, 'Int', 'String!', '[String]', 'Nope') : String(a.type);
      declared.push(`$${name}: ${declaredType}`);
      if (g(fc.nat, 9) !== 0) variables[name] = value;
      return `${a.name}: $${name}`;
    });
    return `(${parts.join(', ')})`;
  };

  const select = (fields: GraphQLField<unknown, unknown>[], depth: number): string => {
    const usable = depth >= maxDepth ? fields.filter((f) => isLeafType(getNamedType(f.type))) : fields;
    if (usable.length === 0) return '{ __typename }';
    // Indices, not the fields: `gen` compares its arguments deeply, and schema objects are cyclic.
    const picked = g(fc.shuffledSubarray, [...usable.keys()], {
      minLength: 1,
      maxLength: Math.min(4, usable.length),
    }).map((i) => usable[i]);
    const parts = picked.map((f) => {
      const named = getNamedType(f.type);
      const alias = g(fc.nat, 7) === 0 ? `a${depth}_${f.name}: ` : '';
      const inner = isObjectType(named) ? ` ${select(Object.values(named.getFields()), depth + 1)}` : '';
      const directive =
        g(fc.nat, 11) === 0 ? ' @include(if: true)' : g(fc.nat, 11) === 0 ? ' @skip(if: false)' : '';
      return `${alias}${f.name}${args(f.args)}${directive}${inner}`;
    });
    if (g(fc.nat, 9) === 0) parts.push('__typename');
    return `{ ${parts.join(' ')} }`;
  };

  const query = schema.getQueryType();
  if (!query) throw new Error('the schema has no Query type');
  const body = select(Object.values(query.getFields()), 1);
  const named = g(fc.boolean);
  const name = named ? g(fc.constantFrom, 'Q', 'dossierQuery', 'x_1') : undefined;
  const head =
    declared.length > 0 || named
      ? `query ${name ?? ''}${declared.length ? `(${declared.join(', ')})` : ''} `
      : '';
  return { query: `${head}${body}`, variables, operationName: name };
}

const FRAGMENTS = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  '$',
  '$v0',
  '...',
  '... on Dossier { code }',
  '...F',
  'fragment F on Dossier { code }',
  '@include(if: $nope)',
  '#',
  '"',
  '"""',
  '\\',
  ':',
  '!',
  ',',
  'query',
  'mutation',
  'subscription',
  '__schema { types { name fields { name } } }',
  '__type(name: "Dossier") { name }',
  'dossier(code: "x") { history { status } }',
  '\u0000',
  '\uD800',
];

export type TextChange =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'repeat'; at: number; length: number; times: number };

export const textChange: fc.Arbitrary<TextChange> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS) }, oddString),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({
    kind: fc.constant('repeat' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 30 }),
    times: fc.integer({ min: 2, max: 200 }),
  }),
);

export function applyTextChange(text: string, change: TextChange): string {
  const at = change.at % (text.length + 1);
  switch (change.kind) {
    case 'insert':
      return text.slice(0, at) + change.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + change.length);
    case 'repeat':
      return text.slice(0, at) + text.slice(at, at + change.length).repeat(change.times) + text.slice(at);
  }
}
