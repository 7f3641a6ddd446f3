import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningApp } from '@lgsp/platform';
import { event, submitted, uniqueDossierCode } from '@lgsp/testing';
import { loadIngestConfig } from '../../apps/ingest/src/ingest.config';
import { startIngest } from '../../apps/ingest/src/ingest.app';

const KEY_01 = 'dev-publisher-key-000.00.01.H22';
const KEY_02 = 'dev-publisher-key-000.00.02.H22';

/** Issue 10, finding 1: one agency changed another's records; sources matched by string prefix. */
describe('ingest: only the owner changes its records (integration)', () => {
  const env = {
    ...process.env,
    INGEST_PORT: '0',
    LGSP_PGLITE_DIR: mkdtempSync(join(tmpdir(), 'lgsp-ingest-owners-')),
  };
  let sut: RunningApp;
  const post = (body: unknown, key: string) =>
    fetch(`${sut.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': key },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    sut = await startIngest(loadIngestConfig(env));
  }, 120_000);
  afterAll(async () => {
    await sut?.close();
  }, 60_000);

  const withdrawal = (code: string, source: string) =>
    event(
      'vn.lgsp.dossier.withdrawn.v1',
      { MaHoSo: code, TrangThaiHoSo: 7, ThoiDiem: '2026-11-28T10:00:00+07:00', LyDo: 'test' },
      source,
    );

  it("refuses a withdrawal of another agency's dossier with 403 LGSP_ERR_NOT_OWNER", async () => {
    const code = uniqueDossierCode('000.00.02.H22');
    const submittedBy02 = event(
      'vn.lgsp.dossier.submitted.v1',
      submitted(code, 1, new Date(), '000.00.02.H22'),
      '/000.00.02.H22/igate',
    );
    expect((await post(submittedBy02, KEY_02)).status).toBe(202);

    const byOther = await post(withdrawal(code, '/000.00.01.H22/igate'), KEY_01);
    expect(byOther.status).toBe(403);
    expect(await byOther.json()).toMatchObject({ code: 'LGSP_ERR_NOT_OWNER' });
    expect((await post(withdrawal(code, '/000.00.02.H22/igate'), KEY_02)).status).toBe(202);
  });

  it('refuses a source that climbs out of the granted agency', async () => {
    const code = uniqueDossierCode('000.00.02.H22');
    const response = await post(withdrawal(code, '/000.00.01.H22/../000.00.02.H22/igate'), KEY_01);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'LGSP_ERR_FORBIDDEN' });
  });
});
