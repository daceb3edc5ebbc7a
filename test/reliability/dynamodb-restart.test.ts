/**
 * DynamoDB Local stopped mid-run, then started again on the same port and data directory.
 *
 * While ingests and reads keep coming, the store goes away: every answer is a 200 or a 503 with
 * Retry-After (never a 500), and 503s come quickly because connections are refused and the client's
 * timeouts are short. Once the store is back, the same requests succeed with the same handlers (no
 * restart of the app), and the table holds exactly one item per call: what was answered 200 before
 * the stop survived it, and what was re-sent was not duplicated.
 */
import './quiet-logs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createIngestHandler } from '../../functions/ingest-calls';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { createDocumentClient } from '../../lib/store/client';
import { ensureCallsTable } from '../../lib/store/create-table';
import { DynamoCallStore } from '../../lib/store/dynamodb-call-store';
import { type EmbeddedDynamo, findFreePort, startEmbeddedDynamo } from '../../local/embedded-dynamodb';
import { httpEvent } from '../support/events';
import { sampleCall } from '../support/fixtures';
import { contextWithBudget, expectUnavailable, invokeWithin } from './support';

const READ_KEY = 'read-key-restart';
const INGEST_KEY = 'ingest-key-restart';
const TABLE = 'calls-restart';
const NOW = Date.now();

let dataDir: string;
let port: number;
let db: EmbeddedDynamo | undefined;

const start = async () => {
  db = await startEmbeddedDynamo({ backend: 'dynamodb-local', dataDir, port });
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'adapter-restart-'));
  port = await findFreePort();
  await start();
});

afterAll(async () => {
  await db?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('stopped mid-run: 200 or a quick 503, never a 500; back on the same data: the same requests succeed, no call lost or duplicated', async () => {
  const client = createDocumentClient({ endpoint: `http://127.0.0.1:${port}` });
  try {
    await ensureCallsTable(client, TABLE);
    const store = new DynamoCallStore(client, { tableName: TABLE });
    const read = createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31 });
    const ingest = createIngestHandler({ store, keys: async () => keyCheck([INGEST_KEY]), retentionDays: 90, maxBodyBytes: 1024 * 1024 });
    const call = (id: string) => sampleCall({ id }, new Date(NOW - 60_000).toISOString());
    const post = (id: string) =>
      invokeWithin(
        ingest,
        httpEvent({ routeKey: 'POST /calls', headers: { authorization: INGEST_KEY, 'content-type': 'application/json' }, body: JSON.stringify(call(id)) }),
        contextWithBudget(15_000),
      );
    const get = () =>
      invokeWithin(read, httpEvent({ routeKey: 'GET /calls', headers: { authorization: READ_KEY }, query: { limit: '1000' } }), contextWithBudget(10_000));

    // A steady stream of ingests and reads; the store is stopped while it runs.
    const answers = new Map<string, number>();
    const reads: number[] = [];
    const unavailableMs: number[] = [];
    let stopping: Promise<void> | undefined;
    for (let i = 0; i < 24; i++) {
      if (i === 8) stopping = db!.stop(); // mid-run, while requests are in flight
      const id = `r-${i}`;
      const [written, listed] = await Promise.all([post(id), get()]);
      answers.set(id, written.status);
      reads.push(listed.status);
      for (const result of [written, listed]) {
        if (result.status !== 200) {
          expectUnavailable(result);
          unavailableMs.push(result.ms);
          // Refused connections and short timeouts: far below the Lambda's 10 s and 15 s.
          expect(result.ms).toBeLessThan(8_000);
        }
      }
    }
    await stopping;
    const statuses = [...answers.values(), ...reads];
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(10);

    // The store comes back on the same port and data directory; the handlers are the same objects.
    await start();
    const failed = [...answers].filter(([, status]) => status !== 200).map(([id]) => id);
    for (const id of failed) expect((await post(id)).status).toBe(200);
    // Re-sending a call that was already stored replaces it: still one item.
    const storedBefore = [...answers].find(([, status]) => status === 200)![0];
    expect((await post(storedBefore)).status).toBe(200);

    // Read back through the API, and the table itself.
    const listed = await get();
    expect(listed.status).toBe(200);
    const ids = (listed.body as Array<{ id: string }>).map((c) => c.id).sort();
    expect(ids).toEqual([...answers.keys()].sort());
    const scan = await client.send(new ScanCommand({ TableName: TABLE, ProjectionExpression: 'pk' }));
    expect(scan.Items!.map((item) => item.pk).sort()).toEqual([...answers.keys()].map((id) => `call#${id}`).sort());
    process.stdout.write(
      `restart: ${statuses.length} requests while DynamoDB Local was stopped mid-run: ${statuses.filter((x) => x === 200).length} x 200, ` +
        `${unavailableMs.length} x 503 (slowest ${Math.max(...unavailableMs)} ms), 0 x 5xx other; ${failed.length} ingests re-sent after restart: 200; ` +
        `${scan.Items!.length} items for ${answers.size} calls\n`,
    );
  } finally {
    client.destroy();
  }
});
