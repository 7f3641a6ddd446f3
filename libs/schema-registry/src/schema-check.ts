import { readSchemaFiles } from '@lgsp/contracts';
import { checkCompatibility, type Incompatibility } from './compatibility';
import { SchemaRegistry } from './schema-registry';

export interface SchemaCheckResult {
  types: number;
  problems: Incompatibility[];
}

/** Compiles every schema file (strict) and checks each new version against the previous one, as CI does. */
export function checkSchemaFiles(dir?: string): SchemaCheckResult {
  const files = readSchemaFiles(dir);
  const registry = new SchemaRegistry(files);
  return { types: registry.types().length, problems: checkCompatibility(files) };
}
