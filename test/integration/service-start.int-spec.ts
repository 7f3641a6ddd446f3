import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, loadKafkaSettings } from '@lgsp/kafka';
import { startGroupAtEnd } from '@lgsp/testing';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway.config';
import { startGateway } from '../../apps/gateway/src/gateway.app';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

/** Services start in any order and cleanly. */
describe('service start (integration)', () => {
  const kafka = createKafka(loadKafkaSettings(process.env, 'service-start-test'));
  const dossierEnv = async () => {
    const env = {
      ...process.env,
      DOSSIER_PORT: '0',
      LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-start-')),
      DOSSIER_CONSUMER_GROUP: `lgsp-dossier-start-${randomUUID()}`,
      LOG_LEVEL: 'warn',
    };
    await startGroupAtEnd(kafka, env.DOSSIER_CONSUMER_GROUP, [Topics.events('dossier')]);
    return env;
  };

  it('starts the gateway before its subgraph: it waits, then serves once the subgraph is up', async () => {
    const port = await freePort();
    const env = await dossierEnv();
    let settled: 'waiting' | 'started' | 'failed' = 'waiting';
    let failure: unknown;
    const starting = startGateway(
      loadGatewayConfig({
        ...env,
        GATEWAY_PORT: '0',
        LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-start-gw-')),
        GATEWAY_SUBGRAPHS: `dossier=http://127.0.0.1:${port}/graphql`,
      }),
    ).then(
      (app) => ((settled = 'started'), app),
      (error: unknown) => {
        settled = 'failed';
        failure = error;
        return undefined;
      },
    );
    let dossier: RunningApp | undefined;
    let gateway: RunningApp | undefined;
    try {
      await new Promise((r) => setTimeout(r, 3_000));
      expect({ settled, failure }).toEqual({ settled: 'waiting', failure: undefined });

      dossier = await startDossier(loadDossierConfig({ ...env, DOSSIER_PORT: String(port) }));
      gateway = await starting;
      expect(gateway).toBeDefined();
      const response = await fetch(`${gateway?.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'dev-consumer-key-ioc',
          'x-lgsp-purpose': 'public-service',
        },
        body: JSON.stringify({ query: '{ dossiers(first: 1) { edges { cursor } } }' }),
      });
      expect(response.status).toBe(200);
      // Whatever the shared topic brings meanwhile: the point is a composed graph that answers.
      const body = (await response.json()) as {
        data?: { dossiers?: { edges?: unknown[] } };
        errors?: unknown;
      };
      expect(body.errors).toBeUndefined();
      expect(Array.isArray(body.data?.dossiers?.edges)).toBe(true);
      expect((await fetch(`${gateway?.url}/health/ready`)).status).toBe(200);
    } finally {
      await (gateway ?? (await starting))?.close();
      await dossier?.close();
    }
  }, 120_000);

  it('starts a service without a process warning (TimeoutNegativeWarning from the Kafka client)', async () => {
    const env = await dossierEnv();
    // The child reports every 'warning' event it sees, whatever Node would print.
    const report = join(mkdtempSync(join(tmpdir(), 'lgsp-warnings-')), 'report-warnings.js');
    writeFileSync(
      report,
      `process.on('warning', (w) => process.stderr.write('WARNING-EVENT ' + w.name + ': ' + w.message + '\\n'));\n`,
    );
    const child = spawn(
      process.execPath,
      [
        '-r',
        report,
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'apps/dossier/main.ts',
      ],
      {
        cwd: join(__dirname, '..', '..'),
        env: { ...env, NODE_OPTIONS: undefined, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const until = Date.now() + 60_000;
      while (!stdout.includes('subgraph listening') && Date.now() < until && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 200));
      expect({ listening: stdout.includes('subgraph listening'), stderr }).toMatchObject({ listening: true });
      // The consumer joins its group and fetches after the port opens: give it time to talk to the broker.
      await new Promise((r) => setTimeout(r, 5_000));
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(stderr.split('\n').filter((line) => line.startsWith('WARNING-EVENT'))).toEqual([]);
  }, 120_000);
});
