/**
 * Calls past retention on arrival (issue 14): a call whose startedAt is already more than
 * retentionDays ago would never be served, so it is not stored, and the 200 says so in `expired`
 * (a 200, not a 422: a platform webhook would retry a 4xx, and one old call must not refuse a batch).
 */
import * as v from 'valibot';
import { createIngestHandler } from '../../functions/ingest-calls';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { storePayloads } from '../../lib/http/store-payloads';
import { StoreResultSchema } from '../../lib/openapi/schemas';
import { httpEvent, invoke } from '../support/events';
import { sampleCall } from '../support/fixtures';
import { freshStore } from '../support/store';

const INGEST_KEY = 'ingest-key-1';
const READ_KEY = 'read-key-1';
const DAY_MS = 86_400_000;

async function setup(retentionDays = 90) {
  const fresh = await freshStore();
  const ingest = createIngestHandler({ store: fresh.store, keys: async () => keyCheck([INGEST_KEY]), retentionDays, maxBodyBytes: 5 * 1024 * 1024 });
  const read = createReadHandler({ store: fresh.store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31 });
  const post = (body: unknown) =>
    invoke(
      ingest,
      httpEvent({ routeKey: 'POST /calls', headers: { authorization: INGEST_KEY, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    );
  const served = async (from: string, to: string) =>
    (
      (await invoke(read, httpEvent({ routeKey: 'GET /calls', query: { from, to }, headers: { authorization: READ_KEY } }))).body as Array<{
        id: string;
        endedReason?: string;
      }>
    ).map((c) => `${c.id}:${c.endedReason ?? ''}`);
  return { ...fresh, post, served };
}

const ago = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

describe('calls already past retention when they arrive', () => {
  it('stores the others, lists the expired ones with the reason, and counts only what was stored', async () => {
    const { post, served } = await setup(90);
    const old = ago(91);
    const result = await post([sampleCall({ id: 'recent' }, ago(1)), sampleCall({ id: 'too-old' }, old)]);
    expect(result).toMatchObject({ status: 200 });
    expect(result.body).toEqual({
      stored: 1,
      ids: ['recent'],
      expired: [{ id: 'too-old', reason: `started ${old}, more than the retention period (90 days) ago: not stored, as it would never be served` }],
    });
    expect(v.is(StoreResultSchema, result.body)).toBe(true);
    expect(await served(ago(30), new Date().toISOString())).toEqual(['recent:']);
  });

  it('writes nothing at all when every call is past retention, and still answers 200', async () => {
    const { post, commands } = await setup(7);
    commands.length = 0;
    const result = await post(sampleCall({ id: 'old' }, ago(8)));
    expect(result).toMatchObject({ status: 200, body: { stored: 0, ids: [], expired: [{ id: 'old' }] } });
    expect(commands).toEqual([]);
  });

  it('leaves a call stored earlier under the same id as it was', async () => {
    const { post, served } = await setup(30);
    const first = ago(2);
    expect((await post(sampleCall({ id: 'same', endedReason: 'first' }, first))).body).toEqual({ stored: 1, ids: ['same'] });
    expect((await post(sampleCall({ id: 'same', endedReason: 'resent-old' }, ago(31)))).body).toMatchObject({ stored: 0, expired: [{ id: 'same' }] });
    expect(await served(ago(3), new Date().toISOString())).toEqual(['same:first']);
  });

  it('draws the line where reads do: expired from the second the retention ends', async () => {
    const { store } = await freshStore();
    const startedAt = '2025-01-01T00:00:00.000Z';
    const end = Date.parse(startedAt) + 2 * DAY_MS;
    const answer = async (now: number) =>
      JSON.parse(
        (
          await storePayloads(sampleCall({ id: `edge-${now}` }, startedAt), {
            store,
            source: undefined,
            retentionDays: 2,
            webCallNumber: undefined,
            now: () => now,
          })
        ).body as string,
      ) as { stored: number };
    expect((await answer(end - 1000)).stored).toBe(1);
    expect((await answer(end)).stored).toBe(0);
  });

  it('gives onStored (local push to Cekura) only the calls stored', async () => {
    const { store } = await freshStore();
    const pushed: string[] = [];
    await storePayloads([sampleCall({ id: 'kept' }, ago(1)), sampleCall({ id: 'gone' }, ago(100))], {
      store,
      source: undefined,
      retentionDays: 90,
      webCallNumber: undefined,
      onStored: (calls) => pushed.push(...calls.map((c) => c.id)),
    });
    expect(pushed).toEqual(['kept']);
  });
});

describe('calls dated in the future (issue 22)', () => {
  it('refuses a startedAt more than 5 minutes ahead of the server, naming it, and stores nothing of the request', async () => {
    const { post, served } = await setup(90);
    for (const startedAt of ['9999-12-31T23:58:00.000Z', '2030-01-01T00:00:00.000Z', new Date(Date.now() + 6 * 60_000).toISOString()]) {
      const result = await post([sampleCall({ id: 'now' }, ago(0.01)), sampleCall({ id: `ahead-${startedAt}` }, startedAt)]);
      expect(result).toMatchObject({
        status: 400,
        body: { error: { issues: [{ path: '[1].startedAt', message: expect.stringContaining('cannot start in the future') }] } },
      });
    }
    // Not even the call of the same request dated now.
    expect(await served(ago(1), new Date(Date.now() + 3_600_000).toISOString())).toEqual([]);
  });

  it('accepts a startedAt up to 5 minutes ahead (a sender whose clock runs a little fast)', async () => {
    const { post, served } = await setup(90);
    const startedAt = new Date(Date.now() + 4 * 60_000).toISOString();
    expect((await post(sampleCall({ id: 'fast-clock' }, startedAt))).body).toEqual({ stored: 1, ids: ['fast-clock'] });
    expect(await served(ago(1), new Date(Date.now() + 3_600_000).toISOString())).toEqual(['fast-clock:']);
  });
});
