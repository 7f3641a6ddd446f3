import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  isEventType,
  readSchemaFiles,
  type CloudEvent,
  type EventDataMap,
  type EventType,
  type HubEvent,
  type SchemaFile,
} from '@lgsp/contracts';
import type { ValidationIssue } from '@lgsp/core';

export interface EventSchema {
  type: EventType;
  /** the data property whose value keys the Kafka record (the aggregate's id) */
  keyField: string;
  validate: ValidateFunction;
}

export type ValidationResult<T> = { ok: true; data: T } | { ok: false; issues: ValidationIssue[] };

/** A decoded event checked against its type's schema: valid, it is a `HubEvent` with its record key. */
export type EventValidation =
  { ok: true; event: HubEvent; key: string } | { ok: false; issues: ValidationIssue[] };

/**
 * Loads every schema file once, compiles one validator per event type (ajv strict mode, formats),
 * and answers with every failing JSON pointer. An event type this build's contracts were not generated
 * from (a schema file added to a deployed schemas folder) is compiled, so its file is checked, but not
 * known: no code of this build could handle its events.
 */
export class SchemaRegistry {
  private readonly byType: ReadonlyMap<EventType, EventSchema>;

  constructor(files: SchemaFile[] = readSchemaFiles()) {
    const key = JSON.stringify(files);
    let byType = compiled.get(key);
    if (!byType) {
      byType = compile(files);
      compiled.set(key, byType);
    }
    this.byType = byType;
  }

  types(): EventType[] {
    return [...this.byType.keys()].sort();
  }

  has(type: string): type is EventType {
    return isEventType(type) && this.byType.has(type);
  }

  get(type: string): EventSchema | undefined {
    return isEventType(type) ? this.byType.get(type) : undefined;
  }

  /**
   * Validates a decoded event's data against the schema of its type, and finds its record key. A pass
   * makes it a `HubEvent`, the member of the union its type names. Pointers start with /data.
   */
  validateEvent(event: CloudEvent): EventValidation {
    const schema = this.get(event.type);
    if (!schema) return { ok: false, issues: [unknownType(event.type)] };
    if (!accepts(schema, event)) return { ok: false, issues: (schema.validate.errors ?? []).map(toIssue) };
    const key = this.keyOf(event.type, event.data);
    if (key === undefined)
      return {
        ok: false,
        issues: [{ pointer: `/data/${schema.keyField}`, message: 'must be the record key' }],
      };
    return { ok: true, event, key };
  }

  /** Validates an event's data. Pointers are relative to the event, so they start with /data. */
  validate<T extends EventType>(type: T, data: unknown): ValidationResult<EventDataMap[T]>;
  validate(type: string, data: unknown): ValidationResult<unknown>;
  validate(type: string, data: unknown): ValidationResult<unknown> {
    const schema = this.get(type);
    if (!schema) return { ok: false, issues: [unknownType(type)] };
    if (schema.validate(data)) return { ok: true, data };
    return { ok: false, issues: (schema.validate.errors ?? []).map(toIssue) };
  }

  /** The record key for an event: the value of the schema's key field (validated data only). */
  keyOf(type: string, data: unknown): string | undefined {
    const schema = this.get(type);
    if (!schema || typeof data !== 'object' || data === null) return undefined;
    const value = (data as Record<string, unknown>)[schema.keyField];
    return typeof value === 'string' ? value : undefined;
  }
}

/**
 * The validator compiled from the schema file of the event's type accepted its data: the event is that
 * member of `HubEvent`, whose data type was generated from the same file (CI checks it is current).
 */
function accepts(schema: EventSchema, event: CloudEvent): event is HubEvent {
  return event.type === schema.type && schema.validate(event.data);
}

function unknownType(type: string): ValidationIssue {
  return { pointer: '/type', message: `unknown event type ${type}` };
}

/**
 * Validators compiled, by the schema files they come from: the services of one process (the hub) read
 * the same files, and compiling them is a good part of a service's start. A validator keeps no state
 * between calls but its `errors`, read right after the call.
 */
const compiled = new Map<string, ReadonlyMap<EventType, EventSchema>>();

function compile(files: SchemaFile[]): ReadonlyMap<EventType, EventSchema> {
  const byType = new Map<EventType, EventSchema>();
  const ajv = new Ajv2020({ strict: true, allErrors: true, strictRequired: false });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-lgsp-type', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-lgsp-key', schemaType: 'string' });
  for (const file of files) ajv.addSchema(file.schema);
  const seen = new Set<string>();
  for (const file of files) {
    const type = file.schema['x-lgsp-type'];
    if (!type) continue;
    const keyField = file.schema['x-lgsp-key'];
    if (!keyField) throw new Error(`${file.path}: an event schema needs x-lgsp-key`);
    if (seen.has(type)) throw new Error(`${file.path}: event type ${type} is defined twice`);
    seen.add(type);
    const validate = ajv.getSchema(file.schema.$id);
    if (!validate) throw new Error(`${file.path}: schema did not compile`);
    if (isEventType(type)) byType.set(type, { type, keyField, validate });
  }
  return byType;
}

function toIssue(error: ErrorObject): ValidationIssue {
  let pointer = `/data${error.instancePath}`;
  let message = error.message ?? 'is invalid';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') pointer = `${pointer}/${String(params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') {
    pointer = `${pointer}/${String(params.additionalProperty)}`;
    message = 'is not allowed';
  }
  if (error.keyword === 'const') message = `must be ${JSON.stringify(params.allowedValue)}`;
  if (error.keyword === 'enum') message = `must be one of ${JSON.stringify(params.allowedValues)}`;
  return { pointer, message };
}
