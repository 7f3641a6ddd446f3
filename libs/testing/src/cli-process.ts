import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The `lgsp` CLI as an operator runs it: its own process, no terminal. `env` is added to this
 * process's environment without LGSP_API_KEY, so a test says which key (if any) the operator has.
 */
export function runCli(args: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/main.ts', ...args],
      { cwd: join(__dirname, '..', '..', '..'), env: { ...process.env, LGSP_API_KEY: undefined, ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Stops a child process and waits for its exit: at once if it has already exited, with `signal` otherwise,
 * and with SIGKILL if it is still running `graceMs` later (said on stderr, so a shutdown that hangs shows).
 */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 30_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => {
    process.stderr.write(`child ${child.pid} still running ${graceMs} ms after ${signal}: SIGKILL\n`);
    child.kill('SIGKILL');
  }, graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
