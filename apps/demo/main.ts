/**
 * `npm run demo`: publishes realistic sample dossiers over HTTP, through their life, with land parcels
 * and hospital encounters of the same citizens, so a newcomer
 * sees data in GraphQL at once. Options: --count N (default 20), --url, --key.
 */
import { Command } from 'commander';
import type { EventDataMap, EventType } from '@lgsp/contracts';
import {
  SAMPLE_AGENCIES,
  encounterRecorded,
  event,
  parcelRegistered,
  sampleDossierCode,
  submitted,
} from '@lgsp/samples';

// Development keys of the land registry and the hospital (config/callers.dev.json).
const LAND_KEY = 'dev-publisher-key-000.00.02.H22';
const HEALTH_KEY = 'dev-publisher-key-22001';

const program = new Command()
  .name('demo')
  .option('--count <n>', 'dossiers to publish', '20')
  .option('--url <url>', 'ingest base URL', 'http://127.0.0.1:3000')
  .option('--key <key>', 'publisher API key (development key by default)', 'dev-publisher-key-000.00.01.H22')
  .parse();
const opts = program.opts<{ count: string; url: string; key: string }>();

async function publish<T extends EventType>(
  type: T,
  data: EventDataMap[T],
  key = opts.key,
  source = `/${SAMPLE_AGENCIES[0]}/igate`,
): Promise<void> {
  const response = await fetch(`${opts.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', 'x-api-key': key },
    body: JSON.stringify(event(type, data, source)),
  });
  if (response.status >= 300) throw new Error(`${type}: HTTP ${response.status} ${await response.text()}`);
}

async function main(): Promise<void> {
  const count = Number(opts.count);
  if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a positive integer');
  const now = Date.now();
  const base = Math.floor(Math.random() * 5000);
  /** a citizen with a dossier, a parcel and an encounter, for the tour's one query across the three domains */
  let everywhere = '';
  for (let i = 0; i < count; i++) {
    const submittedAt = new Date(now - (count - i) * 6 * 3600_000);
    const code = sampleDossierCode(SAMPLE_AGENCIES[0], submittedAt, base + i);
    const hours = (h: number): string => new Date(submittedAt.getTime() + h * 3600_000).toISOString();
    const dossier = submitted(code, base + i, submittedAt);
    if (i % 6 === 0) everywhere = dossier.SoDinhDanhChuHoSo;
    await publish('vn.lgsp.dossier.submitted.v1', dossier);
    // The same citizen in the land registry and at the provincial hospital, so that one GraphQL
    // query can gather all three domains.
    if (i % 2 === 0)
      await publish(
        'vn.lgsp.land.parcel-registered.v1',
        parcelRegistered(dossier.SoDinhDanhChuHoSo, dossier.ChuHoSo, base + i),
        LAND_KEY,
        `/${SAMPLE_AGENCIES[1]}/vilis`,
      );
    if (i % 3 === 0)
      await publish(
        'vn.lgsp.health.encounter-recorded.v1',
        encounterRecorded(dossier.SoDinhDanhChuHoSo, dossier.ChuHoSo, base + i),
        HEALTH_KEY,
        '/22001/his',
      );
    if (i % 7 === 6) {
      await publish('vn.lgsp.dossier.rejected.v1', {
        MaHoSo: code,
        TrangThaiHoSo: 3,
        ThoiDiem: hours(2),
        LyDo: 'Hồ sơ chưa đủ thành phần',
      });
      continue;
    }
    await publish('vn.lgsp.dossier.received.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 2,
      NgayTiepNhan: hours(1),
      NgayHenTra: hours(72),
    });
    await publish('vn.lgsp.dossier.processing-step.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 4,
      ThoiDiem: hours(4),
      DonViXuLy: 'Phòng Tư pháp',
      NoiDungXuLy: 'Thẩm định hồ sơ',
    });
    if (i % 3 === 0) continue; // still in processing
    await publish('vn.lgsp.dossier.processed.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 9,
      NgayKetThucXuLy: hours(i % 2 ? 48 : 96),
    });
    await publish('vn.lgsp.dossier.result-returned.v1', {
      MaHoSo: code,
      TrangThaiHoSo: 10,
      NgayTra: hours(100),
      HinhThucTra: 2,
    });
  }
  process.stdout.write(
    `published ${count} sample dossiers with their lifecycle events, ${Math.ceil(count / 2)} parcels and ${Math.ceil(count / 3)} encounters of the same citizens to ${opts.url}\n` +
      `a citizen in all three domains: ${everywhere}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
