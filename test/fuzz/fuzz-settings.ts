import fc from 'fast-check';
import { int, optional } from '@lgsp/core';

/**
 * Seed, size and time budget of the fuzz suite, from the environment:
 * - LGSP_FUZZ_SEED: the seed of every property (random when unset; always printed);
 * - LGSP_FUZZ_RUNS: runs of each property (default 1000; the batch property makes half as many runs of
 *   up to 12 events);
 * - LGSP_FUZZ_TIME_MS: at most this long per property (default 30 s), so a slow machine ends early
 *   instead of timing out (the runs done are printed);
 * - LGSP_FUZZ_PATH: with the seed, replays one failing case (printed on failure) instead of a search.
 */
const env = process.env;
export const FUZZ_SEED = int(
  env,
  'LGSP_FUZZ_SEED',
  Math.floor(Math.random() * 0x7fffffff),
  -0x80000000,
  0x7fffffff,
);
export const FUZZ_RUNS = int(env, 'LGSP_FUZZ_RUNS', 1000, 1, 1_000_000);
export const FUZZ_TIME_MS = int(env, 'LGSP_FUZZ_TIME_MS', 30_000, 1_000, 3_600_000);
const FUZZ_PATH = optional(env, 'LGSP_FUZZ_PATH');

/** JSON with long strings cut (a 20,000-character id would hide everything else), and byte arrays as such. */
export function readable(value: unknown): string {
  let text: string;
  try {
    // fast-check's own rendering: it also shows what `fc.gen` drew, which JSON cannot.
    text = fc.stringify(value);
    // what it cannot render (too deep) it shows as [object Object]
    if (text.includes('[object Object]')) text = JSON.stringify(value) ?? text;
  } catch {
    // a value nested thousands of levels deep is too deep for it
    text = JSON.stringify(value) ?? String(value);
  }
  text = text.replace(/"(?:[^"\\]|\\(?:u[0-9a-fA-F]{4}|.))*"/g, (literal) =>
    literal.length > 120 ? `${literal.slice(0, 60)}…(${literal.length} chars)"` : literal,
  );
  return text.length > 4_000 ? `${text.slice(0, 2_000)} … ${text.slice(-1_000)}` : text;
}

export function announce(suite: string): void {
  process.stderr.write(
    `\n[fuzz] ${suite}: seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs per property` +
      `${FUZZ_PATH ? `, replaying path ${FUZZ_PATH}` : ''} (replay: LGSP_FUZZ_SEED=${FUZZ_SEED})\n`,
  );
}

/**
 * Runs a property with the suite's seed and budget. On failure the error carries fast-check's report
 * (counterexample, seed, path) and the command that replays exactly that case.
 */
export async function checkProperty<T extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IAsyncPropertyWithHooks<T>,
  runs = FUZZ_RUNS,
): Promise<void> {
  const started = Date.now();
  const details = await fc.check(property, {
    seed: FUZZ_SEED,
    numRuns: runs,
    path: FUZZ_PATH,
    // Bounds the search and the shrinking (which talks to live services too); a failure found stays one.
    interruptAfterTimeLimit: FUZZ_TIME_MS,
  });
  process.stderr.write(
    `[fuzz] ${name}: ${details.numRuns} runs in ${Date.now() - started} ms` +
      `${details.interrupted ? ' (time budget reached)' : ''}, seed ${FUZZ_SEED}\n`,
  );
  if (!details.failed) return;
  const replay =
    `LGSP_FUZZ_SEED=${details.seed} LGSP_FUZZ_PATH='${details.counterexamplePath ?? ''}' ` +
    `npx jest --selectProjects fuzz --runInBand -t '${name.replaceAll("'", '')}'`;
  const report =
    `counterexample: ${readable(details.counterexample)}\n` +
    `after ${details.numRuns} runs and ${details.numShrinks} shrinks; seed ${details.seed}, path ${details.counterexamplePath ?? ''}`;
  const cause =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  process.stderr.write(`[fuzz] ${name} FAILED (${cause.slice(0, 300)}) — replay with: ${replay}\n`);
  throw new Error(`${name}: ${cause}\n\n${report}\n\nReplay: ${replay}`);
}
