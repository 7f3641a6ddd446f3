import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, str, type Env } from './config';

/**
 * Where the project's files are: the folder holding package.json, schemas/ (the contract) and config/ (the
 * development configuration). Found once, from this file upwards, so that the TypeScript sources
 * (libs/core/src), the compiled code (dist/libs/core/src) and an image (/app/dist/...) all find it; LGSP_ROOT
 * names another folder.
 */
export function projectRoot(env: Env = {}): string {
  const override = env.LGSP_ROOT;
  if (override) return resolve(override);
  found ??= findRoot(__dirname);
  return found;
}

let found: string | undefined;

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
    if (dirname(dir) === dir)
      throw new ConfigError(
        'LGSP_ROOT',
        `no folder with package.json and schemas/ above ${from}: set it to the project's folder`,
      );
  }
}

/** A file the variable names, else the development one under config/ (never meant for production). */
export function configFile(env: Env, variable: string, devFile: string): string {
  return str(env, variable, join(projectRoot(env), 'config', devFile));
}

/** LGSP_CALLERS_FILE: callers, their hashed keys, roles and grants. */
export function callersFile(env: Env): string {
  return configFile(env, 'LGSP_CALLERS_FILE', 'callers.dev.json');
}

/** LGSP_POLICY_FILE: the access policy (and the owners of aggregates). */
export function policyFile(env: Env): string {
  return configFile(env, 'LGSP_POLICY_FILE', 'policy.dev.json');
}
