/**
 * Generates TypeScript types for every event schema under schemas/ into src/generated/events.ts.
 *   npm run schemas:types          write the file
 *   ... generate.ts --check         fail when the committed file is not current (CI)
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compile } from 'json-schema-to-typescript';
import { defaultSchemasDir, readSchemaFiles } from './src/schema-files';

const target = join(__dirname, 'src', 'generated', 'events.ts');

function pascal(type: string): string {
  return type
    .replace(/^vn\.lgsp\./, '')
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

async function render(): Promise<string> {
  // One compile over a root that holds every event schema, so shared definitions are declared once.
  const events = readSchemaFiles()
    .filter((f) => f.schema['x-lgsp-type'])
    .map((f) => {
      const type = f.schema['x-lgsp-type'] as string;
      // $refs in the files are relative to their folder; the root compiles from the schemas folder.
      const schema = JSON.parse(JSON.stringify(f.schema).replaceAll('"$ref":"../', `"$ref":"./`)) as Record<
        string,
        unknown
      >;
      return { type, name: pascal(type), schema: { ...schema, title: pascal(type) } };
    });
  const root = {
    title: 'LgspEventCatalog',
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(events.map((e) => [e.type, e.schema])),
  };
  const ts = await compile(root as never, 'LgspEventCatalog', {
    bannerComment: '',
    cwd: defaultSchemasDir,
    additionalProperties: false,
    format: false,
    unreachableDefinitions: false,
  });
  const body = ts.replace(/export interface LgspEventCatalog \{[\s\S]*?\n\}\n/, '').trim();
  return [
    '/* eslint-disable */',
    '// Generated from schemas/ by `npm run schemas:types`. Do not edit; CI checks that it is current.',
    '',
    body,
    '',
    '/** Every event type in the catalog and the shape of its data. */',
    'export interface EventDataMap {',
    ...events.map((e) => `  '${e.type}': ${e.name};`),
    '}',
    '',
    'export type EventType = keyof EventDataMap;',
    '',
    '/** The same types at run time, to tell a type of the catalog from any other string. */',
    'export const EventTypes: readonly EventType[] = [',
    ...events.map((e) => `  '${e.type}',`),
    '];',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const text = await render();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (current !== text) {
      console.error(`${target} is not current: run npm run schemas:types and commit the result`);
      process.exit(1);
    }
    console.log('generated event types are current');
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
