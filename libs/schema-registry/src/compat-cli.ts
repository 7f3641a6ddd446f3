/** `npm run schemas:check` (and `lgsp schemas check`): compile every schema and check version compatibility. */
import { readSchemaFiles } from '@lgsp/contracts';
import { checkCompatibility } from './compatibility';
import { SchemaRegistry } from './schema-registry';

const files = readSchemaFiles();
const registry = new SchemaRegistry(files);
const problems = checkCompatibility(files);
for (const p of problems) {
  console.error(`INCOMPATIBLE ${p.type} v${p.from} -> v${p.to} at ${p.pointer}: ${p.reason}`);
}
if (problems.length > 0) process.exit(1);
console.log(`${registry.types().length} event types compiled; every new version is backward compatible`);
