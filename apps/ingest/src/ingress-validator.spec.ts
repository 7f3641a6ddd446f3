import { Topics } from '@lgsp/contracts';
import type { EventProducer } from '@lgsp/kafka';
import { SchemaRegistry } from '@lgsp/schema-registry';
import {
  consumed,
  event,
  parcelRegistered,
  publisherRegistry,
  SAMPLE_AGENCIES,
  submitted,
  uniqueDossierCode,
} from '@lgsp/samples';
import { IngressValidator } from './ingress-validator';

type Sent = { topic: string; records: { key: string; value: Buffer; headers: Record<string, string> }[] };

/** Kafka-native publishes: what moves on to the domain topic and what becomes a dead letter. */
describe(IngressValidator.name, () => {
  const agency = SAMPLE_AGENCIES[0];
  const source = `/${agency}/igate`;
  const callers = publisherRegistry(agency, ['vn.lgsp.dossier.submitted.v1']);
  const ownership = { landAreas: {}, delegations: {} };
  let sent: Sent[];
  const producer = {
    sendRaw: async (topic: string, records: Sent['records']) => void sent.push({ topic, records }),
  } as unknown as EventProducer;
  beforeEach(() => (sent = []));
  let offset = 0;
  const dossierRecord = (code: string, from = source, type = 'vn.lgsp.dossier.submitted.v1') =>
    consumed(event(type, submitted(code, 1), from), offset++);

  it('moves valid events to the domain topic keyed by their aggregate, and dead-letters the rest', async () => {
    const sut = new IngressValidator('dossier', new SchemaRegistry(), producer, ownership);
    const [a, b] = [uniqueDossierCode(agency), uniqueDossierCode(agency)];
    const good = [dossierRecord(a), dossierRecord(b)];
    const land = consumed(
      event('vn.lgsp.land.parcel-registered.v1', parcelRegistered('1', 'A', 1)),
      offset++,
    );
    const foreign = dossierRecord(uniqueDossierCode(SAMPLE_AGENCIES[1]));

    const dead = await sut.handle([good[0], land, foreign, good[1]]);
    expect(dead.map((d) => [d.record.offset, d.code])).toEqual([
      [land.offset, 'LGSP_ERR_UNKNOWN_TYPE'],
      [foreign.offset, 'LGSP_ERR_NOT_OWNER'],
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0].topic).toBe(Topics.events('dossier'));
    expect(sent[0].records.map((r) => r.key)).toEqual([a, b]);
    expect(sent[0].records.map((r) => r.headers)).toEqual(good.map((r) => r.headers));
    expect(sent[0].records.map((r) => r.value)).toEqual(good.map((r) => r.value));
  });

  it("holds an agency's own topic to that agency's grants: other types and sources are dead letters", async () => {
    const sut = new IngressValidator('dossier', new SchemaRegistry(), producer, ownership, {
      agency,
      caller: callers.list()[0],
      callers,
    });
    const code = uniqueDossierCode(agency);
    const ok = dossierRecord(code);
    // the agency's own, but not under a path it is granted (/<agency>/*)
    const otherSource = dossierRecord(uniqueDossierCode(agency), `/${agency}`);
    const otherType = consumed(
      event(
        'vn.lgsp.dossier.withdrawn.v1',
        { MaHoSo: code, TrangThaiHoSo: 7, ThoiDiem: '2026-11-28T08:00:00Z' },
        source,
      ),
      offset++,
    );
    const dead = await sut.handle([ok, otherSource, otherType]);
    expect(dead.map((d) => [d.record.offset, d.code])).toEqual([
      [otherSource.offset, 'LGSP_ERR_FORBIDDEN'],
      [otherType.offset, 'LGSP_ERR_FORBIDDEN'],
    ]);
    expect(dead[1].detail).toBe(
      `ingress topic of ${agency}: not granted event type vn.lgsp.dossier.withdrawn.v1`,
    );
    expect(sent.flatMap((s) => s.records.map((r) => r.key))).toEqual([code]);
  });

  it('dead-letters everything on the topic of an agency that is no longer a publisher', async () => {
    const sut = new IngressValidator('dossier', new SchemaRegistry(), producer, ownership, {
      agency,
      caller: undefined,
      callers,
    });
    const dead = await sut.handle([dossierRecord(uniqueDossierCode(agency))]);
    expect(dead.map((d) => [d.code, d.detail])).toEqual([
      ['LGSP_ERR_FORBIDDEN', `ingress topic of ${agency}: ${agency} is no longer a publisher of this hub`],
    ]);
    expect(sent).toEqual([]);
  });
});
