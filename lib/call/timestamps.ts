/**
 * ISO 8601 instants with an explicit zone (`Z` or an offset), as Cekura's format requires.
 * Output is always UTC with millisecond precision, which also makes the strings sort
 * chronologically: the store relies on that for its range keys.
 */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)\s?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** The same shape without flags (JSON Schema patterns have none), for the OpenAPI description. */
export const ACCEPTED_INSTANT_PATTERN = ISO_INSTANT.source.replace('[T ]', '[Tt ]').replace('(Z|', '([Zz]|');

/**
 * The instants accepted anywhere, inclusive. Within them a UTC string has a four-digit year, so the
 * strings sort as the instants do and `YYYY-MM-DD` is the day key the store partitions by (year
 * 10000 would be `+010000-…`, sorting before 9999; a year before 1 would be `-000001-…`). Before
 * 1970 a call's expiry, in epoch seconds, would be negative.
 */
export const EARLIEST_INSTANT_MS = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const RANGE_TEXT = 'from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';
export const INSTANT_RANGE_MESSAGE = `must be an instant ${RANGE_TEXT}`;

export const ISO_INSTANT_MESSAGE = `must be an ISO 8601 timestamp with a time zone, ${RANGE_TEXT} (e.g. 2025-01-01T10:00:00.000Z)`;

export type InstantReading = { ok: true; ms: number } | { ok: false; message: string };

/** Epoch milliseconds of an ISO 8601 instant in the accepted range, or undefined when it is not one. */
export function parseIsoInstant(value: string): number | undefined {
  const reading = readIsoInstant(value);
  return reading.ok ? reading.ms : undefined;
}

/** Epoch milliseconds of an ISO 8601 instant in the accepted range, or what is wrong with it. */
export function readIsoInstant(value: string): InstantReading {
  const text = value.trim();
  const match = ISO_INSTANT.exec(text);
  if (!match) return { ok: false, message: describeMalformed(text) };
  const [, date, time, zone] = match as unknown as [string, string, string, string];
  const impossible = impossibleDate(date) ?? impossibleTime(time) ?? impossibleZone(zone);
  if (impossible !== undefined) return { ok: false, message: impossible };
  const normalisedZone =
    zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone.length === 3 ? `${zone}:00` : zone;
  // V8 parses at most millisecond precision; keep the first three fraction digits.
  const normalisedTime = time.replace(',', '.').replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(`${date}T${normalisedTime}${normalisedZone}`);
  if (Number.isNaN(ms)) return { ok: false, message: ISO_INSTANT_MESSAGE };
  // Compared as numbers: outside the range, the UTC strings no longer sort as the instants do.
  if (ms < EARLIEST_INSTANT_MS || ms > LATEST_INSTANT_MS) return { ok: false, message: INSTANT_RANGE_MESSAGE };
  return { ok: true, ms };
}

const DATE_ONLY = /^(\d{4}-\d{2}-\d{2})$/;
const NO_ZONE = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?$/i;
const EXPANDED_YEAR = /^[+-]\d{6}-/;
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Why a value is not in the accepted shape, for the common near-misses; the general rule otherwise. */
function describeMalformed(text: string): string {
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) return impossibleDate(dateOnly[1]!) ?? `has no time: give e.g. ${text}T00:00:00Z`;
  const noZone = NO_ZONE.exec(text);
  if (noZone) return impossibleDate(noZone[1]!) ?? `has no time zone: add Z (UTC) or an offset, e.g. ${text}Z`;
  if (EXPANDED_YEAR.test(text)) return INSTANT_RANGE_MESSAGE;
  return ISO_INSTANT_MESSAGE;
}

function impossibleDate(date: string): string | undefined {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  if (month < 1 || month > 12) return `month ${date.slice(5, 7)} does not exist`;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  if (day < 1 || day > days) return `${date} does not exist: ${MONTH_NAMES[month - 1]} ${date.slice(0, 4)} has ${days} days`;
  return undefined;
}

function impossibleTime(time: string): string | undefined {
  const [hours, minutes, seconds = 0] = time.split(':').map((part) => Number.parseInt(part, 10)) as [number, number, number?];
  if (hours > 23) return `hour ${time.slice(0, 2)} does not exist (00 to 23)`;
  if (minutes > 59) return `minute ${time.slice(3, 5)} does not exist (00 to 59)`;
  if (seconds > 59) return `second ${time.slice(6, 8)} does not exist (00 to 59)`;
  return undefined;
}

function impossibleZone(zone: string): string | undefined {
  if (zone.toUpperCase() === 'Z') return undefined;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  return hours > 23 || minutes > 59 ? `time zone offset ${zone} does not exist` : undefined;
}

export function toIsoMillis(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
