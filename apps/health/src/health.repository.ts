import { migrate, type Database, type Queryable } from '@lgsp/store';

/** The read model's tables, in the schema given (the live one, or the one a rebuild fills beside it). */
export const healthMigrations = (schema: string): string[] => [
  `CREATE TABLE ${schema}.applied_events (event_key text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
   CREATE TABLE ${schema}.encounters (
     id text PRIMARY KEY,
     facility_code text NOT NULL,
     patient_code text NOT NULL,
     patient_name text NOT NULL,
     personal_id text NOT NULL,
     birth text NOT NULL,
     gender smallint NOT NULL,
     card_number text,
     admitted_at timestamptz NOT NULL,
     discharged_at timestamptz,
     main_diagnosis text NOT NULL,
     secondary_diagnoses text[] NOT NULL DEFAULT '{}',
     treatment_result smallint,
     discharge_kind smallint,
     total_cost numeric NOT NULL,
     insurance_paid numeric,
     patient_co_payment numeric,
     patient_paid numeric,
     updated_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX encounters_person ON ${schema}.encounters (personal_id, admitted_at);
   CREATE INDEX encounters_facility ON ${schema}.encounters (facility_code, admitted_at);
   CREATE TABLE ${schema}.claims (
     encounter_id text PRIMARY KEY,
     facility_code text NOT NULL,
     settled_at timestamptz NOT NULL,
     outcome smallint NOT NULL,
     paid numeric NOT NULL,
     refused numeric,
     reason text
   );
   CREATE TABLE ${schema}.vaccinations (
     id text PRIMARY KEY,
     personal_id text NOT NULL,
     name text NOT NULL,
     facility_code text NOT NULL,
     vaccine_code text NOT NULL,
     vaccine_name text NOT NULL,
     dose smallint NOT NULL,
     given_at timestamptz NOT NULL
   );
   CREATE INDEX vaccinations_person ON ${schema}.vaccinations (personal_id, given_at)`,
];

export interface EncounterRow {
  id: string;
  facility_code: string;
  patient_code: string;
  patient_name: string;
  personal_id: string;
  birth: string;
  gender: number;
  card_number: string | null;
  admitted_at: Date;
  discharged_at: Date | null;
  main_diagnosis: string;
  secondary_diagnoses: string[];
  treatment_result: number | null;
  discharge_kind: number | null;
  total_cost: string;
  insurance_paid: string | null;
  patient_co_payment: string | null;
  patient_paid: string | null;
  claim_settled_at: Date | null;
  claim_outcome: number | null;
  claim_paid: string | null;
}

export interface VaccinationRow {
  id: string;
  personal_id: string;
  name: string;
  facility_code: string;
  vaccine_code: string;
  vaccine_name: string;
  dose: number;
  given_at: Date;
}

const encounterSelect = (
  schema: string,
) => `SELECT e.*, c.settled_at AS claim_settled_at, c.outcome AS claim_outcome, c.paid AS claim_paid
  FROM ${schema}.encounters e LEFT JOIN ${schema}.claims c ON c.encounter_id = e.id`;

/** SQL of the health read model: encounters (claim table 1), settled claims and vaccinations. */
export class HealthRepository {
  constructor(
    readonly db: Database,
    readonly schema = 'health',
  ) {}

  migrate(): Promise<void> {
    return migrate(this.db, this.schema, healthMigrations(this.schema));
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** The facility that recorded an encounter, if it is known. */
  async encounterFacility(tx: Queryable, id: string): Promise<string | undefined> {
    const { rows } = await tx.query<{ facility_code: string }>(
      `SELECT facility_code FROM ${this.schema}.encounters WHERE id = $1`,
      [id],
    );
    return rows[0]?.facility_code;
  }

  /** The facility that recorded a vaccination, if it is known. */
  async vaccinationFacility(tx: Queryable, id: string): Promise<string | undefined> {
    const { rows } = await tx.query<{ facility_code: string }>(
      `SELECT facility_code FROM ${this.schema}.vaccinations WHERE id = $1`,
      [id],
    );
    return rows[0]?.facility_code;
  }

  /** A re-sent encounter record (same MA_LK) replaces the previous one, as a corrected claim does. */
  async saveEncounter(
    tx: Queryable,
    e: Omit<EncounterRow, 'claim_settled_at' | 'claim_outcome' | 'claim_paid'>,
  ): Promise<void> {
    const columns = Object.keys(e);
    await tx.query(
      `INSERT INTO ${this.schema}.encounters (${columns.join(', ')}, updated_at) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}, now())
       ON CONFLICT (id) DO UPDATE SET ${columns
         .filter((c) => c !== 'id')
         .map((c) => `${c} = EXCLUDED.${c}`)
         .join(', ')}, updated_at = now()`,
      Object.values(e),
    );
  }

  async saveClaim(
    tx: Queryable,
    c: {
      encounter_id: string;
      facility_code: string;
      settled_at: string;
      outcome: number;
      paid: number;
      refused?: number;
      reason?: string;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.schema}.claims (encounter_id, facility_code, settled_at, outcome, paid, refused, reason) VALUES ($1,$2,$3,$4,$5,$6,$7)
       ON CONFLICT (encounter_id) DO UPDATE SET settled_at = EXCLUDED.settled_at, outcome = EXCLUDED.outcome, paid = EXCLUDED.paid,
         refused = EXCLUDED.refused, reason = EXCLUDED.reason`,
      [c.encounter_id, c.facility_code, c.settled_at, c.outcome, c.paid, c.refused ?? null, c.reason ?? null],
    );
  }

  async saveVaccination(tx: Queryable, v: VaccinationRow): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.schema}.vaccinations (id, personal_id, name, facility_code, vaccine_code, vaccine_name, dose, given_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (id) DO NOTHING`,
      [v.id, v.personal_id, v.name, v.facility_code, v.vaccine_code, v.vaccine_name, v.dose, v.given_at],
    );
  }

  // ---- reads ----

  async encounter(id: string): Promise<EncounterRow | undefined> {
    return (await this.db.query<EncounterRow>(`${encounterSelect(this.schema)} WHERE e.id = $1`, [id]))
      .rows[0];
  }

  async encountersOf(personalId: string, limit: number): Promise<EncounterRow[]> {
    return (
      await this.db.query<EncounterRow>(
        `${encounterSelect(this.schema)} WHERE e.personal_id = $1 ORDER BY e.admitted_at DESC LIMIT $2`,
        [personalId, limit],
      )
    ).rows;
  }

  async encountersAt(facility: string, from: string, to: string, limit: number): Promise<EncounterRow[]> {
    return (
      await this.db.query<EncounterRow>(
        `${encounterSelect(this.schema)} WHERE e.facility_code = $1 AND e.admitted_at >= $2 AND e.admitted_at < $3 ORDER BY e.admitted_at LIMIT $4`,
        [facility, from, to, limit],
      )
    ).rows;
  }

  async vaccinationsOf(personalId: string): Promise<VaccinationRow[]> {
    return (
      await this.db.query<VaccinationRow>(
        `SELECT * FROM ${this.schema}.vaccinations WHERE personal_id = $1 ORDER BY given_at`,
        [personalId],
      )
    ).rows;
  }
}
