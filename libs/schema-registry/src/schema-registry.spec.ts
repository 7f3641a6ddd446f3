import { join } from 'node:path';
import { readSchemaFiles, type SchemaFile } from '@lgsp/contracts';
import { encounterRecorded, event, parcelRegistered, submitted } from '@lgsp/samples';
import { checkCompatibility } from './compatibility';
import { SchemaRegistry } from './schema-registry';

describe(SchemaRegistry.name, () => {
  const sut = new SchemaRegistry();

  it('knows every dossier event type of the lifecycle, and the land and health events', () => {
    expect(sut.types().filter((t) => t.startsWith('vn.lgsp.dossier.'))).toEqual(
      [
        'fee-requested',
        'processed',
        'processing-step',
        'received',
        'rejected',
        'result-returned',
        'stopped',
        'submitted',
        'supplement-requested',
        'withdrawn',
      ].map((n) => `vn.lgsp.dossier.${n}.v1`),
    );
    expect(sut.types().filter((t) => !t.startsWith('vn.lgsp.dossier.'))).toEqual([
      'vn.lgsp.health.claim-settled.v1',
      'vn.lgsp.health.encounter-recorded.v1',
      'vn.lgsp.health.vaccination-recorded.v1',
      'vn.lgsp.land.certificate-issued.v1',
      'vn.lgsp.land.certificate-revoked.v1',
      'vn.lgsp.land.ownership-transferred.v1',
      'vn.lgsp.land.parcel-changed.v1',
      'vn.lgsp.land.parcel-registered.v1',
    ]);
  });

  it('keys land events by parcel and health encounters by MA_LK', () => {
    const parcel = parcelRegistered('001090012345', 'Nguyễn Văn An', 7);
    expect(sut.validate('vn.lgsp.land.parcel-registered.v1', parcel)).toEqual({ ok: true, data: parcel });
    expect(sut.keyOf('vn.lgsp.land.parcel-registered.v1', parcel)).toBe(parcel.MaThuaDat);
    const encounter = encounterRecorded('001090012345', 'Nguyễn Văn An', 7);
    expect(sut.validate('vn.lgsp.health.encounter-recorded.v1', encounter)).toEqual({
      ok: true,
      data: encounter,
    });
    const bad = sut.validate('vn.lgsp.health.encounter-recorded.v1', {
      ...encounter,
      MA_BENH_CHINH: 'pneumonia',
      NGAY_VAO: '2026-11-15',
    });
    expect(bad.ok ? [] : bad.issues.map((i) => i.pointer)).toEqual(['/data/NGAY_VAO', '/data/MA_BENH_CHINH']);
  });

  it('accepts a valid submitted dossier and keys it by MaHoSo', () => {
    const data = submitted('000.00.01.H22-261122-0001', 1);
    expect(sut.validate('vn.lgsp.dossier.submitted.v1', data)).toEqual({ ok: true, data });
    expect(sut.keyOf('vn.lgsp.dossier.submitted.v1', data)).toBe('000.00.01.H22-261122-0001');
  });

  it('lists every failing JSON pointer', () => {
    const result = sut.validate('vn.lgsp.dossier.submitted.v1', {
      ...submitted('000.00.01.H22-261122-0001', 1),
      MaHoSo: '000.00.01.H22-261399-0001',
      SoDinhDanhChuHoSo: '12345',
      KenhThucHien: 4,
      Unexpected: true,
    });
    expect(result.ok).toBe(false);
    const pointers = result.ok ? [] : result.issues.map((i) => i.pointer).sort();
    expect(pointers).toEqual([
      '/data/KenhThucHien',
      '/data/MaHoSo',
      '/data/SoDinhDanhChuHoSo',
      '/data/Unexpected',
    ]);
  });

  it('refuses a status that does not belong to the event type', () => {
    const result = sut.validate('vn.lgsp.dossier.withdrawn.v1', {
      MaHoSo: '000.00.01.H22-261122-0001',
      TrangThaiHoSo: 9,
      ThoiDiem: '2026-11-22T08:00:00+07:00',
    });
    expect(result).toEqual({ ok: false, issues: [{ pointer: '/data/TrangThaiHoSo', message: 'must be 7' }] });
  });

  it('makes a valid event a HubEvent of its type, with its record key', () => {
    const data = submitted('000.00.01.H22-261122-0001', 1);
    const result = sut.validateEvent(event('vn.lgsp.dossier.submitted.v1', data));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.key).toBe(data.MaHoSo);
    // The type narrows the data: no cast to read a field of this type only.
    expect(result.event.type === 'vn.lgsp.dossier.submitted.v1' && result.event.data.MaTTHC).toBe(
      data.MaTTHC,
    );
  });

  it('does not know a type this build was not generated from, though its schema compiles', () => {
    const withdrawn = readSchemaFiles().find((f) => f.path === join('dossier', 'withdrawn.v1.json'))!;
    const reopened: SchemaFile = {
      path: join('dossier', 'reopened.v1.json'),
      schema: {
        ...withdrawn.schema,
        $id: 'https://schemas.lgsp-hub.local/dossier/reopened.v1.json',
        'x-lgsp-type': 'vn.lgsp.dossier.reopened.v1',
      },
    };
    const registry = new SchemaRegistry([...readSchemaFiles(), reopened]);
    expect(registry.has('vn.lgsp.dossier.reopened.v1')).toBe(false);
    expect(registry.types()).toEqual(sut.types());
    const data = {
      MaHoSo: '000.00.01.H22-261122-0001',
      TrangThaiHoSo: 7,
      ThoiDiem: '2026-11-22T08:00:00+07:00',
    };
    expect(registry.validateEvent(event('vn.lgsp.dossier.reopened.v1', data))).toEqual({
      ok: false,
      issues: [{ pointer: '/type', message: 'unknown event type vn.lgsp.dossier.reopened.v1' }],
    });
  });

  it('refuses a valid event whose key field is missing', () => {
    // A schema whose key field is optional (none of the committed ones): the key must still be there.
    const files = readSchemaFiles().map((f) =>
      f.schema['x-lgsp-type'] === 'vn.lgsp.dossier.withdrawn.v1'
        ? { ...f, schema: { ...f.schema, 'x-lgsp-key': 'LyDo' } }
        : f,
    );
    const data = {
      MaHoSo: '000.00.01.H22-261122-0001',
      TrangThaiHoSo: 7,
      ThoiDiem: '2026-11-22T08:00:00+07:00',
    };
    expect(new SchemaRegistry(files).validateEvent(event('vn.lgsp.dossier.withdrawn.v1', data))).toEqual({
      ok: false,
      issues: [{ pointer: '/data/LyDo', message: 'must be the record key' }],
    });
  });

  it('rejects a timestamp without a time zone', () => {
    const result = sut.validate('vn.lgsp.dossier.withdrawn.v1', {
      MaHoSo: '000.00.01.H22-261122-0001',
      TrangThaiHoSo: 7,
      ThoiDiem: '2026-11-22 08:00',
    });
    expect(result.ok).toBe(false);
  });
});

describe(`${SchemaRegistry.name} in one process`, () => {
  it('compiles a set of schema files once: the services of the hub share the validators', () => {
    const files = readSchemaFiles();
    const type = 'vn.lgsp.dossier.submitted.v1';
    expect(new SchemaRegistry(files).get(type)!.validate).toBe(new SchemaRegistry().get(type)!.validate);
  });

  it('compiles other schema files on their own', () => {
    const type = 'vn.lgsp.dossier.submitted.v1';
    const stricter = readSchemaFiles().map((f) =>
      f.schema['x-lgsp-type'] === type
        ? { ...f, schema: { ...f.schema, required: [...(f.schema.required as string[]), 'TrichYeuHoSo'] } }
        : f,
    );
    const data = submitted('000.00.01.H22-261122-0001', 1);
    delete (data as { TrichYeuHoSo?: string }).TrichYeuHoSo;
    expect(new SchemaRegistry().validate(type, data).ok).toBe(true);
    expect(new SchemaRegistry(stricter).validate(type, data)).toEqual({
      ok: false,
      issues: [{ pointer: '/data/TrichYeuHoSo', message: "must have required property 'TrichYeuHoSo'" }],
    });
  });
});

describe('checkCompatibility', () => {
  const v1: SchemaFile = {
    path: 'x/thing.v1.json',
    schema: {
      $id: 'https://schemas.lgsp-hub.local/x/thing.v1.json',
      'x-lgsp-type': 'vn.lgsp.x.thing.v1',
      type: 'object',
      additionalProperties: false,
      required: ['a'],
      properties: {
        a: { type: 'string' },
        b: { type: 'integer', enum: [1, 2, 3] },
        c: { type: 'string', maxLength: 10 },
      },
    },
  };
  const v2 = (change: Record<string, unknown>): SchemaFile => ({
    path: 'x/thing.v2.json',
    schema: {
      ...v1.schema,
      $id: 'https://schemas.lgsp-hub.local/x/thing.v2.json',
      'x-lgsp-type': 'vn.lgsp.x.thing.v2',
      ...change,
    },
  });

  it('passes the committed schema files', () => {
    expect(checkCompatibility(readSchemaFiles())).toEqual([]);
  });

  it('accepts a new optional property and a wider enum', () => {
    const next = v2({
      properties: {
        ...(v1.schema.properties as object),
        b: { type: 'integer', enum: [1, 2, 3, 4] },
        d: { type: 'string' },
      },
    });
    expect(checkCompatibility([v1, next])).toEqual([]);
  });

  it('flags a new required property, a removed enum value, a removed property and a tighter length', () => {
    const next = v2({
      required: ['a', 'c'],
      properties: {
        a: { type: 'string' },
        b: { type: 'integer', enum: [1, 2] },
        c: { type: 'string', maxLength: 5 },
      },
    });
    const reasons = checkCompatibility([v1, next]).map((p) => `${p.pointer} ${p.reason}`);
    expect(reasons).toEqual([
      '/c property became required',
      '/b enum value 3 removed',
      '/c maxLength tightened to 5',
    ]);
    const removed = v2({ properties: { a: { type: 'string' }, b: { type: 'integer', enum: [1, 2, 3] } } });
    expect(checkCompatibility([v1, removed]).map((p) => p.reason)).toEqual(['property removed']);
  });
});
