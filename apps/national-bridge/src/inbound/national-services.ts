import { HubError } from '@lgsp/core';
import type { GatewayQuery } from './hub-gateway.client';

/** A request to a national service, below its service code: the method and the decoded path segments. */
export interface ServiceRequest {
  method: string;
  segments: readonly string[];
}

/** The gateway query that answers a request, and how its data becomes the answer. */
export interface PlannedQuery extends Omit<GatewayQuery, 'onBehalfOf'> {
  /** the answer's body from the query's data; undefined when the hub holds no such record (404) */
  answer(data: Record<string, unknown>): unknown;
}

/** A service the province provides on the national axis, answered from the hub's gateway. */
export interface NationalService {
  code: string;
  /** the service answers health data: its bodies are never kept in clear in the message log */
  health: boolean;
  /** the query for a request, or a HubError (404 of an unknown resource, 405, 400) the hub answers itself */
  plan(request: ServiceRequest): PlannedQuery;
}

const DOSSIER_CODE = /^[0-9A-Za-z.]{1,40}-\d{6}-\d{4}$/;
const PERSONAL_ID = /^\d{12}$/;
const COMMUNE_CODE = /^\d{5}$/;
const NUMBER = /^[1-9]\d{0,8}$/;
const LIST_SIZE = 50;

/** Matches `pattern` ("dossiers/:code") against the segments: the named parts, or undefined. */
function match(pattern: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = pattern.split('/');
  if (parts.length !== segments.length) return undefined;
  const named: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    if (part.startsWith(':')) named[part.slice(1)] = segments[i];
    else if (part !== segments[i]) return undefined;
  }
  return named;
}

function route(service: string, pattern: string, request: ServiceRequest): Record<string, string> {
  const named = match(pattern, request.segments);
  if (!named)
    throw new HubError('LGSP_ERR_NOT_FOUND', `${service} answers GET /${pattern.replace(/:(\w+)/g, '{$1}')}`);
  if (request.method !== 'GET' && request.method !== 'HEAD')
    throw new HubError('LGSP_ERR_NATIONAL_METHOD_NOT_ALLOWED', `${service} answers GET only`);
  return named;
}

function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new HubError('LGSP_ERR_BAD_REQUEST', `not a valid ${what}: ${value}`);
  return value;
}

/** The status of a dossier (public fields only): GET /dossiers/{MaHoSo}. */
const dossierStatus: NationalService = {
  code: 'dossierStatus',
  health: false,
  plan(request) {
    const { code } = route(this.code, 'dossiers/:code', request);
    return {
      operationName: 'NationalDossierStatus',
      query: /* GraphQL */ `
        query NationalDossierStatus($code: String!) {
          dossier(code: $code) {
            code
            procedureCode
            procedureName
            fieldCode
            agencyCode
            channel
            status
            statusCode
            submittedAt
            receivedAt
            dueAt
            finishedAt
            returnedAt
            processingUnit
            overdue
          }
        }
      `,
      variables: { code: checked(code, DOSSIER_CODE, 'dossier code (MaHoSo)') },
      purpose: 'public-service',
      answer: (data) => data.dossier ?? undefined,
    };
  },
};

/** A land parcel with its holders and certificate: GET /parcels/{MaXa}/{SoHieuToBanDo}/{SoThuTuThua}. */
const landParcel: NationalService = {
  code: 'landParcel',
  health: false,
  plan(request) {
    const named = route(this.code, 'parcels/:commune/:sheet/:parcel', request);
    return {
      operationName: 'NationalLandParcel',
      query: /* GraphQL */ `
        query NationalLandParcel($commune: String!, $sheet: Int!, $parcel: Int!) {
          parcel(communeCode: $commune, sheetNumber: $sheet, parcelNumber: $parcel) {
            id
            communeCode
            sheetNumber
            parcelNumber
            area
            legalArea
            landUse
            address
            holders {
              kind
              holderId
              name
              share
            }
            certificate {
              number
              issuedOn
              authority
              status
            }
          }
        }
      `,
      variables: {
        commune: checked(named.commune, COMMUNE_CODE, 'commune code (MaXa)'),
        sheet: Number(checked(named.sheet, NUMBER, 'map sheet number')),
        parcel: Number(checked(named.parcel, NUMBER, 'parcel number')),
      },
      purpose: 'land-administration',
      answer: (data) => data.parcel ?? undefined,
    };
  },
};

/** The dossiers a citizen applied for: GET /citizens/{personal id}/dossiers. */
const citizenDossiers: NationalService = {
  code: 'citizenDossiers',
  health: false,
  plan(request) {
    const { personalId } = route(this.code, 'citizens/:personalId/dossiers', request);
    return {
      operationName: 'NationalCitizenDossiers',
      query: /* GraphQL */ `query NationalCitizenDossiers($personalId: String!) {
        citizen(personalId: $personalId) {
          personalId
          dossiers(first: ${LIST_SIZE}) {
            code procedureCode procedureName agencyCode status statusCode submittedAt dueAt finishedAt
          }
        }
      }`,
      variables: { personalId: checked(personalId, PERSONAL_ID, 'personal identification number') },
      purpose: 'public-service',
      answer: (data) => data.citizen ?? undefined,
    };
  },
};

/** The services the endpoint can answer; the access-rights file says which are offered and to whom. */
export const NationalServices: readonly NationalService[] = [dossierStatus, landParcel, citizenDossiers];

export function nationalService(code: string): NationalService | undefined {
  return NationalServices.find((s) => s.code === code);
}
