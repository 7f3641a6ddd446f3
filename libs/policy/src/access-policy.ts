import { readFileSync } from 'node:fs';
import {
  getNamedType,
  getOperationAST,
  isEnumType,
  isInputObjectType,
  isAbstractType,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLArgument,
  type GraphQLEnumValue,
  type GraphQLDirective,
  type GraphQLType,
  type SelectionNode,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * The access policy, one file an administrator can read (config/policy.dev.json in development):
 * which fields belong to which domain, which fields are sensitive and in which category, what each
 * consumer is granted, the accepted purposes of use, and the query limits.
 */
export interface PolicyDocument {
  purposes: Record<string, string>;
  categories: Record<string, string>;
  /** domain → field coordinates (Type.field) that read it */
  domains: Record<string, string[]>;
  /** category → field coordinates */
  sensitive: Record<string, string[]>;
  /**
   * What identifies no one: field coordinates (Type.field) and whole types (Type). Every field of the
   * served schema must be here or in a sensitive category, or the service does not start.
   */
  public: string[];
  /** what a category's value becomes without the grant: masked, or the whole request refused */
  onMissingCategory: 'mask' | 'refuse';
  /** field coordinate → whose data it is (its value names a citizen or a record), for the audit trail */
  subjects: Record<string, 'citizen' | 'record'>;
  /** per consumer: the domains and categories it may read, and the purposes of use it may declare */
  consumers: Record<string, { domains: string[]; categories: string[]; purposes: string[] }>;
  limits: Limits;
}

export interface Limits {
  maxDepth: number;
  /** fields a query may read, lists counted at their size */
  maxCost: number;
  /** items a list returns without first/last/limit: the estimate and the resolvers use this one number */
  defaultListSize: number;
  /** the most items one list returns, whatever first/last/limit asks */
  maxListSize: number;
  /** fields an operation's introspection (__schema, __type) may return, counted exactly */
  maxIntrospectionCost: number;
  /** the largest response body, in bytes (UTF-8 JSON) */
  maxResponseBytes: number;
}

/** How many items a list resolver returns for its first/last/limit argument (shared with the estimate). */
export function listSizeFor(requested: number | null | undefined, limits: Limits): number {
  if (requested === null || requested === undefined || !Number.isFinite(requested))
    return limits.defaultListSize;
  return Math.min(Math.max(Math.trunc(requested), 1), limits.maxListSize);
}

export interface Grants {
  consumer: string;
  domains: Set<string>;
  categories: Set<string>;
  purposes: Set<string>;
}

export interface Analysis {
  depth: number;
  cost: number;
  /** coordinates the consumer may not read (domain not granted, or a refused category) */
  refused: { coordinate: string; reason: string }[];
  /** category of each sensitive coordinate the request reads, and whether it is granted */
  sensitive: Map<string, { category: string; granted: boolean }>;
  domains: Set<string>;
  /** reads personal data: a sensitive field or a citizen */
  personal: boolean;
  /** fields the operation's introspection returns (__schema, __type), counted exactly */
  introspectionCost: number;
  /** the operation asks for the schema: __schema, __type or a subgraph's _service */
  introspection: boolean;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

export class AccessPolicy {
  private readonly domainOf = new Map<string, string>();
  private readonly categoryOf = new Map<string, string>();
  private readonly publicNames: Set<string>;

  constructor(readonly document: PolicyDocument) {
    for (const [domain, coordinates] of Object.entries(document.domains))
      for (const c of coordinates) this.domainOf.set(c, domain);
    for (const [category, coordinates] of Object.entries(document.sensitive)) {
      if (!document.categories[category])
        throw new Error(`policy: sensitive category ${category} is not described`);
      for (const c of coordinates) {
        const other = this.categoryOf.get(c);
        if (other && other !== category)
          throw new Error(`policy: ${c} is in two sensitive categories (${other}, ${category})`);
        this.categoryOf.set(c, category);
      }
    }
    if (!Array.isArray(document.public))
      throw new Error('policy: "public" must list the fields (Type.field) and types that identify no one');
    this.publicNames = new Set(document.public);
    for (const c of this.publicNames)
      if (this.categoryOf.has(c))
        throw new Error(`policy: ${c} is both public and in the ${this.categoryOf.get(c)} category`);
    for (const [id, consumer] of Object.entries(document.consumers)) {
      if (!Array.isArray(consumer.purposes))
        throw new Error(`policy: consumers.${id}.purposes must list the purposes ${id} may declare`);
      for (const purpose of consumer.purposes)
        if (!Object.hasOwn(document.purposes, purpose))
          throw new Error(`policy: consumers.${id}.purposes: ${purpose} is not a described purpose`);
    }
    for (const name of [
      'maxDepth',
      'maxCost',
      'defaultListSize',
      'maxListSize',
      'maxIntrospectionCost',
      'maxResponseBytes',
    ] as const) {
      const value = document.limits?.[name];
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`policy: limits.${name} must be a positive integer`);
    }
    if (document.limits.defaultListSize > document.limits.maxListSize)
      throw new Error('policy: limits.defaultListSize must not exceed limits.maxListSize');
  }

  static fromFile(path: string): AccessPolicy {
    return new AccessPolicy(JSON.parse(readFileSync(path, 'utf8')) as PolicyDocument);
  }

  /** A consumer's grants; a caller the policy does not list is granted nothing. */
  grantsOf(consumer: string): Grants {
    const granted = Object.hasOwn(this.document.consumers, consumer)
      ? this.document.consumers[consumer]
      : undefined;
    return {
      consumer,
      domains: new Set(granted?.domains ?? []),
      categories: new Set(granted?.categories ?? []),
      purposes: new Set(granted?.purposes ?? []),
    };
  }

  /** How many items a list resolver returns for its first/last/limit argument: as the estimate counts it. */
  listSize(requested: number | null | undefined): number {
    return listSizeFor(requested, this.document.limits);
  }

  isPurpose(value: string | undefined): boolean {
    return value !== undefined && Object.hasOwn(this.document.purposes, value);
  }

  categoryOfField(coordinate: string): string | undefined {
    return this.categoryOf.get(coordinate);
  }

  /**
   * The fields of `schema` the policy does not classify (neither public nor in a sensitive category).
   * Federation's own fields and types (leading underscore) and introspection are not data.
   */
  unclassified(schema: GraphQLSchema): string[] {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('_') || !(isObjectType(type) || isInterfaceType(type))) continue;
      if (this.publicNames.has(type.name)) continue;
      for (const name of Object.keys(type.getFields())) {
        if (name.startsWith('_')) continue;
        const coordinate = `${type.name}.${name}`;
        if (!this.publicNames.has(coordinate) && !this.categoryOf.has(coordinate)) missing.push(coordinate);
      }
    }
    return missing.sort();
  }

  /** Refuses to serve a schema with a field the policy does not classify: a new field cannot leak by default. */
  assertClassifies(schema: GraphQLSchema, policyFile = 'the policy file'): void {
    const missing = this.unclassified(schema);
    if (missing.length > 0)
      throw new Error(
        `policy: ${missing.length} field(s) of the schema are not classified in ${policyFile}: ${missing.join(', ')}. ` +
          'Add each to "public" (identifies no one) or to a category under "sensitive".',
      );
  }

  /**
   * Depth, cost, domains and sensitive fields of the operation `operationName` names (the one that is
   * executed), judged against the grants. Lists count at their first/last/limit (capped as the resolvers
   * cap them) or at the default size the resolvers use; a connection's first counts for its list.
   */
  analyse(
    schema: GraphQLSchema,
    document: DocumentNode,
    grants: Grants,
    variables: Record<string, unknown> = {},
    operationName?: string,
  ): Analysis {
    const operation = getOperationAST(document, operationName);
    const result: Analysis = {
      depth: 0,
      cost: 0,
      refused: [],
      sensitive: new Map(),
      domains: new Set(),
      personal: false,
      introspectionCost: 0,
      introspection: false,
    };
    if (!operation) return result;
    const root = schema.getRootType(operation.operation);
    if (!root) return result;
    const limits = this.document.limits;
    const walk: Walk = { schema, fragments: fragmentsOf(document), variables };
    const introspection = new IntrospectionCounter(walk, limits.maxIntrospectionCost);
    const visit = (
      set: SelectionSetNode,
      parent: GraphQLNamedType,
      depth: number,
      multiplier: number,
      /** a connection's first/last: the size of the list right below it */
      pending: number | undefined,
    ): void => {
      result.depth = Math.max(result.depth, depth);
      for (const selection of set.selections) {
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const fragment = walk.fragments.get(selection.name.value);
          if (fragment)
            visit(
              fragment.selectionSet,
              typeNamed(schema, fragment.typeCondition.name.value, parent),
              depth,
              multiplier,
              pending,
            );
          continue;
        }
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const type = selection.typeCondition
            ? typeNamed(schema, selection.typeCondition.name.value, parent)
            : parent;
          visit(selection.selectionSet, type, depth, multiplier, pending);
          continue;
        }
        const name = selection.name.value;
        result.cost += multiplier;
        if (name === '__typename') continue;
        if (name === '__schema' || name === '__type') {
          // What introspection returns depends on the schema alone: counted exactly, item by item,
          // and no further than the limit (aliases and fragments included).
          result.introspection = true;
          if (result.introspectionCost <= limits.maxIntrospectionCost)
            result.introspectionCost += introspection.root(selection, multiplier);
          continue;
        }
        if (!(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[name];
        if (!field) continue;
        const coordinate = `${parent.name}.${name}`;
        if (parent === root && name === '_service') result.introspection = true;
        const domain = this.domainOf.get(coordinate);
        if (domain) {
          result.domains.add(domain);
          if (!grants.domains.has(domain))
            result.refused.push({
              coordinate,
              reason: `the ${domain} domain is not granted to ${grants.consumer}`,
            });
        }
        const category = this.categoryOf.get(coordinate);
        if (category) {
          result.personal = true;
          const granted = grants.categories.has(category);
          result.sensitive.set(coordinate, { category, granted });
          if (!granted && this.document.onMissingCategory === 'refuse')
            result.refused.push({
              coordinate,
              reason: `the ${category} category is not granted to ${grants.consumer}`,
            });
        }
        if (this.document.subjects[coordinate] === 'citizen') result.personal = true;
        const requested = sizeArgument(selection.arguments ?? [], walk.variables);
        const list = isList(field.type);
        const size = list
          ? (entities(selection.arguments ?? [], walk.variables) ??
            (requested !== undefined ? listSizeFor(requested, limits) : (pending ?? limits.defaultListSize)))
          : 1;
        if (selection.selectionSet)
          visit(
            selection.selectionSet,
            getNamedType(field.type),
            depth + 1,
            multiplier * size,
            list || requested === undefined ? undefined : listSizeFor(requested, limits),
          );
      }
    };
    visit(operation.selectionSet, root, 1, 1, undefined);
    return result;
  }

  /**
   * Masks, in place, every value of a sensitive field whose category is not granted, and collects
   * the citizens and records the response names (for the audit trail). Returns what was masked.
   */
  maskAndCollect(
    schema: GraphQLSchema,
    document: DocumentNode,
    data: Record<string, unknown> | null | undefined,
    grants: Grants,
    operationName?: string,
    variables: Record<string, unknown> = {},
  ): { masked: Set<string>; read: Set<string>; citizens: Set<string>; records: Set<string> } {
    const out = {
      masked: new Set<string>(),
      read: new Set<string>(),
      citizens: new Set<string>(),
      records: new Set<string>(),
    };
    const operation = getOperationAST(document, operationName);
    const root = schema.getQueryType();
    if (!data || !operation || !root) return out;
    const fragments = fragmentsOf(document);
    const visitObject = (
      set: SelectionSetNode,
      parent: GraphQLNamedType,
      value: Record<string, unknown>,
    ): void => {
      const typename = typeof value.__typename === 'string' ? value.__typename : undefined;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const fragment = fragments.get(selection.name.value);
          if (fragment && applies(schema, fragment.typeCondition.name.value, parent, typename))
            visitObject(
              fragment.selectionSet,
              typeNamed(schema, fragment.typeCondition.name.value, parent),
              value,
            );
          continue;
        }
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition?.name.value;
          if (!condition || applies(schema, condition, parent, typename))
            visitObject(
              selection.selectionSet,
              condition ? typeNamed(schema, condition, parent) : parent,
              value,
            );
          continue;
        }
        const name = selection.name.value;
        const key = selection.alias?.value ?? name;
        if (!(key in value) || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[name];
        if (!field) continue;
        const coordinate = `${parent.name}.${name}`;
        const category = this.categoryOf.get(coordinate);
        if (category && !grants.categories.has(category)) {
          value[key] = mask(value[key], category);
          out.masked.add(coordinate);
          continue;
        }
        if (category) out.read.add(coordinate);
        const subject = this.document.subjects[coordinate];
        // A field that returns the subject's record names it by its argument (citizen(personalId:)).
        const named =
          typeof value[key] === 'string'
            ? value[key]
            : value[key] !== null && value[key] !== undefined
              ? firstStringArgument(selection.arguments ?? [], variables)
              : undefined;
        if (subject && named !== undefined) (subject === 'citizen' ? out.citizens : out.records).add(named);
        if (selection.selectionSet) visitValue(selection.selectionSet, getNamedType(field.type), value[key]);
      }
    };
    const visitValue = (set: SelectionSetNode, type: GraphQLNamedType, value: unknown): void => {
      if (Array.isArray(value)) for (const item of value) visitValue(set, type, item);
      else if (value && typeof value === 'object') visitObject(set, type, value as Record<string, unknown>);
    };
    visitObject(operation.selectionSet, root, data);
    return out;
  }
}

type Introspected =
  | { kind: '__Schema' }
  | { kind: '__Type'; type: GraphQLType }
  | { kind: '__Field'; field: GraphQLField<unknown, unknown> }
  | { kind: '__InputValue'; value: GraphQLArgument | GraphQLInputField }
  | { kind: '__EnumValue'; value: GraphQLEnumValue }
  | { kind: '__Directive'; directive: GraphQLDirective };

/**
 * Counts the fields an introspection selection returns, walking the schema as graphql would answer
 * it, without building the answer, and stopping as soon as the count passes the limit.
 */
class IntrospectionCounter {
  private count = 0;

  constructor(
    private readonly walk: Walk,
    private readonly limit: number,
  ) {}

  /** The fields `__schema { … }` or `__type(name:) { … }` returns, times `multiplier` (its enclosing lists). */
  root(selection: SelectionNode & { kind: Kind.FIELD }, multiplier: number): number {
    this.count = 0;
    const { schema } = this.walk;
    if (!selection.selectionSet) return multiplier;
    if (selection.name.value === '__schema') this.object(selection.selectionSet, { kind: '__Schema' });
    else {
      const arg = selection.arguments?.find((a) => a.name.value === 'name')?.value;
      const name =
        arg?.kind === Kind.STRING
          ? arg.value
          : arg?.kind === Kind.VARIABLE
            ? this.walk.variables[arg.name.value]
            : undefined;
      const type = typeof name === 'string' ? schema.getType(name) : undefined;
      if (type) this.object(selection.selectionSet, { kind: '__Type', type });
    }
    return (this.count + 1) * multiplier;
  }

  private object(set: SelectionSetNode, value: Introspected): void {
    for (const selection of set.selections) {
      if (this.count > this.limit) return;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = this.walk.fragments.get(selection.name.value);
        if (fragment) this.object(fragment.selectionSet, value);
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        this.object(selection.selectionSet, value);
        continue;
      }
      this.count += 1;
      if (!selection.selectionSet) continue;
      for (const child of this.children(value, selection.name.value))
        this.object(selection.selectionSet, child);
    }
  }

  /** The introspection objects a field of `value` returns (leaves return none). */
  private children(value: Introspected, field: string): Introspected[] {
    const { schema } = this.walk;
    const types = (list: readonly GraphQLType[]): Introspected[] =>
      list.map((type) => ({ kind: '__Type', type }));
    const inputs = (list: readonly (GraphQLArgument | GraphQLInputField)[]): Introspected[] =>
      list.map((v) => ({ kind: '__InputValue', value: v }));
    switch (value.kind) {
      case '__Schema':
        if (field === 'types') return types(Object.values(schema.getTypeMap()));
        if (field === 'directives')
          return schema.getDirectives().map((directive) => ({ kind: '__Directive', directive }));
        if (field === 'queryType' || field === 'mutationType' || field === 'subscriptionType') {
          const type =
            field === 'queryType'
              ? schema.getQueryType()
              : field === 'mutationType'
                ? schema.getMutationType()
                : schema.getSubscriptionType();
          return type ? types([type]) : [];
        }
        return [];
      case '__Type': {
        const type = value.type;
        if (field === 'ofType') return 'ofType' in type ? types([type.ofType as GraphQLType]) : [];
        if (field === 'fields' && (isObjectType(type) || isInterfaceType(type)))
          return Object.values(type.getFields()).map((f) => ({ kind: '__Field', field: f }));
        if (field === 'interfaces' && (isObjectType(type) || isInterfaceType(type)))
          return types(type.getInterfaces());
        if (field === 'possibleTypes' && isAbstractType(type)) return types(schema.getPossibleTypes(type));
        if (field === 'enumValues' && isEnumType(type))
          return type.getValues().map((v) => ({ kind: '__EnumValue', value: v }));
        if (field === 'inputFields' && isInputObjectType(type))
          return inputs(Object.values(type.getFields()));
        return [];
      }
      case '__Field':
        if (field === 'args') return inputs(value.field.args);
        if (field === 'type') return types([value.field.type]);
        return [];
      case '__InputValue':
        return field === 'type' ? types([value.value.type]) : [];
      case '__Directive':
        return field === 'args' ? inputs(value.directive.args) : [];
      case '__EnumValue':
        return [];
    }
  }
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
}

function typeNamed(schema: GraphQLSchema, name: string, fallback: GraphQLNamedType): GraphQLNamedType {
  return schema.getType(name) ?? fallback;
}

/** Whether a fragment on `condition` applies to an object of the parent type (and __typename when known). */
function applies(
  schema: GraphQLSchema,
  condition: string,
  parent: GraphQLNamedType,
  typename?: string,
): boolean {
  if (typename) {
    if (condition === typename) return true;
    const type = schema.getType(condition);
    const actual = schema.getType(typename);
    return Boolean(
      type &&
      actual &&
      (isInterfaceType(type) || isUnionType(type)) &&
      isObjectType(actual) &&
      schema.isSubType(type, actual),
    );
  }
  return condition === parent.name || isInterfaceType(parent) || isUnionType(parent);
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** Federation's _entities returns one item per representation: the variable says how many. */
function entities(
  args: readonly { name: { value: string }; value: ValueNode }[],
  variables: Record<string, unknown>,
): number | undefined {
  const arg = args.find((a) => a.name.value === 'representations');
  if (!arg) return undefined;
  if (arg.value.kind === Kind.LIST) return arg.value.values.length;
  if (arg.value.kind === Kind.VARIABLE) {
    const given = variables[arg.value.name.value];
    if (Array.isArray(given)) return given.length;
  }
  return undefined;
}

function firstStringArgument(
  args: readonly { value: ValueNode }[],
  variables: Record<string, unknown>,
): string | undefined {
  for (const { value } of args) {
    if (value.kind === Kind.STRING) return value.value;
    if (value.kind === Kind.VARIABLE && typeof variables[value.name.value] === 'string')
      return variables[value.name.value] as string;
  }
  return undefined;
}

/** The first, last or limit argument of a field, from a literal or a variable. */
function sizeArgument(
  args: readonly { name: { value: string }; value: ValueNode }[],
  variables: Record<string, unknown>,
): number | undefined {
  for (const arg of args) {
    if (arg.name.value !== 'first' && arg.name.value !== 'last' && arg.name.value !== 'limit') continue;
    const v = arg.value;
    if (v.kind === Kind.INT) return Number(v.value);
    if (v.kind === Kind.VARIABLE && typeof variables[v.name.value] === 'number')
      return variables[v.name.value] as number;
  }
  return undefined;
}

/** What a consumer without the grant sees: strings masked but for the last characters, numbers as null. */
function mask(value: unknown, category: string): unknown {
  if (Array.isArray(value)) return value.map((v) => mask(v, category));
  if (typeof value === 'string')
    return category === 'personal-id' && value.length > 4
      ? `${'*'.repeat(value.length - 3)}${value.slice(-3)}`
      : '***';
  if (typeof value === 'number') return null;
  return value;
}
