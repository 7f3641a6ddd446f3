/** `npm run schemas:check` (and `lgsp schemas check`): compile every schema and check version compatibility. */
import { checkSchemaFiles } from './schema-check';

const { types, problems } = checkSchemaFiles();
for (const p of problems) {
  console.error(`INCOMPATIBLE ${p.type} v${p.from} -> v${p.to} at ${p.pointer}: ${p.reason}`);
}
if (problems.length > 0) process.exit(1);
console.log(`${types} event types compiled; every new version is backward compatible`);
