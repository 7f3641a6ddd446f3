import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Topics } from '@lgsp/contracts';
import type { RunningApp } from '@lgsp/platform';
import { createKafka, loadKafkaSettings } from '@lgsp/kafka';
import { event, eventually, startGroupAtEnd, submitted, uniqueDossierCode } from '@lgsp/testing';
import { loadDossierConfig } from '../../apps/dossier/src/dossier.config';
import { startDossier } from '../../apps/dossier/src/dossier.app';
import { loadGatewayConfig } from '../../apps/gateway/src/gateway.config';
import { startGateway } from '../../apps/gateway/src/gateway.app';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';

const PUBLISHER = 'dev-publisher-key-000.00.01.H22';
const CONSUMER = 'dev-consumer-key-ioc';

interface DossierView {
  code: string;
  status: string;
  statusCode: number;
  applicantPersonalId: string;
  dueAt: string | null;
  flagged: boolean;
  history: { status: string; accepted: boolean; reason: string | null }[];
}

/** The hub as a client sees it: publish over HTTP, read through the federated gateway. */
describe('dossier end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-e2e-'));
  // A consumer group of its own, starting at the topic's end now: this run projects what it publishes into a
  // fresh store, whatever the shared topic held before.
  const env = {
    ...process.env,
    INGEST_PORT: '0',
    DOSSIER_PORT: '0',
    GATEWAY_PORT: '0',
    LGSP_PGLITE_DIR: dir,
    DOSSIER_CONSUMER_GROUP: `lgsp-dossier-e2e-${randomUUID()}`,
  };
  let ingest: RunningApp;
  let dossier: RunningApp;
  let gateway: RunningApp;

  beforeAll(async () => {
    await startGroupAtEnd(createKafka(loadKafkaSettings(env, 'dossier-e2e')), env.DOSSIER_CONSUMER_GROUP, [
      Topics.events('dossier'),
    ]);
    ingest = await startIngest(loadIngestConfig(env));
    dossier = await startDossier(loadDossierConfig(env));
    gateway = await startGateway(
      loadGatewayConfig({ ...env, GATEWAY_SUBGRAPHS: `dossier=${dossier.url}/graphql` }),
    );
  }, 180_000);
  afterAll(async () => {
    await gateway?.close();
    await dossier?.close();
    await ingest?.close();
  }, 60_000);

  const publish = async (type: string, data: object): Promise<void> => {
    const response = await fetch(`${ingest.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': PUBLISHER },
      body: JSON.stringify(event(type, data)),
    });
    expect(response.status).toBe(202);
  };
  const query = async <T>(
    q: string,
    variables: object,
    key = CONSUMER,
  ): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'x-lgsp-purpose': 'public-service' },
      body: JSON.stringify({ query: q, variables }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const DOSSIER = `query ($code: String!) { dossier(code: $code) {
      code status statusCode applicantPersonalId dueAt flagged history { status accepted reason } } }`;
  const readDossier = async (code: string, until: (d: DossierView) => boolean): Promise<DossierView> =>
    eventually(async () => {
      const { body } = await query<{ data: { dossier: DossierView | null } }>(DOSSIER, { code });
      const d = body.data?.dossier;
      return d && until(d) ? d : undefined;
    }, 60_000);

  it('publishes a dossier over HTTP and reads it, its history and its citizen through the gateway', async () => {
    const code = uniqueDossierCode();
    const data = submitted(code, 42, new Date('2026-11-20T01:00:00Z'));
    await publish('vn.lgsp.dossier.submitted.v1', data);
    await publish('vn.lgsp.dossier.received.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 2,
      NgayTiepNhan: '2026-11-20T09:00:00+07:00',
      NgayHenTra: '2026-11-21T17:00:00+07:00',
    });

    const d = await readDossier(code, (x) => x.statusCode === 2);
    expect(d).toMatchObject({
      code,
      status: 'RECEIVED',
      applicantPersonalId: data.SoDinhDanhChuHoSo,
      dueAt: '2026-11-21T10:00:00.000Z',
      flagged: false,
      history: [
        { status: 'SUBMITTED', accepted: true, reason: null },
        { status: 'RECEIVED', accepted: true, reason: null },
      ],
    });

    const citizen = await query<{ data: { citizen: { dossiers: { code: string }[] } } }>(
      'query ($id: String!) { citizen(personalId: $id) { dossiers { code } } }',
      { id: data.SoDinhDanhChuHoSo },
    );
    expect(citizen.body.data.citizen.dossiers.map((x) => x.code)).toContain(code);

    const overdue = await query<{ data: { dossiers: { edges: { node: { code: string } }[] } } }>(
      'query ($a: String!) { dossiers(filter: { agencyCode: $a, overdue: true }, first: 200) { edges { node { code } } } }',
      { a: data.MaCoQuan },
    );
    expect(overdue.body.data.dossiers.edges.map((e) => e.node.code)).toContain(code);
  }, 120_000);

  it('records and flags an impossible status transition instead of applying it', async () => {
    const code = uniqueDossierCode();
    await publish('vn.lgsp.dossier.submitted.v1', submitted(code, 9));
    await publish('vn.lgsp.dossier.withdrawn.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 7,
      ThoiDiem: '2026-11-22T08:00:00+07:00',
    });
    await publish('vn.lgsp.dossier.processed.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 9,
      NgayKetThucXuLy: '2026-11-22T09:00:00+07:00',
    });

    await readDossier(code, (x) => x.history.length === 3);
    // The dossier row and its history are two statements: one read can see the row from just before
    // the projection's commit and the history from just after. A read that starts after the third
    // history row is visible sees the whole commit.
    const d = await readDossier(code, () => true);
    expect(d.status).toBe('WITHDRAWN');
    expect(d.flagged).toBe(true);
    expect(d.history[2]).toEqual({
      status: 'PROCESSED',
      accepted: false,
      reason: 'transition 7 -> 9 is not allowed',
    });
  }, 120_000);

  it('pages through dossiers with a cursor, without repeats', async () => {
    const first = await query<{
      data: {
        dossiers: {
          edges: { cursor: string; node: { code: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
    }>('{ dossiers(first: 1) { edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }', {});
    const page1 = first.body.data.dossiers;
    expect(page1.edges).toHaveLength(1);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await query<{ data: { dossiers: { edges: { node: { code: string } }[] } } }>(
      'query ($after: String) { dossiers(first: 1, after: $after) { edges { node { code } } } }',
      { after: page1.pageInfo.endCursor },
    );
    expect(second.body.data.dossiers.edges).toHaveLength(1);
    expect(second.body.data.dossiers.edges[0].node.code).not.toBe(page1.edges[0].node.code);
  }, 30_000);

  it('refuses consumers without a valid key, at the gateway and at the subgraph', async () => {
    const atGateway = await query('{ dossiers { edges { cursor } } }', {}, 'not-a-key');
    expect(atGateway.status).toBe(401);
    const atSubgraph = await fetch(`${dossier.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ dossiers { edges { cursor } } }' }),
    });
    expect(atSubgraph.status).toBe(401);
    const publisherKey = await query('{ dossiers { edges { cursor } } }', {}, PUBLISHER);
    expect(publisherKey.status).toBe(403);
  }, 30_000);
});
