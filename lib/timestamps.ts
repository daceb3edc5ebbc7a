/**
 * ISO 8601 instants with an explicit zone (`Z` or an offset), as Cekura's format requires.
 * Output is always UTC with millisecond precision, which also makes the strings sort
 * chronologically: the store relies on that for its range keys.
 */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)\s?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** The same shape without flags (JSON Schema patterns have none), for the OpenAPI description. */
export const ACCEPTED_INSTANT_PATTERN = ISO_INSTANT.source.replace('[T ]', '[Tt ]').replace('(Z|', '([Zz]|');

export const ISO_INSTANT_MESSAGE = 'must be an ISO 8601 timestamp with a time zone (e.g. 2025-01-01T10:00:00.000Z)';

/** Epoch milliseconds of an ISO 8601 instant, or undefined when it is not one. */
export function parseIsoInstant(value: string): number | undefined {
  const match = ISO_INSTANT.exec(value.trim());
  if (!match) return undefined;
  const [, date, time, zone] = match as unknown as [string, string, string, string];
  const normalisedZone = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone.length === 3 ? `${zone}:00` : zone;
  // V8 parses at most millisecond precision; keep the first three fraction digits.
  const normalisedTime = time.replace(',', '.').replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(`${date}T${normalisedTime}${normalisedZone}`);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2025-02-30 over to March: refuse dates that do not exist.
  const check = new Date(ms + offsetMs(normalisedZone));
  if (check.toISOString().slice(0, 10) !== date) return undefined;
  return ms;
}

function offsetMs(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hours, minutes] = zone.slice(1).split(':').map(Number) as [number, number];
  return sign * (hours * 60 + minutes) * 60_000;
}

export function toIsoMillis(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
