import { Args, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { AccessPolicy } from '@lgsp/policy';
import { HealthRepository, type EncounterRow, type VaccinationRow } from './health.repository';

/** Public names are English camelCase; each field's description names its claim-table field. */
export const healthSchema = /* GraphQL */ `
  "One treatment episode (claim table 1 of QĐ 130/QĐ-BYT as amended by QĐ 4750/QĐ-BYT)."
  type Encounter @key(fields: "id") {
    "MA_LK"
    id: String!
    "MA_CSKCB"
    facilityCode: String!
    "MA_BN"
    patientCode: String!
    "HO_TEN"
    patientName: String!
    "SO_CCCD"
    patientPersonalId: String!
    "MA_THE_BHYT"
    insuranceCardNumber: String
    "NGAY_VAO"
    admittedAt: String!
    "NGAY_RA"
    dischargedAt: String
    "MA_BENH_CHINH (ICD-10)"
    mainDiagnosis: String!
    "MA_BENH_KT (ICD-10)"
    secondaryDiagnoses: [String!]!
    "KET_QUA_DTRI"
    treatmentResult: Int
    "MA_LOAI_RV"
    dischargeKind: Int
    "T_TONGCHI_BV, VND"
    totalCost: Float
    "T_BHTT, VND"
    insurancePaid: Float
    "T_BNCCT, VND"
    patientCoPayment: Float
    "T_BNTT, VND"
    patientPaid: Float
    "KET_QUA_GIAM_DINH of the settled claim: ACCEPTED, PARTIAL, REFUSED; null until settled"
    claimStatus: String
    "NGAY_THANH_TOAN"
    claimSettledAt: String
    "T_BHTT after review, VND"
    claimPaid: Float
  }

  "One vaccine dose."
  type Vaccination @key(fields: "id") {
    id: String!
    "SO_CCCD"
    personalId: String!
    facilityCode: String!
    vaccineCode: String!
    vaccineName: String!
    dose: Int!
    givenAt: String!
  }

  extend type Citizen @key(fields: "personalId") {
    personalId: String! @external
    "Treatment episodes, newest first"
    encounters(first: Int): [Encounter!]!
    vaccinations(first: Int): [Vaccination!]!
  }

  extend type Query {
    encounter(id: String!): Encounter
    "Encounters admitted at a facility in [from, to)"
    encountersByFacility(facilityCode: String!, from: String!, to: String!, first: Int): [Encounter!]!
  }
`;

const CLAIM = ['', 'ACCEPTED', 'PARTIAL', 'REFUSED'];
const num = (v: string | null) => (v === null ? null : Number(v));

function toEncounter(e: EncounterRow) {
  return {
    id: e.id,
    facilityCode: e.facility_code,
    patientCode: e.patient_code,
    patientName: e.patient_name,
    patientPersonalId: e.personal_id,
    insuranceCardNumber: e.card_number,
    admittedAt: e.admitted_at.toISOString(),
    dischargedAt: e.discharged_at?.toISOString() ?? null,
    mainDiagnosis: e.main_diagnosis,
    secondaryDiagnoses: e.secondary_diagnoses,
    treatmentResult: e.treatment_result,
    dischargeKind: e.discharge_kind,
    totalCost: num(e.total_cost),
    insurancePaid: num(e.insurance_paid),
    patientCoPayment: num(e.patient_co_payment),
    patientPaid: num(e.patient_paid),
    claimStatus: e.claim_outcome ? CLAIM[e.claim_outcome] : null,
    claimSettledAt: e.claim_settled_at?.toISOString() ?? null,
    claimPaid: num(e.claim_paid),
  };
}

const toVaccination = (v: VaccinationRow) => ({
  id: v.id,
  personalId: v.personal_id,
  facilityCode: v.facility_code,
  vaccineCode: v.vaccine_code,
  vaccineName: v.vaccine_name,
  dose: v.dose,
  givenAt: v.given_at.toISOString(),
});

/** Encounters by id and by facility. */
@Resolver('Encounter')
export class EncounterResolver {
  constructor(
    private readonly health: HealthRepository,
    private readonly policy: AccessPolicy,
  ) {}

  @Query('encounter')
  async encounter(@Args('id') id: string) {
    const row = await this.health.encounter(id);
    return row ? toEncounter(row) : null;
  }

  @Query('encountersByFacility')
  async byFacility(@Args() a: { facilityCode: string; from: string; to: string; first?: number | null }) {
    const size = this.policy.listSize(a.first);
    return (await this.health.encountersAt(a.facilityCode, a.from, a.to, size)).map(toEncounter);
  }

  @ResolveReference()
  reference({ id }: { id: string }) {
    return this.encounter(id);
  }
}

/** What the health subgraph adds to the citizen: treatment episodes and vaccinations. */
@Resolver('Citizen')
export class CitizenHealthResolver {
  constructor(
    private readonly health: HealthRepository,
    private readonly policy: AccessPolicy,
  ) {}

  @ResolveField('encounters')
  async encounters(@Parent() { personalId }: { personalId: string }, @Args('first') first?: number | null) {
    const size = this.policy.listSize(first);
    return (await this.health.encountersOf(personalId, size)).map(toEncounter);
  }

  @ResolveField('vaccinations')
  async vaccinations(@Parent() { personalId }: { personalId: string }, @Args('first') first?: number | null) {
    const size = this.policy.listSize(first);
    return (await this.health.vaccinationsOf(personalId, size)).map(toVaccination);
  }
}

export const healthResolvers = [EncounterResolver, CitizenHealthResolver];
