/**
 * Dates of the DVCQG dossier sync: `yyyyMMddHHmmss`, the wall-clock time in Asia/Ho_Chi_Minh, no zone in the
 * string. Our events carry RFC 3339 instants with their own offset; the national side needs Vietnam's local time.
 */

export const DvcqgTimeZone = 'Asia/Ho_Chi_Minh';

const DVCQG_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
// RFC 3339 with a mandatory offset: a time without one would be read in the process's own zone.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

// The IANA zone through Intl rather than a hand-written offset, so the conversion stays right even if the zone's
// rules change. hourCycle h23: some ICU versions print midnight as "24" with hour12: false.
const wallClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: DvcqgTimeZone,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** An RFC 3339 instant (or a Date) as the DVCQG `yyyyMMddHHmmss` in Vietnam's time. */
export function toDvcqgTime(instant: string | Date): string {
  const date = typeof instant === 'string' ? parseInstant(instant) : instant;
  if (Number.isNaN(date.getTime())) throw new RangeError('toDvcqgTime: invalid date');
  const parts = Object.fromEntries(wallClock.formatToParts(date).map((p) => [p.type, p.value]));
  const year = parts.year.padStart(4, '0');
  if (year.length !== 4) throw new RangeError(`toDvcqgTime: year ${parts.year} does not fit yyyy`);
  return `${year}${parts.month}${parts.day}${parts.hour}${parts.minute}${parts.second}`;
}

/**
 * A DVCQG `yyyyMMddHHmmss` back to the instant it names. A fixed +07:00 is right here, not a shortcut:
 * Vietnam has kept UTC+7 all year since 1975 and observes no daylight saving time, so every wall-clock time in
 * Asia/Ho_Chi_Minh maps to exactly one instant (the simulator and the tests read national dates with this).
 */
export function fromDvcqgTime(value: string): Date {
  const match = DVCQG_TIME.exec(value);
  if (!match) throw new RangeError(`fromDvcqgTime: "${value}" is not yyyyMMddHHmmss`);
  const [, y, mo, d, h, mi, s] = match;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}+07:00`);
  // Date silently rolls 20260230 over to March; a national date that does not exist is an error.
  if (Number.isNaN(date.getTime()) || toDvcqgTime(date) !== value)
    throw new RangeError(`fromDvcqgTime: "${value}" is not a real date and time`);
  return date;
}

function parseInstant(value: string): Date {
  const m = RFC3339.exec(value);
  if (!m) throw new RangeError(`toDvcqgTime: "${value}" is not an RFC 3339 date-time`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const fractionMs = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const local = new Date(Date.UTC(y, mo - 1, d, h, mi, s, fractionMs));
  // Date.UTC rolls 2026-02-30 over to March 2; a date-time that does not exist is an error, not another day.
  if (
    local.getUTCFullYear() !== y ||
    local.getUTCMonth() !== mo - 1 ||
    local.getUTCDate() !== d ||
    local.getUTCHours() !== h ||
    local.getUTCMinutes() !== mi ||
    local.getUTCSeconds() !== s ||
    Math.abs(offsetMinutes) >= 24 * 60
  )
    throw new RangeError(`toDvcqgTime: "${value}" is not a real date and time`);
  return new Date(local.getTime() - offsetMinutes * 60_000);
}
