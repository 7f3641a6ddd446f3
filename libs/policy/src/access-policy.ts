import { readFileSync } from 'node:fs';
import {
  getNamedType,
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
  /** what a category's value becomes without the grant: masked, or the whole request refused */
  onMissingCategory: 'mask' | 'refuse';
  /** field coordinate → whose data it is (its value names a citizen or a record), for the audit trail */
  subjects: Record<string, 'citizen' | 'record'>;
  consumers: Record<string, { domains: string[]; categories: string[] }>;
  limits: { maxDepth: number; maxCost: number; defaultListSize: number };
}

export interface Grants {
  consumer: string;
  domains: Set<string>;
  categories: Set<string>;
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
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

export class AccessPolicy {
  private readonly domainOf = new Map<string, string>();
  private readonly categoryOf = new Map<string, string>();

  constructor(readonly document: PolicyDocument) {
    for (const [domain, coordinates] of Object.entries(document.domains))
      for (const c of coordinates) this.domainOf.set(c, domain);
    for (const [category, coordinates] of Object.entries(document.sensitive)) {
      if (!document.categories[category])
        throw new Error(`policy: sensitive category ${category} is not described`);
      for (const c of coordinates) this.categoryOf.set(c, category);
    }
  }

  static fromFile(path: string): AccessPolicy {
    return new AccessPolicy(JSON.parse(readFileSync(path, 'utf8')) as PolicyDocument);
  }

  /** A consumer's grants; a caller the policy does not list is granted nothing. */
  grantsOf(consumer: string): Grants {
    const granted = this.document.consumers[consumer];
    return {
      consumer,
      domains: new Set(granted?.domains ?? []),
      categories: new Set(granted?.categories ?? []),
    };
  }

  isPurpose(value: string | undefined): boolean {
    return value !== undefined && Object.hasOwn(this.document.purposes, value);
  }

  categoryOfField(coordinate: string): string | undefined {
    return this.categoryOf.get(coordinate);
  }

  /** Depth, cost, domains and sensitive fields of one operation, judged against the grants. */
  analyse(
    schema: GraphQLSchema,
    document: DocumentNode,
    grants: Grants,
    variables: Record<string, unknown> = {},
    operationName?: string,
  ): Analysis {
    const operation = document.definitions.find(
      (d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
    );
    const result: Analysis = {
      depth: 0,
      cost: 0,
      refused: [],
      sensitive: new Map(),
      domains: new Set(),
      personal: false,
    };
    if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return result;
    const root = schema.getRootType(operation.operation);
    if (!root) return result;
    const walk: Walk = { schema, fragments: fragmentsOf(document), variables };
    const visit = (
      set: SelectionSetNode,
      parent: GraphQLNamedType,
      depth: number,
      multiplier: number,
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
            );
          continue;
        }
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const type = selection.typeCondition
            ? typeNamed(schema, selection.typeCondition.name.value, parent)
            : parent;
          visit(selection.selectionSet, type, depth, multiplier);
          continue;
        }
        const name = selection.name.value;
        if (name.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[name];
        if (!field) continue;
        const coordinate = `${parent.name}.${name}`;
        result.cost += multiplier;
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
        if (selection.selectionSet) {
          const size = isList(field.type)
            ? listSize(selection.arguments ?? [], walk.variables, this.document.limits.defaultListSize)
            : 1;
          visit(selection.selectionSet, getNamedType(field.type), depth + 1, multiplier * size);
        }
      }
    };
    visit(operation.selectionSet, root, 1, 1);
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
  ): { masked: Set<string>; read: Set<string>; citizens: Set<string>; records: Set<string> } {
    const out = {
      masked: new Set<string>(),
      read: new Set<string>(),
      citizens: new Set<string>(),
      records: new Set<string>(),
    };
    const operation = document.definitions.find(
      (d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
    );
    const root = schema.getQueryType();
    if (!data || !operation || operation.kind !== Kind.OPERATION_DEFINITION || !root) return out;
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
        if (subject && typeof value[key] === 'string')
          (subject === 'citizen' ? out.citizens : out.records).add(value[key]);
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

function listSize(
  args: readonly { name: { value: string }; value: ValueNode }[],
  variables: Record<string, unknown>,
  fallback: number,
): number {
  for (const arg of args) {
    // Federation's _entities returns one item per representation: the variable says how many.
    if (arg.name.value === 'representations' && arg.value.kind === Kind.VARIABLE) {
      const given = variables[arg.value.name.value];
      if (Array.isArray(given)) return given.length;
    }
    if (arg.name.value !== 'first' && arg.name.value !== 'limit') continue;
    const v = arg.value;
    if (v.kind === Kind.INT) return Number(v.value);
    if (v.kind === Kind.VARIABLE && typeof variables[v.name.value] === 'number')
      return variables[v.name.value] as number;
  }
  return fallback;
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
