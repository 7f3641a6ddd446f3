import { OpenStatuses, ResolvedStatuses, type DossierStatusCode } from '@lgsp/contracts';
import { migrate, type Database, type Queryable } from '@lgsp/store';

/** The read model's tables, in the schema given (the live one, or the one a rebuild fills beside it). */
export const dossierMigrations = (schema: string): string[] => [
  `CREATE TABLE ${schema}.applied_events (
     event_key text PRIMARY KEY,
     applied_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE TABLE ${schema}.dossiers (
     code text PRIMARY KEY,
     procedure_code text NOT NULL,
     procedure_name text NOT NULL,
     field_code text NOT NULL,
     field_name text,
     agency_code text NOT NULL,
     channel smallint NOT NULL,
     applicant_name text NOT NULL,
     applicant_personal_id text NOT NULL,
     status smallint NOT NULL,
     submitted_at timestamptz NOT NULL,
     received_at timestamptz,
     due_at timestamptz,
     finished_at timestamptz,
     returned_at timestamptz,
     processing_unit text,
     fees_total bigint NOT NULL DEFAULT 0,
     flagged boolean NOT NULL DEFAULT false,
     updated_at timestamptz NOT NULL
   );
   CREATE INDEX dossiers_agency ON ${schema}.dossiers (agency_code, submitted_at);
   CREATE INDEX dossiers_applicant ON ${schema}.dossiers (applicant_personal_id);
   CREATE INDEX dossiers_status ON ${schema}.dossiers (status, due_at);
   CREATE TABLE ${schema}.status_history (
     seq bigserial PRIMARY KEY,
     code text NOT NULL,
     event_id text NOT NULL,
     event_source text NOT NULL,
     event_type text NOT NULL,
     status smallint NOT NULL,
     previous_status smallint,
     accepted boolean NOT NULL,
     reason text,
     occurred_at timestamptz NOT NULL,
     detail jsonb NOT NULL,
     kafka_partition integer NOT NULL,
     kafka_offset bigint NOT NULL
   );
   CREATE INDEX status_history_code ON ${schema}.status_history (code, seq)`,
];

export interface DossierRow {
  code: string;
  procedure_code: string;
  procedure_name: string;
  field_code: string;
  field_name: string | null;
  agency_code: string;
  channel: number;
  applicant_name: string;
  applicant_personal_id: string;
  status: DossierStatusCode;
  submitted_at: Date;
  received_at: Date | null;
  due_at: Date | null;
  finished_at: Date | null;
  returned_at: Date | null;
  processing_unit: string | null;
  fees_total: string;
  flagged: boolean;
  updated_at: Date;
}

/** Columns of dossier.dossiers with their SQL types, for set-based writes. */
const DOSSIER_COLUMNS: [keyof DossierRow, string][] = [
  ['code', 'text'],
  ['procedure_code', 'text'],
  ['procedure_name', 'text'],
  ['field_code', 'text'],
  ['field_name', 'text'],
  ['agency_code', 'text'],
  ['channel', 'smallint'],
  ['applicant_name', 'text'],
  ['applicant_personal_id', 'text'],
  ['status', 'smallint'],
  ['submitted_at', 'timestamptz'],
  ['received_at', 'timestamptz'],
  ['due_at', 'timestamptz'],
  ['finished_at', 'timestamptz'],
  ['returned_at', 'timestamptz'],
  ['processing_unit', 'text'],
  ['fees_total', 'bigint'],
  ['flagged', 'boolean'],
  ['updated_at', 'timestamptz'],
];

export interface NewHistoryRow {
  code: string;
  eventId: string;
  source: string;
  type: string;
  status: DossierStatusCode;
  previousStatus?: DossierStatusCode;
  accepted: boolean;
  reason?: string;
  occurredAt: string;
  detail: unknown;
  partition: number;
  offset: string;
}

export interface HistoryRow {
  seq: string;
  code: string;
  event_id: string;
  event_type: string;
  status: number;
  previous_status: number | null;
  accepted: boolean;
  reason: string | null;
  occurred_at: Date;
}

export interface DossierFilter {
  agencyCode?: string;
  procedureCode?: string;
  status?: number;
  applicantPersonalId?: string;
  submittedFrom?: string;
  submittedTo?: string;
  overdue?: boolean;
}

export interface IndicatorRow {
  agency_code: string;
  received: string;
  resolved: string;
  resolved_on_time: string;
  overdue: string;
}

/** SQL lists of the status codes (constants of the contract, never input). */
const OPEN_STATUSES = `(${OpenStatuses.join(', ')})`;
const RESOLVED_STATUSES = `(${ResolvedStatuses.join(', ')})`;

/** SQL of the dossier read model. The projection writes through `tx`, readers use the pool. */
export class DossierRepository {
  constructor(
    readonly db: Database,
    readonly schema = 'dossier',
  ) {}

  migrate(): Promise<void> {
    return migrate(this.db, this.schema, dossierMigrations(this.schema));
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Current rows of these dossiers, locked until the transaction ends. */
  async lockMany(tx: Queryable, codes: string[]): Promise<Map<string, DossierRow>> {
    if (codes.length === 0) return new Map();
    const { rows } = await tx.query<DossierRow>(
      `SELECT * FROM ${this.schema}.dossiers WHERE code = ANY($1) ORDER BY code FOR UPDATE`,
      [codes],
    );
    return new Map(rows.map((r) => [r.code, r]));
  }

  /** Inserts or replaces whole dossier rows, in one statement. */
  async saveMany(tx: Queryable, rows: DossierRow[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = DOSSIER_COLUMNS.map(([name]) => name);
    await tx.query(
      `INSERT INTO ${this.schema}.dossiers (${columns.join(', ')})
       SELECT ${columns.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${DOSSIER_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})
       ON CONFLICT (code) DO UPDATE SET ${columns
         .filter((c) => c !== 'code')
         .map((c) => `${c} = EXCLUDED.${c}`)
         .join(', ')}`,
      [JSON.stringify(rows)],
    );
  }

  /** Appends history rows in the order given (seq follows it), in one statement. */
  async addHistoryMany(tx: Queryable, rows: NewHistoryRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO ${this.schema}.status_history (code, event_id, event_source, event_type, status, previous_status, accepted,
         reason, occurred_at, detail, kafka_partition, kafka_offset)
       SELECT code, "eventId", source, type, status, "previousStatus", accepted, reason, "occurredAt", detail, partition, "offset"
       FROM jsonb_to_recordset($1::jsonb) AS x(i integer, code text, "eventId" text, source text, type text, status smallint,
         "previousStatus" smallint, accepted boolean, reason text, "occurredAt" timestamptz, detail jsonb, partition integer,
         "offset" bigint)
       ORDER BY i`,
      [JSON.stringify(rows.map((row, i) => ({ i, ...row })))],
    );
  }

  async addHistory(tx: Queryable, row: NewHistoryRow): Promise<void> {
    await this.addHistoryMany(tx, [row]);
  }

  // ---- reads ----

  async byCode(code: string): Promise<DossierRow | undefined> {
    return (await this.db.query<DossierRow>(`SELECT * FROM ${this.schema}.dossiers WHERE code = $1`, [code]))
      .rows[0];
  }

  async byCodes(codes: string[]): Promise<DossierRow[]> {
    return (
      await this.db.query<DossierRow>(`SELECT * FROM ${this.schema}.dossiers WHERE code = ANY($1)`, [codes])
    ).rows;
  }

  async history(code: string): Promise<HistoryRow[]> {
    return (
      await this.db.query<HistoryRow>(
        `SELECT h.seq::text AS seq, code, event_id, event_type, status, previous_status, accepted, reason, occurred_at
         FROM ${this.schema}.status_history h WHERE code = $1 ORDER BY h.seq`,
        [code],
      )
    ).rows;
  }

  /** Keyset pagination on (submitted_at, code), newest first. */
  async list(
    filter: DossierFilter,
    limit: number,
    after?: { submittedAt: string; code: string },
  ): Promise<DossierRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.agencyCode) add('agency_code = ?', filter.agencyCode);
    if (filter.procedureCode) add('procedure_code = ?', filter.procedureCode);
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.applicantPersonalId) add('applicant_personal_id = ?', filter.applicantPersonalId);
    if (filter.submittedFrom) add('submitted_at >= ?', filter.submittedFrom);
    if (filter.submittedTo) add('submitted_at < ?', filter.submittedTo);
    if (filter.overdue === true) where.push(`status IN ${OPEN_STATUSES} AND due_at < now()`);
    if (filter.overdue === false)
      where.push(`NOT (status IN ${OPEN_STATUSES} AND due_at IS NOT NULL AND due_at < now())`);
    if (after) {
      params.push(after.submittedAt, after.code);
      where.push(`(submitted_at, code) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit);
    return (
      await this.db.query<DossierRow>(
        `SELECT * FROM ${this.schema}.dossiers ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY submitted_at DESC, code DESC LIMIT $${params.length}`,
        params,
      )
    ).rows;
  }

  /**
   * The indicators an operations centre watches, per agency, for dossiers received in [from, to):
   * received; resolved (processed or returned); resolved on time (finished by NgayHenTra); overdue now.
   */
  async indicators(from: string, to: string, agencyCode?: string): Promise<IndicatorRow[]> {
    return (
      await this.db.query<IndicatorRow>(
        `SELECT agency_code,
           count(*)::text AS received,
           count(*) FILTER (WHERE status IN ${RESOLVED_STATUSES})::text AS resolved,
           count(*) FILTER (WHERE status IN ${RESOLVED_STATUSES} AND finished_at <= due_at)::text AS resolved_on_time,
           count(*) FILTER (WHERE status IN ${OPEN_STATUSES} AND due_at < now())::text AS overdue
         FROM ${this.schema}.dossiers
         WHERE received_at >= $1 AND received_at < $2 AND ($3::text IS NULL OR agency_code = $3)
         GROUP BY agency_code ORDER BY agency_code`,
        [from, to, agencyCode ?? null],
      )
    ).rows;
  }
}
