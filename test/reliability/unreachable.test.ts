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
import { keyCheckProvider } from '../../lib/secrets/api-keys';
import { createDocumentClient } from '../../lib/store/client';
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

describe('a DynamoDB that accepts connections and never answers', () => {
  test('is a 503 before the Lambda deadline, from the client timeouts alone or from the handler budget', async () => {
    const hole = await blackHole();
    const client = createDocumentClient({ endpoint: hole.endpoint });
    try {
      const store = new DynamoCallStore(client, { tableName: 'calls' });
      const read = createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31 });
      const ingest = createIngestHandler({ store, keys: async () => keyCheck([INGEST_KEY]), retentionDays: 90, maxBodyBytes: 1024 * 1024 });
      const getEvent = httpEvent({ routeKey: 'GET /calls', headers: { authorization: READ_KEY } });
      const postEvent = httpEvent({ routeKey: 'POST /calls', headers: { authorization: INGEST_KEY, 'content-type': 'application/json' }, body: JSON.stringify(sampleCall()) });
      const [byClientTimeouts, ingestByClientTimeouts, byBudget] = await Promise.all([
        // The deployed timeouts: the SDK's request timeout and retries give up first.
        invokeWithin(read, getEvent, contextWithBudget(READ_TIMEOUT_MS)),
        invokeWithin(ingest, postEvent, contextWithBudget(INGEST_TIMEOUT_MS)),
        // A nearly spent budget: the handler gives up a second before the deadline.
        invokeWithin(read, getEvent, contextWithBudget(3_000)),
      ]);
      for (const result of [byClientTimeouts, ingestByClientTimeouts, byBudget]) expectUnavailable(result);
      expect(byClientTimeouts.ms).toBeLessThan(READ_TIMEOUT_MS);
      expect(ingestByClientTimeouts.ms).toBeLessThan(INGEST_TIMEOUT_MS);
      expect(byBudget.ms).toBeLessThan(3_000);
    } finally {
      client.destroy();
      await hole.close();
    }
  });
});

describe('Secrets Manager unreachable at a cold start', () => {
  const SECRET_ID = 'cekura/read-keys';
  const SECRET_VALUE = `old-read-key,${READ_KEY}`;
  const saved: Record<string, string | undefined> = {};
  const ENV = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_SESSION_TOKEN: undefined };

  beforeAll(() => {
    for (const name of [...Object.keys(ENV), 'AWS_ENDPOINT_URL_SECRETS_MANAGER']) saved[name] = process.env[name];
    for (const [name, value] of Object.entries(ENV)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

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
        res.end(JSON.stringify({ ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}`, Name: SecretId, SecretString: SECRET_VALUE, VersionId: 'v1', CreatedDate: NOW / 1000 }));
      });
    });
    return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, requests })));
  }

  test('hanging, then refusing: a 503 each time, quickly; then it answers and the same handler recovers', async () => {
    const hole = await blackHole();
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = hole.endpoint;
    const { store } = await freshStore();
    // A cold start: the handler built from the environment, as the Lambda entry point does.
    const read = createReadHandler({ store, keys: keyCheckProvider('read', { READ_KEYS_SECRET_ID: SECRET_ID }), maxWindowDays: 31, now: () => NOW });
    const get = () => invokeWithin(read, httpEvent({ routeKey: 'GET /calls', headers: { authorization: READ_KEY } }), contextWithBudget(READ_TIMEOUT_MS));

    const hanging = await get();
    expectUnavailable(hanging);
    expect(hanging.ms).toBeLessThan(READ_TIMEOUT_MS);
    await hole.close();

    const refusing = await get(); // nothing listens on that port now
    expectUnavailable(refusing);
    expect(refusing.ms).toBeLessThan(READ_TIMEOUT_MS);

    const sm = await secretsManager(hole.port);
    try {
      const recovered = await get();
      expect(recovered.status).toBe(200);
      expect((await invokeWithin(read, httpEvent({ routeKey: 'GET /calls', headers: { authorization: 'old-read-key' } }), contextWithBudget(READ_TIMEOUT_MS))).status).toBe(200);
      expect((await invokeWithin(read, httpEvent({ routeKey: 'GET /calls', headers: { authorization: 'not-a-key' } }), contextWithBudget(READ_TIMEOUT_MS))).status).toBe(401);
      // Fetched once, then served from the cache (re-read every 5 minutes).
      expect(sm.requests).toEqual(['secretsmanager.GetSecretValue']);
    } finally {
      await new Promise<void>((resolve) => sm.server.close(() => resolve()));
    }
  });
});
