import { listSizeFor, type Limits } from '@lgsp/policy';
import type { HolderRow, LandRepository, ParcelChangeRow, ParcelWithHolders } from './land.repository';

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

export function landResolvers(repository: LandRepository, lists: Limits) {
  const maybe = (row: ParcelWithHolders | undefined) => (row ? toParcel(row) : null);
  return {
    Query: {
      parcel: async (_: unknown, a: { communeCode: string; sheetNumber: number; parcelNumber: number }) =>
        maybe(await repository.byPlace(a.communeCode, a.sheetNumber, a.parcelNumber)),
      parcelsByHolder: async (_: unknown, a: { holderId: string; first?: number | null }) =>
        (await repository.byHolder(a.holderId, listSizeFor(a.first, lists))).map(toParcel),
    },
    Parcel: {
      __resolveReference: async ({ id }: { id: string }) => maybe(await repository.byId(id)),
      history: async ({ id }: { id: string }) => (await repository.history(id)).map(toChange),
    },
    Citizen: {
      parcels: async ({ personalId }: { personalId: string }, { first }: { first?: number | null }) =>
        (await repository.byHolder(personalId, listSizeFor(first, lists))).map(toParcel),
    },
  };
}
