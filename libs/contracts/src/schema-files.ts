import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { projectRoot } from '@lgsp/core';

/** Where the contract lives: the project's schemas/ folder (override with LGSP_SCHEMAS_DIR). */
export const defaultSchemasDir = join(projectRoot(), 'schemas');

export interface SchemaFile {
  /** path relative to the schemas folder, e.g. dossier/submitted.v1.json */
  path: string;
  schema: Record<string, unknown> & { $id: string; 'x-lgsp-type'?: string; 'x-lgsp-key'?: string };
}

export function readSchemaFiles(dir = defaultSchemasDir): SchemaFile[] {
  const out: SchemaFile[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json')) {
        const schema = JSON.parse(readFileSync(full, 'utf8')) as SchemaFile['schema'];
        if (typeof schema.$id !== 'string') throw new Error(`${full}: a schema file needs an $id`);
        out.push({ path: relative(dir, full), schema });
      }
    }
  };
  walk(dir);
  return out;
}

/** `vn.lgsp.dossier.submitted.v1` → { name: 'vn.lgsp.dossier.submitted', version: 1 } */
export function parseEventType(type: string): { name: string; version: number } | undefined {
  const match = /^(.+)\.v(\d+)$/.exec(type);
  return match ? { name: match[1], version: Number(match[2]) } : undefined;
}
