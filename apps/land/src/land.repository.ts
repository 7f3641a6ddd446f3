import { migrate, type Database, type Queryable } from '@lgsp/store';

/** The read model's tables, in the schema given (the live one, or the one a rebuild fills beside it). */
export const landMigrations = (schema: string): string[] => [
  `CREATE TABLE ${schema}.applied_events (event_key text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
   CREATE TABLE ${schema}.parcels (
     id text PRIMARY KEY,
     commune_code text NOT NULL,
     sheet_number integer NOT NULL,
     parcel_number integer NOT NULL,
     area numeric NOT NULL,
     legal_area numeric,
     land_use text NOT NULL,
     address text NOT NULL,
     certificate_number text,
     certificate_issued_on date,
     certificate_authority text,
     certificate_status text,
     registered_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL
   );
   CREATE UNIQUE INDEX parcels_place ON ${schema}.parcels (commune_code, sheet_number, parcel_number);
   CREATE TABLE ${schema}.parcel_holders (
     parcel_id text NOT NULL REFERENCES ${schema}.parcels (id),
     holder_kind smallint NOT NULL,
     holder_id text NOT NULL,
     name text NOT NULL,
     share numeric NOT NULL,
     PRIMARY KEY (parcel_id, holder_id)
   );
   CREATE INDEX parcel_holders_holder ON ${schema}.parcel_holders (holder_id);
   CREATE TABLE ${schema}.parcel_history (
     seq bigserial PRIMARY KEY,
     parcel_id text NOT NULL,
     event_id text NOT NULL,
     event_type text NOT NULL,
     occurred_at timestamptz NOT NULL,
     accepted boolean NOT NULL,
     reason text,
     change_kind smallint,
     related_parcels text[],
     kafka_partition integer NOT NULL,
     kafka_offset bigint NOT NULL
   );
   CREATE INDEX parcel_history_parcel ON ${schema}.parcel_history (parcel_id, seq)`,
];

export interface ParcelRow {
  id: string;
  commune_code: string;
  sheet_number: number;
  parcel_number: number;
  area: string;
  legal_area: string | null;
  land_use: string;
  address: string;
  certificate_number: string | null;
  certificate_issued_on: Date | null;
  certificate_authority: string | null;
  certificate_status: string | null;
  registered_at: Date;
  updated_at: Date;
}

/** A parcel read for the subgraph: its holders come in the same statement, as JSON. */
export type ParcelWithHolders = ParcelRow & { holders: HolderRow[] };

const parcelWithHolders = (schema: string) => `SELECT p.*,
  (SELECT coalesce(json_agg(h ORDER BY h.holder_id), '[]'::json) FROM ${schema}.parcel_holders h WHERE h.parcel_id = p.id) AS holders
  FROM ${schema}.parcels p`;

export interface HolderRow {
  parcel_id: string;
  holder_kind: number;
  holder_id: string;
  name: string;
  /** numeric: a string from a column, a number from JSON */
  share: string | number;
}

export interface HolderInput {
  LoaiDoiTuong: 1 | 2;
  MaDinhDanh: string;
  HoTen: string;
  TyLe: number;
}

export interface ParcelChangeRow {
  event_id: string;
  event_type: string;
  occurred_at: Date;
  accepted: boolean;
  reason: string | null;
  change_kind: number | null;
  related_parcels: string[] | null;
}

/** SQL of the land read model: parcels, their holders and their full history. */
export class LandRepository {
  constructor(
    readonly db: Database,
    readonly schema = 'land',
  ) {}

  migrate(): Promise<void> {
    return migrate(this.db, this.schema, landMigrations(this.schema));
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async exists(tx: Queryable, id: string): Promise<boolean> {
    return (
      (await tx.query(`SELECT 1 FROM ${this.schema}.parcels WHERE id = $1 FOR UPDATE`, [id])).rows.length ===
      1
    );
  }

  async insertParcel(
    tx: Queryable,
    p: Omit<
      ParcelRow,
      'certificate_number' | 'certificate_issued_on' | 'certificate_authority' | 'certificate_status'
    >,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.schema}.parcels (id, commune_code, sheet_number, parcel_number, area, legal_area, land_use, address, registered_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [
        p.id,
        p.commune_code,
        p.sheet_number,
        p.parcel_number,
        p.area,
        p.legal_area,
        p.land_use,
        p.address,
        p.registered_at,
        p.updated_at,
      ],
    );
  }

  /** Sets the given columns (others keep their value). */
  async updateParcel(
    tx: Queryable,
    id: string,
    at: string,
    fields: Partial<
      Record<
        | 'area'
        | 'legal_area'
        | 'land_use'
        | 'certificate_number'
        | 'certificate_issued_on'
        | 'certificate_authority'
        | 'certificate_status',
        unknown
      >
    >,
  ): Promise<void> {
    const names = Object.keys(fields).filter((k) => fields[k as keyof typeof fields] !== undefined);
    await tx.query(
      `UPDATE ${this.schema}.parcels SET updated_at = $2${names.map((n, i) => `, ${n} = $${i + 3}`).join('')} WHERE id = $1`,
      [id, at, ...names.map((n) => fields[n as keyof typeof fields])],
    );
  }

  async replaceHolders(tx: Queryable, id: string, holders: HolderInput[]): Promise<void> {
    await tx.query(`DELETE FROM ${this.schema}.parcel_holders WHERE parcel_id = $1`, [id]);
    await tx.query(
      `INSERT INTO ${this.schema}.parcel_holders (parcel_id, holder_kind, holder_id, name, share)
       SELECT $1, kind, holder, name, share FROM unnest($2::smallint[], $3::text[], $4::text[], $5::numeric[]) AS h(kind, holder, name, share)`,
      [
        id,
        holders.map((h) => h.LoaiDoiTuong),
        holders.map((h) => h.MaDinhDanh),
        holders.map((h) => h.HoTen),
        holders.map((h) => h.TyLe),
      ],
    );
  }

  async certificateNumber(tx: Queryable, id: string): Promise<string | null> {
    return (
      (
        await tx.query<{ n: string | null }>(
          `SELECT certificate_number AS n FROM ${this.schema}.parcels WHERE id = $1`,
          [id],
        )
      ).rows[0]?.n ?? null
    );
  }

  async addHistory(
    tx: Queryable,
    h: {
      parcelId: string;
      eventId: string;
      type: string;
      at: string;
      accepted: boolean;
      reason?: string;
      kind?: number;
      related?: string[];
      partition: number;
      offset: string;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.schema}.parcel_history (parcel_id, event_id, event_type, occurred_at, accepted, reason, change_kind, related_parcels, kafka_partition, kafka_offset)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [
        h.parcelId,
        h.eventId,
        h.type,
        h.at,
        h.accepted,
        h.reason ?? null,
        h.kind ?? null,
        h.related ?? null,
        h.partition,
        h.offset,
      ],
    );
  }

  // ---- reads ----

  async byPlace(commune: string, sheet: number, parcel: number): Promise<ParcelWithHolders | undefined> {
    return (
      await this.db.query<ParcelWithHolders>(
        `${parcelWithHolders(this.schema)} WHERE p.commune_code = $1 AND p.sheet_number = $2 AND p.parcel_number = $3`,
        [commune, sheet, parcel],
      )
    ).rows[0];
  }

  async byId(id: string): Promise<ParcelWithHolders | undefined> {
    return (await this.db.query<ParcelWithHolders>(`${parcelWithHolders(this.schema)} WHERE p.id = $1`, [id]))
      .rows[0];
  }

  async byHolder(holderId: string, limit: number): Promise<ParcelWithHolders[]> {
    return (
      await this.db.query<ParcelWithHolders>(
        `${parcelWithHolders(this.schema)} WHERE p.id IN (SELECT parcel_id FROM ${this.schema}.parcel_holders WHERE holder_id = $1)
         ORDER BY p.id LIMIT $2`,
        [holderId, limit],
      )
    ).rows;
  }

  async history(parcelId: string): Promise<ParcelChangeRow[]> {
    return (
      await this.db.query<ParcelChangeRow>(
        `SELECT event_id, event_type, occurred_at, accepted, reason, change_kind, related_parcels
         FROM ${this.schema}.parcel_history WHERE parcel_id = $1 ORDER BY seq`,
        [parcelId],
      )
    ).rows;
  }
}
