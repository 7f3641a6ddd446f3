import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readSchemaFiles, type EventDataMap, type EventType, type SchemaFile } from '@lgsp/contracts';
import type { ValidationIssue } from '@lgsp/core';

export interface EventSchema {
  type: string;
  /** the data property whose value keys the Kafka record (the aggregate's id) */
  keyField: string;
  validate: ValidateFunction;
}

export type ValidationResult<T> = { ok: true; data: T } | { ok: false; issues: ValidationIssue[] };

/**
 * Loads every schema file once, compiles one validator per event type (ajv strict mode, formats),
 * and answers with every failing JSON pointer.
 */
export class SchemaRegistry {
  private readonly byType = new Map<string, EventSchema>();

  constructor(files: SchemaFile[] = readSchemaFiles()) {
    const ajv = new Ajv2020({ strict: true, allErrors: true, strictRequired: false });
    addFormats(ajv);
    ajv.addKeyword({ keyword: 'x-lgsp-type', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'x-lgsp-key', schemaType: 'string' });
    for (const file of files) ajv.addSchema(file.schema);
    for (const file of files) {
      const type = file.schema['x-lgsp-type'];
      if (!type) continue;
      const keyField = file.schema['x-lgsp-key'];
      if (!keyField) throw new Error(`${file.path}: an event schema needs x-lgsp-key`);
      if (this.byType.has(type)) throw new Error(`${file.path}: event type ${type} is defined twice`);
      const validate = ajv.getSchema(file.schema.$id);
      if (!validate) throw new Error(`${file.path}: schema did not compile`);
      this.byType.set(type, { type, keyField, validate });
    }
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  get(type: string): EventSchema | undefined {
    return this.byType.get(type);
  }

  /** Validates an event's data. Pointers are relative to the event, so they start with /data. */
  validate<T extends EventType>(type: T, data: unknown): ValidationResult<EventDataMap[T]>;
  validate(type: string, data: unknown): ValidationResult<unknown>;
  validate(type: string, data: unknown): ValidationResult<unknown> {
    const schema = this.byType.get(type);
    if (!schema) return { ok: false, issues: [{ pointer: '/type', message: `unknown event type ${type}` }] };
    if (schema.validate(data)) return { ok: true, data };
    return { ok: false, issues: (schema.validate.errors ?? []).map(toIssue) };
  }

  /** The record key for an event: the value of the schema's key field (validated data only). */
  keyOf(type: string, data: unknown): string | undefined {
    const schema = this.byType.get(type);
    if (!schema || typeof data !== 'object' || data === null) return undefined;
    const value = (data as Record<string, unknown>)[schema.keyField];
    return typeof value === 'string' ? value : undefined;
  }
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
