/**
 * DynamoDB's item size rules (what read and write units are computed from): attribute names plus
 * values; a string is its UTF-8 bytes, a binary its bytes, a number about one byte per two
 * significant digits plus one.
 */
import { CALLS_TABLE } from '../../lib/store/table-schema';

function numberBytes(value: number | string): number {
  const digits = String(value).replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return numberBytes(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'boolean' || value === null) return 1;
  throw new Error(`item-size: unsupported attribute value ${typeof value}`);
}

/** Size of an item given as plain values (the document client's form). */
export function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    bytes += Buffer.byteLength(name) + valueBytes(value);
  }
  return bytes;
}

/** Size of an item in DynamoDB's wire form ({ S }, { N }, { B }). */
export function wireItemBytes(item: Record<string, Record<string, unknown>>): number {
  let bytes = 0;
  for (const [name, av] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (typeof av.S === 'string') bytes += Buffer.byteLength(av.S);
    else if (typeof av.N === 'string') bytes += numberBytes(av.N);
    else if (typeof av.B === 'string') bytes += Buffer.from(av.B, 'base64').byteLength;
    else throw new Error(`item-size: unsupported wire value ${JSON.stringify(av).slice(0, 40)}`);
  }
  return bytes;
}

/** The item as the byNumber index stores it: table key, index keys and projected attributes. */
export function byNumberIndexItem(item: Record<string, unknown>): Record<string, unknown> {
  const index = CALLS_TABLE.indexes.byNumber;
  const keep = new Set<string>([CALLS_TABLE.partitionKey, index.partitionKey, index.sortKey, ...CALLS_TABLE.projectedAttributes]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => keep.has(name)));
}

/** Read units of one eventually consistent read of an item of `bytes`: ceil(KB / 4) / 2. */
export const eventualReadUnits = (bytes: number): number => Math.ceil(bytes / 4096) / 2;
