/**
 * Dependencies that cannot be reached: a DynamoDB that accepts connections and never answers, and a
 * Secrets Manager that hangs, then refuses, at a cold start. Each is a 503 with Retry-After inside
 * the Lambda's time budget, and the same handler recovers without a redeploy once it answers.
 * (Mostly waiting on timeouts, so kept apart from the CPU-bound fault tests.)
 */
import './quiet-logs';
import { createServer, type Server } from 'node:http';
import { createIngestHandler } from '../../functions/ingest-calls';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { HANDLER_OPTIONS } from '../../lib/http/middleware';
import { keyCheckProvider, SECRETS_CLIENT_LIMITS } from '../../lib/secrets/api-keys';
import { createDocumentClient, STORE_CLIENT_LIMITS } from '../../lib/store/client';
import { DynamoCallStore } from '../../lib/store/dynamodb-call-store';
import { httpEvent } from '../support/events';
import { sampleCall } from '../support/fixtures';
import { freshStore } from '../support/store';
import { blackHole, contextWithBudget, expectUnavailable, invokeWithin } from './support';

const READ_KEY = 'read-key-faults';
const INGEST_KEY = 'ingest-key-faults';
/** The deployed functions' timeouts (cdk/constructs/functions.ts). */
const READ_TIMEOUT_MS = 10_000;
const INGEST_TIMEOUT_MS = 15_000;
const NOW = Date.parse('2025-01-01T12:00:00.000Z');

// What the Secrets Manager client needs to sign requests, set for the whole file (jest gives each file
// its own process.env), before the concurrent tests start: no credential lookup ever leaves loopback.
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
delete process.env.AWS_SESSION_TOKEN;

describe('unreachable dependencies (concurrent: both tests mostly wait on timeouts)', () => {
  test.concurrent('a DynamoDB that accepts connections and never answers is a 503 before the Lambda deadline: by the client timeouts, or by the handler budget', async () => {
    // One hung DynamoDB per request, so each one's attempts can be counted.
    const holes = await Promise.all([blackHole(), blackHole(), blackHole()]);
    const clients = holes.map((hole) => createDocumentClient({ endpoint: hole.endpoint }));
    try {
      const [read, ingest, shortRead] = clients.map((client, i) => {
        const store = new DynamoCallStore(client, { tableName: 'calls' });
        return i === 1
          ? createIngestHandler({ store, keys: async () => keyCheck([INGEST_KEY]), retentionDays: 36500, maxBodyBytes: 1024 * 1024 })
          : createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31 });
      }) as [ReturnType<typeof createReadHandler>, ReturnType<typeof createIngestHandler>, ReturnType<typeof createReadHandler>];
      const getEvent = httpEvent({ routeKey: 'GET /calls', headers: { authorization: READ_KEY }, query: { number: '+16505551234' } });
      const postEvent = httpEvent({
        routeKey: 'POST /calls',
        headers: { authorization: INGEST_KEY, 'content-type': 'application/json' },
        body: JSON.stringify(sampleCall()),
      });
      const SHORT_BUDGET_MS = 4_000;
      const [byClientTimeouts, ingestByClientTimeouts, byBudget] = await Promise.all([
        // The deployed timeouts: each attempt times out (requestTimeout), is retried, and the SDK gives up.
        invokeWithin(read, getEvent, contextWithBudget(READ_TIMEOUT_MS)),
        invokeWithin(ingest, postEvent, contextWithBudget(INGEST_TIMEOUT_MS)),
        // A nearly spent budget: the handler gives up a second before the deadline, attempts or not.
        invokeWithin(shortRead, getEvent, contextWithBudget(SHORT_BUDGET_MS)),
      ]);
      for (const result of [byClientTimeouts, ingestByClientTimeouts, byBudget]) expectUnavailable(result);
      // Every attempt the client allows was made and timed out: a hung attempt would leave just one.
      expect(holes.slice(0, 2).map((hole) => hole.connections())).toEqual([STORE_CLIENT_LIMITS.maxAttempts, STORE_CLIENT_LIMITS.maxAttempts]);
      expect(byClientTimeouts.ms).toBeLessThan(READ_TIMEOUT_MS);
      expect(ingestByClientTimeouts.ms).toBeLessThan(INGEST_TIMEOUT_MS);
      // The budget fires at 3 s (HANDLER_OPTIONS.timeoutEarlyInMillis before the deadline), not at the deadline.
      expect(byBudget.ms).toBeLessThan(SHORT_BUDGET_MS - HANDLER_OPTIONS.timeoutEarlyInMillis / 2);
    } finally {
      for (const client of clients) client.destroy();
      await Promise.all(holes.map((hole) => hole.close()));
    }
  });

  const SECRET_ID = 'cekura/read-keys';
  const SECRET_VALUE = `old-read-key,${READ_KEY}`;
  /** A stand-in for Secrets Manager's GetSecretValue on loopback, so the recovery can be seen end to end. */
  function secretsManager(port: number): Promise<{ server: Server; requests: string[] }> {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push(String(req.headers['x-amz-target']));
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({
            ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}`,
            Name: SecretId,
            SecretString: SECRET_VALUE,
            VersionId: 'v1',
            CreatedDate: NOW / 1000,
          }),
        );
      });
    });
    return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, requests })));
  }

  test.concurrent('Secrets Manager at a cold start, hanging then refusing: a 503 each time, quickly; then it answers and the same handler recovers', async () => {
    const hole = await blackHole();
    const { store } = await freshStore();
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = hole.endpoint;
    // A cold start: the handler built from the environment, as the Lambda entry point does.
    const read = createReadHandler({ store, keys: keyCheckProvider('read', { READ_KEYS_SECRET_ID: SECRET_ID }), maxWindowDays: 31, now: () => NOW });
    const get = () => invokeWithin(read, httpEvent({ routeKey: 'GET /calls', headers: { authorization: READ_KEY } }), contextWithBudget(READ_TIMEOUT_MS));

    // Bounded here too: were the client to hang, the test fails at the Lambda's deadline instead of hanging.
    const hanging = await Promise.race([get(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), READ_TIMEOUT_MS).unref())]);
    if (hanging === undefined) {
      await hole.close();
      throw new Error(`no answer within the read Lambda's ${READ_TIMEOUT_MS} ms while Secrets Manager hangs`);
    }
    expectUnavailable(hanging);
    expect(hanging.ms).toBeLessThan(READ_TIMEOUT_MS);
    // Each attempt timed out and was retried: without client timeouts the first would still hang.
    expect(hole.connections()).toBe(SECRETS_CLIENT_LIMITS.maxAttempts);
    await hole.close();

    const refusing = await get(); // nothing listens on that port now
    expectUnavailable(refusing);
    expect(refusing.ms).toBeLessThan(READ_TIMEOUT_MS);

    const sm = await secretsManager(hole.port);
    try {
      const recovered = await get();
      expect(recovered.status).toBe(200);
      expect(
        (await invokeWithin(read, httpEvent({ routeKey: 'GET /calls', headers: { authorization: 'old-read-key' } }), contextWithBudget(READ_TIMEOUT_MS)))
          .status,
      ).toBe(200);
      expect(
        (await invokeWithin(read, httpEvent({ routeKey: 'GET /calls', headers: { authorization: 'not-a-key' } }), contextWithBudget(READ_TIMEOUT_MS))).status,
      ).toBe(401);
      // Fetched once, then served from the cache (re-read every 5 minutes).
      expect(sm.requests).toEqual(['secretsmanager.GetSecretValue']);
    } finally {
      await new Promise<void>((resolve) => sm.server.close(() => resolve()));
    }
  });
});
