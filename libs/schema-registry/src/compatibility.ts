import { parseEventType, type SchemaFile } from '@lgsp/contracts';

/**
 * Backward compatibility between two versions of an event type: every event valid under the old
 * version must stay valid under the new one, so publishers on the old version keep working.
 * The check is structural and conservative: it flags anything that could reject an old event.
 */
export interface Incompatibility {
  type: string;
  from: number;
  to: number;
  pointer: string;
  reason: string;
}

type Schema = Record<string, unknown>;

export function checkCompatibility(files: SchemaFile[]): Incompatibility[] {
  const byId = new Map(files.map((f) => [f.schema.$id, f.schema as Schema]));
  const versions = new Map<string, { version: number; file: SchemaFile }[]>();
  for (const file of files) {
    const type = file.schema['x-lgsp-type'];
    const parsed = type ? parseEventType(type) : undefined;
    if (!parsed) continue;
    versions.set(parsed.name, [...(versions.get(parsed.name) ?? []), { version: parsed.version, file }]);
  }
  const problems: Incompatibility[] = [];
  for (const [name, list] of versions) {
    list.sort((a, b) => a.version - b.version);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1];
      const next = list[i];
      const resolve = resolver(byId);
      compare(
        resolve(prev.file.schema, prev.file.schema.$id),
        resolve(next.file.schema, next.file.schema.$id),
        '',
        (pointer, reason) =>
          problems.push({ type: name, from: prev.version, to: next.version, pointer, reason }),
        resolve,
      );
    }
  }
  return problems;
}

type Resolve = (schema: Schema, base: string) => Schema;

function resolver(byId: Map<string, Schema>): Resolve {
  const resolve: Resolve = (schema, base) => {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    const url = new URL(ref, base);
    const doc = byId.get(url.origin + url.pathname);
    if (!doc) throw new Error(`unresolvable $ref ${ref} from ${base}`);
    let target: unknown = doc;
    for (const part of url.hash.replace(/^#\/?/, '').split('/').filter(Boolean)) {
      target = (target as Schema)[decodeURIComponent(part)];
    }
    return resolve({ ...(target as Schema), $id: url.origin + url.pathname }, url.origin + url.pathname);
  };
  return resolve;
}

function compare(
  prev: Schema,
  next: Schema,
  pointer: string,
  report: (pointer: string, reason: string) => void,
  resolve: Resolve,
): void {
  const at = pointer || '/';
  const types = (s: Schema): string[] | undefined =>
    s.type === undefined ? undefined : Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
  const prevTypes = types(prev);
  const nextTypes = types(next);
  if (
    nextTypes &&
    (!prevTypes ||
      prevTypes.some((t) => !nextTypes.includes(t) && !(t === 'integer' && nextTypes.includes('number'))))
  ) {
    report(at, `type narrowed from ${JSON.stringify(prevTypes ?? 'any')} to ${JSON.stringify(nextTypes)}`);
  }
  if ('const' in next && JSON.stringify(next.const) !== JSON.stringify(prev.const)) {
    report(at, `const changed to ${JSON.stringify(next.const)}`);
  }
  if (Array.isArray(next.enum)) {
    const allowed = new Set((next.enum as unknown[]).map((v) => JSON.stringify(v)));
    const old = Array.isArray(prev.enum) ? (prev.enum as unknown[]) : undefined;
    if (!old) report(at, 'enum added');
    else
      for (const v of old)
        if (!allowed.has(JSON.stringify(v))) report(at, `enum value ${JSON.stringify(v)} removed`);
  }
  if (next.pattern !== undefined && next.pattern !== prev.pattern)
    report(at, `pattern changed to ${JSON.stringify(next.pattern)}`);
  if (next.format !== undefined && next.format !== prev.format)
    report(at, `format changed to ${JSON.stringify(next.format)}`);
  const tighter = (key: string, lower: boolean): void => {
    const n = next[key];
    const p = prev[key];
    if (typeof n !== 'number') return;
    if (typeof p !== 'number' || (lower ? n > p : n < p)) report(at, `${key} tightened to ${n}`);
  };
  tighter('minLength', true);
  tighter('minimum', true);
  tighter('minItems', true);
  tighter('maxLength', false);
  tighter('maximum', false);
  tighter('maxItems', false);

  const prevRequired = new Set((prev.required as string[] | undefined) ?? []);
  for (const r of (next.required as string[] | undefined) ?? []) {
    if (!prevRequired.has(r)) report(`${pointer}/${r}`, 'property became required');
  }
  const prevProps = (prev.properties as Record<string, Schema> | undefined) ?? {};
  const nextProps = (next.properties as Record<string, Schema> | undefined) ?? {};
  const prevBase = (prev.$id as string | undefined) ?? 'urn:x';
  const nextBase = (next.$id as string | undefined) ?? 'urn:x';
  for (const [name, schema] of Object.entries(prevProps)) {
    const after = nextProps[name];
    if (!after) {
      if (next.additionalProperties === false) report(`${pointer}/${name}`, 'property removed');
      continue;
    }
    compare(resolve(schema, prevBase), resolve(after, nextBase), `${pointer}/${name}`, report, resolve);
  }
  if (prev.items && next.items) {
    compare(
      resolve(prev.items as Schema, prevBase),
      resolve(next.items as Schema, nextBase),
      `${pointer}/items`,
      report,
      resolve,
    );
  }
}
