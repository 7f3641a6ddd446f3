import { createInterface } from 'node:readline/promises';
import { SingleBar } from 'cli-progress';

/** Asks the operator on the terminal (y/N); true only for yes. */
export async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    return answer === 'y' || answer === 'yes';
  } finally {
    rl.close();
  }
}

/** Progress with rate and ETA: a bar on a terminal, a plain line every few seconds otherwise, nothing with --json. */
export class Progress {
  private bar?: SingleBar;
  private lastLine = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly quiet: boolean,
  ) {}

  start(total: number): void {
    if (this.quiet) return;
    if (process.stderr.isTTY) {
      this.bar = new SingleBar({
        stream: process.stderr,
        format: `${this.label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}`,
        etaBuffer: 50,
        hideCursor: true,
      });
      this.bar.start(total, 0, { rate: 0 });
    } else {
      process.stderr.write(`${this.label}: ${total} records to read\n`);
    }
  }

  update(done: number, total: number): void {
    if (this.quiet) return;
    const rate = Math.round(done / Math.max(0.001, (Date.now() - this.started) / 1000));
    if (this.bar) {
      this.bar.setTotal(total);
      this.bar.update(done, { rate });
      return;
    }
    if (Date.now() - this.lastLine < 2000 && done < total) return;
    this.lastLine = Date.now();
    const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
    process.stderr.write(
      `${this.label}: ${done}/${total} (${total ? Math.floor((done / total) * 100) : 100}%), ${rate}/s, ETA ${eta}s\n`,
    );
  }

  stop(): void {
    this.bar?.stop();
  }
}

/** A plain text table for people; --json prints the data instead. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return value.toString();
  return JSON.stringify(value) ?? '';
}
