import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Topics } from '@lgsp/contracts';
import { createKafka, loadKafkaSettings } from '@lgsp/kafka';
import { event, eventually, startGroupAtEnd, submitted, uniqueDossierCode } from '@lgsp/testing';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

/**
 * What `npm start` and the images run: the compiled code (dist/), with plain node and no alias resolver,
 * started from another folder than the project's — it still finds schemas/ and config/.
 */
describe('compiled apps (integration)', () => {
  const kafka = createKafka(loadKafkaSettings(process.env, 'compiled-test'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'lgsp-compiled-'));
  const children: ChildProcess[] = [];

  /** node dist/<script>, from `elsewhere`; resolves with the URL it logs once listening. */
  function start(script: string, env: Record<string, string>): Promise<string> {
    const child = spawn(process.execPath, [join(root, 'dist', script)], {
      cwd: elsewhere,
      env: { ...process.env, NODE_OPTIONS: undefined, LOG_LEVEL: 'info', ...env },
    });
    children.push(child);
    let output = '';
    return new Promise((resolve, reject) => {
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
        const url = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"[^"]*listening"/.exec(output)?.[1];
        if (url) resolve(url);
      });
      child.on('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
    });
  }

  beforeAll(async () => {
    await run('bash', [join(root, 'scripts', 'build.sh'), '--if-stale'], { cwd: root });
  }, 300_000);

  afterAll(async () => {
    await Promise.all(
      children
        .filter((child) => child.exitCode === null && child.signalCode === null)
        .map((child) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          return exited;
        }),
    );
  }, 60_000);

  it('runs the operator CLI', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(root, 'dist/apps/cli/main.js'), 'schemas', 'check'],
      {
        cwd: elsewhere,
        env: { ...process.env, NODE_OPTIONS: undefined },
      },
    );
    expect(stdout).toMatch(/\d+ event types compiled; every new version is backward compatible/);
  }, 60_000);

  it('publishes through the compiled ingest and reads it back from the compiled dossier subgraph', async () => {
    const group = `lgsp-dossier-compiled-${randomUUID()}`;
    await startGroupAtEnd(kafka, group, [Topics.events('dossier')]);
    const [ingest, dossier] = await Promise.all([
      start('apps/ingest/main.js', {
        INGEST_PORT: '0',
        LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-compiled-ingest-')),
      }),
      start('apps/dossier/main.js', {
        DOSSIER_PORT: '0',
        DOSSIER_CONSUMER_GROUP: group,
        LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-compiled-dossier-')),
      }),
    ]);

    const code = uniqueDossierCode();
    const published = await fetch(`${ingest}/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/cloudevents+json',
        'x-api-key': 'dev-publisher-key-000.00.01.H22',
      },
      body: JSON.stringify(event('vn.lgsp.dossier.submitted.v1', submitted(code, 7))),
    });
    expect(published.status).toBe(202);

    const read = await eventually(async () => {
      const response = await fetch(`${dossier}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'dev-consumer-key-ioc',
          'x-lgsp-purpose': 'public-service',
        },
        body: JSON.stringify({ query: `{ dossier(code: "${code}") { code status } }` }),
      });
      const body = (await response.json()) as { data?: { dossier: unknown } };
      return body.data?.dossier ? body : undefined;
    }, 60_000);
    expect(read).toEqual({ data: { dossier: { code, status: 'SUBMITTED' } } });
  }, 180_000);
});
