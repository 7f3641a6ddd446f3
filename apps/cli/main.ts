import { HubError } from '@lgsp/core';
import { loadCliConfig } from './src/cli.config';
import { buildCli } from './src/cli';

/** `lgsp`: the operator tool. Exit codes: 0 done, 1 failed, 2 refused (not confirmed), 130 interrupted. */
async function main(): Promise<void> {
  const { program, session } = buildCli(loadCliConfig(process.env));
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const hub = error instanceof HubError ? error : undefined;
    process.stderr.write(`lgsp: ${hub ? hub.message : (error as Error).message}\n`);
    process.exitCode = hub?.code === 'LGSP_ERR_NOT_CONFIRMED' ? 2 : 1;
  } finally {
    await session.close();
  }
}

void main();
