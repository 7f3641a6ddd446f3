import { XRoadError } from './errors';

/**
 * X-Road identifiers of the REST protocol: a client `instance/memberClass/memberCode[/subsystemCode]` and a
 * service `instance/memberClass/memberCode/subsystemCode/serviceCode`, each part percent-encoded UTF-8 (PR-REST
 * 4.1, 4.2).
 */
export interface XRoadClientId {
  instance: string;
  memberClass: string;
  memberCode: string;
  /** X-Road allows member-level clients; access rights here are granted to subsystems only */
  subsystemCode?: string;
}

export interface XRoadSubsystemId extends XRoadClientId {
  subsystemCode: string;
}

export interface XRoadServiceId extends XRoadSubsystemId {
  serviceCode: string;
}

/**
 * Characters of an identifier part: PR-REST 4.8 allows letters, digits and `'()+,-.=?`; `_` and `~` (unreserved
 * in RFC 3986) are accepted too because deployed subsystem codes use them (ORG_1). Anything else, control
 * characters, `/`, `%` or `;` above all, is refused: a part must not be able to change how a path is split.
 */
const IDENTIFIER = /^[A-Za-z0-9'()+,\-.=?_~]+$/;
const MAX_PART = 255;
// a raw path segment: RFC 3986 pchar, percent escapes included (what X-Road's own decoder accepts)
const RAW_SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$/;

/** Why a part is not an identifier, or undefined when it is one. */
export function identifierProblem(part: string): string | undefined {
  if (part === '') return 'is empty';
  if (part.length > MAX_PART) return `is longer than ${MAX_PART} characters`;
  if (!IDENTIFIER.test(part)) return "may hold only letters, digits and '()+,-.=?_~";
  return undefined;
}

/** One percent-encoded segment, decoded; throws a Client.BadRequest naming `what` when it is not valid. */
export function decodeSegment(raw: string, what: string): string {
  if (!RAW_SEGMENT.test(raw)) throw new XRoadError('Client.BadRequest', `${what}: invalid characters`);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new XRoadError('Client.BadRequest', `${what}: invalid percent-encoding`);
  }
}

/** Percent-encodes a part as a path segment: what RFC 3986 allows in a segment stays as it is. */
export function encodeSegment(part: string): string {
  return encodeURIComponent(part).replace(/%(21|24|26|27|28|29|2A|2B|2C|3B|3D|3A|40)/g, (escape) =>
    decodeURIComponent(escape),
  );
}

const CLIENT_PARTS = ['instance', 'memberClass', 'memberCode', 'subsystemCode'] as const;

/**
 * A client id from the X-Road-Client header (or from configuration). 3 parts name a member, 4 a subsystem.
 * Throws Client.BadRequest.
 */
export function parseClientId(value: string, what = 'X-Road-Client'): XRoadClientId {
  const raw = value.split('/');
  if (raw.length < 3 || raw.length > 4)
    throw new XRoadError(
      'Client.BadRequest',
      `${what}: expected instance/memberClass/memberCode/subsystemCode, got ${raw.length} parts`,
    );
  const parts = raw.map((p, i) =>
    checkedPart(decodeSegment(p, `${what} ${CLIENT_PARTS[i]}`), `${what} ${CLIENT_PARTS[i]}`),
  );
  const [instance, memberClass, memberCode, subsystemCode] = parts;
  return subsystemCode === undefined
    ? { instance, memberClass, memberCode }
    : { instance, memberClass, memberCode, subsystemCode };
}

/** A subsystem id (4 parts, as providers and granted clients are named). Throws Client.BadRequest. */
export function parseSubsystemId(value: string, what: string): XRoadSubsystemId {
  const id = parseClientId(value, what);
  if (id.subsystemCode === undefined)
    throw new XRoadError(
      'Client.BadRequest',
      `${what}: a subsystem is required (instance/memberClass/memberCode/subsystemCode)`,
    );
  return id as XRoadSubsystemId;
}

/** A service id `instance/memberClass/memberCode/subsystemCode/serviceCode` (configuration). Throws Client.BadRequest. */
export function parseServiceId(value: string, what: string): XRoadServiceId {
  const parts = value.split('/');
  if (parts.length !== 5)
    throw new XRoadError(
      'Client.BadRequest',
      `${what}: expected instance/memberClass/memberCode/subsystemCode/serviceCode, got ${parts.length} parts`,
    );
  const subsystem = parseSubsystemId(parts.slice(0, 4).join('/'), what);
  const serviceCode = checkedPart(decodeSegment(parts[4], `${what} serviceCode`), `${what} serviceCode`);
  return { ...subsystem, serviceCode };
}

export function checkedPart(part: string, what: string): string {
  const problem = identifierProblem(part);
  if (problem) throw new XRoadError('Client.BadRequest', `${what} ${problem}`);
  return part;
}

/** `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`, percent-encoded, as in the X-Road-Client header. */
export function encodeClientId(id: XRoadClientId): string {
  return [
    id.instance,
    id.memberClass,
    id.memberCode,
    ...(id.subsystemCode !== undefined ? [id.subsystemCode] : []),
  ]
    .map(encodeSegment)
    .join('/');
}

/** `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`, percent-encoded, as in the X-Road-Service header. */
export function encodeServiceId(id: XRoadServiceId): string {
  return `${encodeClientId(id)}/${encodeSegment(id.serviceCode)}`;
}

/** The subsystem a service belongs to (its provider). */
export function providerOf(service: XRoadServiceId): XRoadSubsystemId {
  const { instance, memberClass, memberCode, subsystemCode } = service;
  return { instance, memberClass, memberCode, subsystemCode };
}

/** X-Road's own notation in messages: `SUBSYSTEM:INST/CLASS/MEMBER/SUB`, `SERVICE:…/SERVICE`. */
export function describeClient(id: XRoadClientId): string {
  return `${id.subsystemCode === undefined ? 'MEMBER' : 'SUBSYSTEM'}:${encodeClientId(id)}`;
}

export function describeService(id: XRoadServiceId): string {
  return `SERVICE:${encodeServiceId(id)}`;
}

export function sameClient(a: XRoadClientId, b: XRoadClientId): boolean {
  return (
    a.instance === b.instance &&
    a.memberClass === b.memberClass &&
    a.memberCode === b.memberCode &&
    a.subsystemCode === b.subsystemCode
  );
}
