import { DossierStatuses, isOpenStatus, type DossierStatusCode } from '@lgsp/contracts';
import { HubError } from '@lgsp/core';
import { Args, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { AccessPolicy } from '@lgsp/policy';
import {
  DossierRepository,
  type DossierFilter,
  type DossierRow,
  type HistoryRow,
} from './dossier.repository';

/** Public names are English camelCase; each field's description names its DVCQG field. */
export const dossierSchema = /* GraphQL */ `
  enum DossierStatus {
    ${Object.values(DossierStatuses)
      .map((s) => s.name)
      .join('\n    ')}
  }

  "A dossier of the one-stop-shop (hồ sơ thủ tục hành chính), from the DVCQG dossier sync model."
  type Dossier @key(fields: "code") {
    "MaHoSo"
    code: String!
    "MaTTHC"
    procedureCode: String!
    "TenTTHC"
    procedureName: String!
    "MaLinhVuc"
    fieldCode: String!
    "MaCoQuan"
    agencyCode: String!
    "KenhThucHien: 1 direct, 2 online, 3 postal"
    channel: Int!
    "ChuHoSo"
    applicantName: String!
    "The applicant's 12-digit personal id"
    applicantPersonalId: String!
    "TrangThaiHoSo"
    status: DossierStatus!
    "TrangThaiHoSo as its national code 1-10"
    statusCode: Int!
    "NgayNopHoSo"
    submittedAt: String!
    "NgayTiepNhan"
    receivedAt: String
    "NgayHenTra"
    dueAt: String
    "NgayKetThucXuLy"
    finishedAt: String
    "NgayTra"
    returnedAt: String
    "DonViXuLy"
    processingUnit: String
    "Sum of DanhSachLePhi, VND"
    feesTotal: Float!
    "Open and past NgayHenTra"
    overdue: Boolean!
    "An event tried a status change the lifecycle does not allow (see history)"
    flagged: Boolean!
    history: [DossierStatusChange!]!
  }

  type DossierStatusChange {
    eventId: String!
    eventType: String!
    status: DossierStatus!
    previousStatus: DossierStatus
    "false when the change was refused (impossible transition)"
    accepted: Boolean!
    reason: String
    occurredAt: String!
  }

  input DossierFilter {
    agencyCode: String
    procedureCode: String
    status: DossierStatus
    "submitted at or after (RFC 3339)"
    submittedFrom: String
    "submitted before (RFC 3339)"
    submittedTo: String
    overdue: Boolean
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type DossierEdge {
    cursor: String!
    node: Dossier!
  }

  type DossierConnection {
    edges: [DossierEdge!]!
    pageInfo: PageInfo!
  }

  "Operations-centre indicators for dossiers received in a period, per agency"
  type AgencyDossierIndicators {
    agencyCode: String!
    received: Int!
    resolved: Int!
    resolvedOnTime: Int!
    overdue: Int!
    "resolvedOnTime / resolved, 0-1; null when nothing is resolved"
    onTimeRate: Float
  }

  type Citizen @key(fields: "personalId") {
    personalId: String!
    dossiers(first: Int): [Dossier!]!
  }

  extend type Query {
    dossier(code: String!): Dossier
    dossiers(filter: DossierFilter, first: Int, after: String): DossierConnection!
    dossierIndicators(from: String!, to: String!, agencyCode: String): [AgencyDossierIndicators!]!
    citizen(personalId: String!): Citizen
  }
`;

const statusName = (code: number): string => DossierStatuses[code as DossierStatusCode].name;
const statusCode = (name: string): number => {
  const entry = Object.entries(DossierStatuses).find(([, s]) => s.name === name);
  if (!entry) throw new HubError('LGSP_ERR_NOT_FOUND', `unknown status ${name}`);
  return Number(entry[0]);
};
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toDossier(row: DossierRow) {
  const open = isOpenStatus(row.status);
  return {
    code: row.code,
    procedureCode: row.procedure_code,
    procedureName: row.procedure_name,
    fieldCode: row.field_code,
    agencyCode: row.agency_code,
    channel: row.channel,
    applicantName: row.applicant_name,
    applicantPersonalId: row.applicant_personal_id,
    status: statusName(row.status),
    statusCode: row.status,
    submittedAt: row.submitted_at.toISOString(),
    receivedAt: iso(row.received_at),
    dueAt: iso(row.due_at),
    finishedAt: iso(row.finished_at),
    returnedAt: iso(row.returned_at),
    processingUnit: row.processing_unit,
    feesTotal: Number(row.fees_total),
    overdue: open && row.due_at !== null && row.due_at.getTime() < Date.now(),
    flagged: row.flagged,
  };
}

function toChange(row: HistoryRow) {
  return {
    eventId: row.event_id,
    eventType: row.event_type,
    status: statusName(row.status),
    previousStatus: row.previous_status === null ? null : statusName(row.previous_status),
    accepted: row.accepted,
    reason: row.reason,
    occurredAt: row.occurred_at.toISOString(),
  };
}

function encodeCursor(row: DossierRow): string {
  return Buffer.from(JSON.stringify([row.submitted_at.toISOString(), row.code])).toString('base64url');
}

function decodeCursor(cursor: string): { submittedAt: string; code: string } {
  try {
    const [submittedAt, code] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      string,
      string,
    ];
    if (typeof submittedAt === 'string' && typeof code === 'string') return { submittedAt, code };
  } catch {
    /* fall through */
  }
  throw new Error('invalid cursor');
}

function checkInstant(name: string, value: string | undefined): void {
  if (value !== undefined && Number.isNaN(Date.parse(value)))
    throw new Error(`${name} must be an RFC 3339 timestamp`);
}

interface FilterArgs extends Omit<DossierFilter, 'status'> {
  status?: string;
}

/** Dossiers by code, page and agency; each resolver reads through the repository and shapes for the schema. */
@Resolver('Dossier')
export class DossierResolver {
  constructor(
    private readonly dossiers: DossierRepository,
    private readonly policy: AccessPolicy,
  ) {}

  @Query('dossier')
  async dossier(@Args('code') code: string) {
    const row = await this.dossiers.byCode(code);
    return row ? toDossier(row) : null;
  }

  @Query('dossiers')
  async page(@Args() args: { filter?: FilterArgs; first?: number | null; after?: string | null }) {
    const first = this.policy.listSize(args.first);
    const { status, ...rest } = args.filter ?? {};
    checkInstant('submittedFrom', rest.submittedFrom);
    checkInstant('submittedTo', rest.submittedTo);
    const filter: DossierFilter = { ...rest, ...(status ? { status: statusCode(status) } : {}) };
    const rows = await this.dossiers.list(
      filter,
      first + 1,
      args.after ? decodeCursor(args.after) : undefined,
    );
    const page = rows.slice(0, first);
    return {
      edges: page.map((row) => ({ cursor: encodeCursor(row), node: toDossier(row) })),
      pageInfo: {
        hasNextPage: rows.length > first,
        endCursor: page.length ? encodeCursor(page[page.length - 1]) : null,
      },
    };
  }

  @Query('dossierIndicators')
  async indicators(@Args() args: { from: string; to: string; agencyCode?: string }) {
    checkInstant('from', args.from);
    checkInstant('to', args.to);
    const rows = await this.dossiers.indicators(args.from, args.to, args.agencyCode);
    return rows.map((r) => ({
      agencyCode: r.agency_code,
      received: Number(r.received),
      resolved: Number(r.resolved),
      resolvedOnTime: Number(r.resolved_on_time),
      overdue: Number(r.overdue),
      onTimeRate: Number(r.resolved) > 0 ? Number(r.resolved_on_time) / Number(r.resolved) : null,
    }));
  }

  @ResolveReference()
  async reference({ code }: { code: string }) {
    return this.dossier(code);
  }

  @ResolveField('history')
  async history(@Parent() { code }: { code: string }) {
    return (await this.dossiers.history(code)).map(toChange);
  }
}

/** The citizen entity is this subgraph's: its key, and the dossiers the citizen applied for. */
@Resolver('Citizen')
export class CitizenResolver {
  constructor(
    private readonly dossiers: DossierRepository,
    private readonly policy: AccessPolicy,
  ) {}

  @Query('citizen')
  citizen(@Args('personalId') personalId: string) {
    return { personalId };
  }

  @ResolveReference()
  reference({ personalId }: { personalId: string }) {
    return { personalId };
  }

  @ResolveField('dossiers')
  async applications(@Parent() { personalId }: { personalId: string }, @Args('first') first?: number | null) {
    const size = this.policy.listSize(first);
    return (await this.dossiers.list({ applicantPersonalId: personalId }, size)).map(toDossier);
  }
}

export const dossierResolvers = [DossierResolver, CitizenResolver];
