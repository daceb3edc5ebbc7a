/** Small readers for untyped platform payloads: each returns undefined instead of guessing. */

export type Json = Record<string, unknown>;

export const record = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Tool arguments and results as Cekura wants them: JSON text. */
export const jsonText = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));

/** Epoch milliseconds to ISO 8601, or undefined. */
export const isoFromMs = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Seconds with millisecond precision, never negative (clock skew can put a message before the call). */
export const seconds = (value: number): number => Math.max(0, Math.round(value * 1000) / 1000);

/** Keeps only defined values, so optional fields stay absent rather than `undefined`. */
export function defined<T extends Json>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
