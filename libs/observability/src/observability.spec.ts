import { Writable } from 'node:stream';
import pino from 'pino';
import { safeError } from './observability';

describe(safeError.name, () => {
  it('logs an error without the statement parameters a database driver attaches', () => {
    const error = Object.assign(new Error('relation "audit.entries" does not exist'), {
      code: '42P01',
      query: 'INSERT INTO audit.entries …',
      params: ['001090012345', 'Nguyễn Văn An'],
      detail: 'Key (id)=(001090012345) already exists.',
    });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    pino({ serializers: { err: safeError } }, sink).error({ err: error }, 'audit write failed');
    expect(lines.join('')).toContain('42P01');
    expect(lines.join('')).not.toContain('001090012345');
    expect(lines.join('')).not.toContain('Nguyễn');
  });
});
