/**
 * Faults in the store's client, injected below the AWS SDK's retry layer, so its retries and
 * backoff run for real (unreachable dependencies: unreachable.test.ts; DynamoDB Local stopped and
 * restarted mid-run: dynamodb-restart.test.ts).
 *
 * - Throttling and transient errors are retried with backoff; when they last, the answer is a 503
 *   with Retry-After in the JSON error shape, not a 500 with a stack, well inside the time budget.
 * - BatchWrite's unprocessed items are retried until stored or reported: a 200 means every call of
 *   the request is stored (read back), and re-sending after a 503 stores each call exactly once.
 */
import './quiet-logs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { createIngestHandler } from '../../functions/ingest-calls';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { STORE_CLIENT_LIMITS } from '../../lib/store/client';
import { httpEvent } from '../support/events';
import { sampleCall } from '../support/fixtures';
import { freshStore } from '../support/store';
import { contextWithBudget, expectUnavailable, type Fault, injectFaults, invokeWithin, runs, SEED } from './support';

const READ_KEY = 'read-key-faults';
const INGEST_KEY = 'ingest-key-faults';
/** The deployed functions' timeouts (cdk/constructs/functions.ts). */
const READ_TIMEOUT_MS = 10_000;
const INGEST_TIMEOUT_MS = 15_000;
const NOW = Date.parse('2025-01-01T12:00:00.000Z');

const calls = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    sampleCall({ id: `${prefix}-${i}`, customer: { number: '+16505551234' } }, new Date(NOW - (i + 1) * 60_000).toISOString()),
  );

async function setup() {
  const fresh = await freshStore({ backoffBaseMs: 1 });
  const read = createReadHandler({ store: fresh.store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31, now: () => NOW });
  const ingest = createIngestHandler({ store: fresh.store, keys: async () => keyCheck([INGEST_KEY]), retentionDays: 3650, maxBodyBytes: 5 * 1024 * 1024 });
  // By number: one partition, so one Query when nothing fails.
  const get = () =>
    invokeWithin(
      read,
      httpEvent({ routeKey: 'GET /calls', headers: { authorization: READ_KEY }, query: { number: '+16505551234', limit: '1000' } }),
      contextWithBudget(READ_TIMEOUT_MS),
    );
  const post = (body: unknown) =>
    invokeWithin(
      ingest,
      httpEvent({ routeKey: 'POST /calls', headers: { authorization: INGEST_KEY, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      contextWithBudget(INGEST_TIMEOUT_MS),
    );
  /** The table read back with a test-side Scan: pk of every stored item. */
  const storedKeys = async () => {
    const keys: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await fresh.client.send(new ScanCommand({ TableName: fresh.tableName, ProjectionExpression: 'pk', ExclusiveStartKey: start }));
      keys.push(...(page.Items ?? []).map((item) => String(item.pk)));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return keys.sort();
  };
  return { ...fresh, get, post, storedKeys };
}

describe('throttling and transient errors from DynamoDB', () => {
  test('a read throttled twice is retried by the SDK and answered 200', async () => {
    const { get, post, client } = await setup();
    expect((await post(calls('t', 3))).status).toBe(200);
    const faults = injectFaults(client, (request) => (request.operation === 'Query' && faults.injected < 2 ? { kind: 'throttle' } : undefined));
    try {
      const result = await get();
      expect(result.status).toBe(200);
      expect((result.body as unknown[]).length).toBe(3);
      expect(faults.sent.map((r) => r.operation)).toEqual(['Query', 'Query', 'Query']);
    } finally {
      faults.restore();
    }
  });

  test('lasting throttling, 500s or connection resets end in a 503 with Retry-After, inside the time budget', async () => {
    const { get, post, client, storedKeys } = await setup();
    const kinds: Fault[] = [{ kind: 'throttle' }, { kind: 'internal' }, { kind: 'reset' }];
    for (const fault of kinds) {
      const faults = injectFaults(client, () => fault);
      try {
        const [read, write] = await Promise.all([get(), post(calls(`f-${fault.kind}`, 2))]);
        for (const result of [read, write]) expectUnavailable(result);
        // Every attempt the SDK allows was made (retried with backoff), then it gave up.
        expect(faults.sent.filter((r) => r.operation === 'Query')).toHaveLength(STORE_CLIENT_LIMITS.maxAttempts);
        expect(faults.sent.filter((r) => r.operation === 'BatchWriteItem')).toHaveLength(STORE_CLIENT_LIMITS.maxAttempts);
        expect(read.ms).toBeLessThan(READ_TIMEOUT_MS);
        expect(write.ms).toBeLessThan(INGEST_TIMEOUT_MS);
      } finally {
        faults.restore();
      }
    }
    expect(await storedKeys()).toEqual([]);
  });

  const RUNS = runs(30);
  test(`${RUNS} random fault schedules: a 200 means every call is stored, a 503 says which calls it stored, and re-sending stores each call once`, async () => {
    const { post, client, storedKeys } = await setup();
    const expected = new Set<string>();
    let answered200 = 0;
    let answered503 = 0;
    let injected = 0;
    const fault = fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 24 }).map((keep): Fault => ({ kind: 'unprocessed', keep })) },
      // Throttling is retried on a slower backoff (500 ms base): it is covered above, kept out of here for time.
      { weight: 2, arbitrary: fc.constant<Fault>({ kind: 'internal' }) },
      { weight: 2, arbitrary: fc.constant<Fault>({ kind: 'reset' }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 60 }), fc.array(fault, { minLength: 1, maxLength: 30 }), fc.nat(), async (n, schedule, salt) => {
        const batch = calls(`p${salt}`, n);
        const faults = injectFaults(client, (request, i) => (request.operation === 'BatchWriteItem' ? schedule[i % schedule.length] : undefined));
        let first: Awaited<ReturnType<typeof post>>;
        try {
          first = await post(batch);
        } finally {
          faults.restore();
          injected += faults.injected;
        }
        expect([200, 503]).toContain(first.status);
        if (first.status === 200) {
          answered200++;
          expect(first.body).toEqual({ stored: n, ids: batch.map((c) => c.id) });
          // Read back: every call of a request answered 200 is in the table.
          const stored = new Set(await storedKeys());
          for (const call of batch) expect(stored.has(`call#${call.id}`)).toBe(true);
        } else {
          answered503++;
          expectUnavailable(first);
          // The 503 says what happened to each call: every id once, and each one listed as stored is in the table
          // and each one listed as not stored is not (the ids are fresh, so nothing older can be there).
          const {
            stored: listedStored = [],
            notStored = [],
            unknown = [],
          } = (first.body as { error: { stored?: string[]; notStored?: string[]; unknown?: string[] } }).error;
          expect([...listedStored, ...notStored, ...unknown].sort()).toEqual(batch.map((c) => c.id).sort());
          const inTable = new Set(await storedKeys());
          for (const id of listedStored) expect([id, inTable.has(`call#${id}`)]).toEqual([id, true]);
          for (const id of notStored) expect([id, inTable.has(`call#${id}`)]).toEqual([id, false]);
          // The client re-sends once the store is healthy.
          expect((await post(batch)).status).toBe(200);
        }
        for (const call of batch) expected.add(`call#${call.id}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Exactly one item per call: nothing lost, nothing duplicated, whatever the faults.
    const stored = await storedKeys();
    process.stdout.write(
      `faults: ${RUNS} schedules, ${injected} faults injected, ${answered200} answered 200 and ${answered503} answered 503 (then re-sent: 200), ${stored.length} calls stored once each\n`,
    );
    expect(stored).toEqual([...expected].sort());
    expect(new Set(stored).size).toBe(stored.length);
    expect(answered200).toBeGreaterThan(0);
    expect(answered503).toBeGreaterThan(0);
    expect(injected).toBeGreaterThan(RUNS);
  });
});
