import { Args, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { AccessPolicy } from '@lgsp/policy';
import {
  LandRepository,
  type HolderRow,
  type ParcelChangeRow,
  type ParcelWithHolders,
} from './land.repository';

/** Public names are English camelCase; each field's description names its cadastral field. */
export const landSchema = /* GraphQL */ `
  "A land parcel of the cadastral database (thửa đất)."
  type Parcel @key(fields: "id") {
    "MaThuaDat: <MaXa>-<SoHieuToBanDo>-<SoThuTuThua>"
    id: String!
    "MaXa"
    communeCode: String!
    "SOHIEUTOBANDO"
    sheetNumber: Int!
    "SOTHUTUTHUA"
    parcelNumber: Int!
    "DienTich, m²"
    area: Float!
    "DienTichPhapLy, m²"
    legalArea: Float
    "MucDichSuDung: ONT, ODT, CLN, LUC, …"
    landUse: String!
    "DiaChi"
    address: String!
    "NguoiSuDung"
    holders: [ParcelHolder!]!
    certificate: LandCertificate
    "Every change, in order, including refused ones"
    history: [ParcelChange!]!
  }

  enum HolderKind {
    PERSON
    ORGANISATION
  }

  type ParcelHolder {
    kind: HolderKind!
    "MaDinhDanh: 12-digit personal id or organisation code"
    holderId: String!
    "HoTen"
    name: String!
    "TyLe"
    share: Float!
  }

  type LandCertificate {
    "SoGCN"
    number: String!
    "NgayCap"
    issuedOn: String!
    "CoQuanCap"
    authority: String!
    status: String!
  }

  type ParcelChange {
    eventId: String!
    eventType: String!
    occurredAt: String!
    accepted: Boolean!
    reason: String
    "LoaiBienDong or HinhThuc, as the event type defines it"
    kind: Int
    "ThuaLienQuan"
    relatedParcels: [String!]!
  }

  extend type Citizen @key(fields: "personalId") {
    personalId: String! @external
    "Parcels the citizen holds a share of"
    parcels(first: Int): [Parcel!]!
  }

  extend type Query {
    parcel(communeCode: String!, sheetNumber: Int!, parcelNumber: Int!): Parcel
    parcelsByHolder(holderId: String!, first: Int): [Parcel!]!
  }
`;

const toHolder = (h: HolderRow) => ({
  kind: h.holder_kind === 1 ? 'PERSON' : 'ORGANISATION',
  holderId: h.holder_id,
  name: h.name,
  share: Number(h.share),
});

function toParcel(row: ParcelWithHolders) {
  return {
    id: row.id,
    communeCode: row.commune_code,
    sheetNumber: row.sheet_number,
    parcelNumber: row.parcel_number,
    area: Number(row.area),
    legalArea: row.legal_area === null ? null : Number(row.legal_area),
    landUse: row.land_use,
    address: row.address,
    holders: row.holders.map(toHolder),
    certificate: row.certificate_number
      ? {
          number: row.certificate_number,
          issuedOn: row.certificate_issued_on ? row.certificate_issued_on.toISOString().slice(0, 10) : '',
          authority: row.certificate_authority ?? '',
          status: row.certificate_status ?? 'VALID',
        }
      : null,
  };
}

const toChange = (c: ParcelChangeRow) => ({
  eventId: c.event_id,
  eventType: c.event_type,
  occurredAt: c.occurred_at.toISOString(),
  accepted: c.accepted,
  reason: c.reason,
  kind: c.change_kind,
  relatedParcels: c.related_parcels ?? [],
});

const maybe = (row: ParcelWithHolders | undefined) => (row ? toParcel(row) : null);

/** Parcels by place and by holder, with their history. */
@Resolver('Parcel')
export class ParcelResolver {
  constructor(
    private readonly parcels: LandRepository,
    private readonly policy: AccessPolicy,
  ) {}

  @Query('parcel')
  async parcel(@Args() a: { communeCode: string; sheetNumber: number; parcelNumber: number }) {
    return maybe(await this.parcels.byPlace(a.communeCode, a.sheetNumber, a.parcelNumber));
  }

  @Query('parcelsByHolder')
  async byHolder(@Args() a: { holderId: string; first?: number | null }) {
    const size = this.policy.listSize(a.first);
    return (await this.parcels.byHolder(a.holderId, size)).map(toParcel);
  }

  @ResolveReference()
  async reference({ id }: { id: string }) {
    return maybe(await this.parcels.byId(id));
  }

  @ResolveField('history')
  async history(@Parent() { id }: { id: string }) {
    return (await this.parcels.history(id)).map(toChange);
  }
}

/** What the land subgraph adds to the citizen: the parcels they hold a share of. */
@Resolver('Citizen')
export class CitizenParcelsResolver {
  constructor(
    private readonly parcels: LandRepository,
    private readonly policy: AccessPolicy,
  ) {}

  @ResolveField('parcels')
  async parcelsOf(@Parent() { personalId }: { personalId: string }, @Args('first') first?: number | null) {
    const size = this.policy.listSize(first);
    return (await this.parcels.byHolder(personalId, size)).map(toParcel);
  }
}

export const landResolvers = [ParcelResolver, CitizenParcelsResolver];
