/**
 * `npm run cekura -- push` reads a backfill window of any length a day at a time: the API refuses
 * windows over its maxWindowDays, and the windows must cover the whole range exactly once.
 */
import { backfillWindows, readAdapterCalls } from '../../../scripts/cekura';
import { sampleCall } from '../../support/fixtures';

describe('backfill windows', () => {
  it('cover the range with disjoint, inclusive windows of at most one day', () => {
    const windows = backfillWindows('2026-01-01T12:00:00.000Z', '2026-03-15T00:00:00.000Z');
    expect(windows[0]!.from).toBe('2026-01-01T12:00:00.000Z');
    expect(windows.at(-1)!.to).toBe('2026-03-15T00:00:00.000Z');
    for (const [i, w] of windows.entries()) {
      expect(Date.parse(w.to) - Date.parse(w.from)).toBeLessThan(86_400_000);
      if (i > 0) expect(Date.parse(w.from) - Date.parse(windows[i - 1]!.to)).toBe(1);
    }
    expect(backfillWindows('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')).toEqual([{ from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' }]);
  });

  it('reads a 60-day backfill from an API that refuses windows over 31 days, each call once', async () => {
    const calls = [sampleCall({ id: 'jan' }, '2026-01-05T10:00:00.000Z'), sampleCall({ id: 'feb' }, '2026-02-20T10:00:00.000Z')];
    const asked: Array<[string, string]> = [];
    const fakeFetch = (async (input: string | URL | Request) => {
      const url = new URL(String(input));
      const from = url.searchParams.get('from')!;
      const to = url.searchParams.get('to')!;
      asked.push([from, to]);
      if (Date.parse(to) - Date.parse(from) > 31 * 86_400_000) return new Response('{"error":{"code":"invalid_request"}}', { status: 400 });
      const inWindow = calls.filter((c) => c.startedAt >= from && c.startedAt <= to);
      return new Response(JSON.stringify(inWindow), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const result = await readAdapterCalls({ url: 'http://127.0.0.1:1', key: 'k', from: '2026-01-01T00:00:00Z', to: '2026-03-01T23:59:59Z', fetch: fakeFetch });
    expect(result.calls.map((c) => c.id)).toEqual(['jan', 'feb']);
    expect(asked).toHaveLength(60);
  });
});
