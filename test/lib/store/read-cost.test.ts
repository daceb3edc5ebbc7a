import { bytesAsJsonString } from '../../../lib/ingest';
import type { CallQuery } from '../../../lib/store/call-store';
import { sampleCall } from '../../support/fixtures';
import { freshStore, januaryQuery, recordsOf } from '../../support/store';

const NUMBER = '+16505551234';
const query = (overrides: Partial<CallQuery>): CallQuery => januaryQuery({ number: NUMBER, ...overrides });

/** Base-36 noise: compresses to about 65%, so each call stays large once stored. */
function noise(chars: number, seed: number): string {
  let out = '';
  let x = seed;
  while (out.length < chars) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += x.toString(36);
  }
  return out.slice(0, chars);
}

describe('bytesAsJsonString', () => {
  it('is the size of the JSON text escaped once more, as in a Lambda response', () => {
    const values = ['', 'plain', 'say "hi"', 'C:\\path\\"x"', 'tab\tnew\nline\u0001', 'é ü 中文 🎧', '\ud800 lone', '\u2028\u2029', '</script>'];
    for (const value of values) {
      const json = JSON.stringify({ content: value, nested: { v: [value, 1.5] } });
      expect(bytesAsJsonString(json)).toBe(Buffer.byteLength(JSON.stringify(json)) - 2);
    }
  });
});

describe('DynamoCallStore read cost (DynamoDB Local)', () => {
  it('reports the capacity units of its requests when asked', async () => {
    const used: Array<[string, number]> = [];
    const { store } = await freshStore({ onCapacity: (operation, units) => used.push([operation, units]) });
    await store.putCalls(recordsOf(Array.from({ length: 3 }, (_, i) => sampleCall({ id: `u${i}` }, `2025-01-10T0${i}:00:00.000Z`))));
    await store.queryCalls(query({}));
    expect(used.map(([operation]) => operation)).toEqual(['BatchWriteItem', 'Query']);
    // Three small items: one write unit each in the table and in each of the two indexes.
    expect(used[0]![1]).toBe(9);
    // A Query sums the sizes of what it reads before rounding up to 4 KB: half a unit here.
    expect(used[1]![1]).toBe(0.5);
  });

  it('never reads more than one call past what a page of long transcripts can hold', async () => {
    const units: number[] = [];
    const { store, client } = await freshStore({ onCapacity: (_, u) => units.push(u) });
    const limits: number[] = [];
    let read = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Limit?: number };
        if (input.Limit !== undefined) limits.push(input.Limit);
        const result = await next(args);
        read += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
        return result;
      },
      { step: 'initialize', name: 'recordLimits' },
    );
    // 9 calls of ~330 KB stored each (~500 KB in a response): DynamoDB returns 3-4 per Query (1 MB).
    const records = recordsOf(
      Array.from({ length: 9 }, (_, i) =>
        sampleCall({ id: `long${i}`, messages: [{ role: 'user', content: noise(500_000, i + 1), start_time: 0, end_time: 1 }] }, `2025-01-10T0${i}:00:00.000Z`),
      ),
    );
    for (const record of records) await store.putCalls([record]);
    const size = records[0]!.responseBytes;

    const pages: number[] = [];
    let after: string | undefined;
    do {
      const page = await store.queryCalls(query({ after, maxBytes: Math.floor(5.5 * (size + 1)) }));
      pages.push(page.calls.length);
      after = page.next;
    } while (after !== undefined && pages.length < 10);

    expect(pages).toEqual([5, 4]);
    // The first Query of a page asks for up to `limit` + 1; later ones only for what still fits, + 1.
    expect(limits[0]).toBe(101);
    expect(Math.max(...limits.slice(1).filter((l) => l !== 101))).toBeLessThanOrEqual(3);
    // 9 calls returned; at most one extra read per page boundary.
    expect(read).toBeLessThanOrEqual(9 + pages.length - 1);
    expect(units.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }, 60_000);
});
