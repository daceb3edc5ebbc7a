/**
 * Auth under adversarial keys: random keys, prefixes of valid keys, valid keys with whitespace
 * inside or non-HTTP whitespace around them, wrong schemes, empty headers, and the other scope's key
 * are never accepted, on either route. And no key, Authorization header or webhook signature ever
 * reaches a log line, even with the noisiest logging an operator can switch on.
 */
import './noisy-logs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { createIngestHandler } from '../../functions/ingest-calls';
import { createWebhookHandler } from '../../functions/platform-webhook';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { logger } from '../../lib/logger';
import { signWebhook, WEBHOOK_PLATFORMS } from '../../lib/platform-signatures/signatures';
import type { CallStore } from '../../lib/store/call-store';
import { httpEvent, invoke } from '../support/events';
import { sampleCall } from '../support/fixtures';
import { captureLogs, isJsonError, runs, SEED } from './support';

const h = { createReadHandler, createIngestHandler, createWebhookHandler, keyCheck };

// Shaped like the deployed keys: 40 alphanumerics.
const READ_KEYS = ['Rk7dP2qLm9XwZ4vB8nC1tY6uH3sJ0aEfGiKoMpQr', 'rOtAtEdNeWkEy0123456789abcdefghijKLMNOPq'];
const INGEST_KEYS = ['Ik2wQ9eRt5YuI8oP1aS4dF7gH0jK3lZxCvBnM6qW'];
const ALL_KEYS = [...READ_KEYS, ...INGEST_KEYS];

const nothingStored: CallStore = {
  putCalls: async () => {
    throw new Error('a request without a valid key reached the store');
  },
  queryCalls: async () => {
    throw new Error('a request without a valid key reached the store');
  },
};

// -------------------------------------------------------------------------------------------------
// Authorization header values that must never be accepted by a route whose keys are `valid`
// (`other`: the other scope's keys).

const OTHER_WHITESPACE = ['\u00A0', '\u200B', '\uFEFF', '\u2028', '\u2029', '\u3000', '\n', '\r\n', '\v', '\f'];
const INSIDE_WHITESPACE = [' ', '\t', ...OTHER_WHITESPACE];
function refusedHeaders(valid: string[], other: string[]) {
  const key = fc.constantFrom(...valid);
  return fc.oneof(
    // random keys, of any text, or shaped like real ones
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.stringMatching(/^[A-Za-z0-9]{40}$/),
    fc.stringMatching(/^[A-Za-z0-9]{40}$/).map((k) => `Bearer ${k}`),
    // prefixes of a valid key, raw or Bearer
    fc.tuple(key, fc.nat(), fc.boolean()).map(([k, n, bearer]) => `${bearer ? 'Bearer ' : ''}${k.slice(0, n % k.length)}`),
    // a valid key with whitespace inside it
    fc.tuple(key, fc.nat(), fc.constantFrom(...INSIDE_WHITESPACE), fc.boolean()).map(([k, n, ws, bearer]) => {
      const at = 1 + (n % (k.length - 1));
      return `${bearer ? 'Bearer ' : ''}${k.slice(0, at)}${ws}${k.slice(at)}`;
    }),
    // a valid key with non-HTTP whitespace around it (HTTP's own spaces and tabs are stripped by any server)
    fc.tuple(key, fc.constantFrom(...OTHER_WHITESPACE), fc.constantFrom('before', 'after', 'scheme'), fc.boolean()).map(([k, ws, where, bearer]) => {
      if (where === 'scheme') return `Bearer${ws}${k}`;
      const b = bearer ? 'Bearer ' : '';
      return where === 'before' ? `${b}${ws}${k}` : `${b}${k}${ws}`;
    }),
    // the wrong scheme, or the right one misspelt
    fc
      .tuple(
        key,
        fc.constantFrom(
          'Basic ',
          'Token ',
          'Digest ',
          'ApiKey ',
          'Bearer: ',
          'Bearer=',
          'Bearer',
          'Bearer Bearer ',
          'Beare ',
          'Bearerr ',
          'key=',
          'Authorization: ',
          'x-api-key ',
        ),
      )
      .map(([k, s]) => `${s}${k}`),
    key.map((k) => `Basic ${Buffer.from(`${k}:`).toString('base64')}`),
    // empty, or a scheme alone
    fc.constantFrom('', ' ', '\t', 'Bearer', 'Bearer ', 'bearer\t', 'null', 'undefined', 'Bearer null'),
    // altered keys: case, an extra character, doubled, two keys joined as repeated headers are
    fc.tuple(key, fc.constantFrom('upper', 'lower', 'extra', 'double', 'joined', 'quoted')).map(([k, how]) => {
      switch (how) {
        case 'upper':
          return k.toUpperCase();
        case 'lower':
          return k.toLowerCase();
        case 'extra':
          return `${k}x`;
        case 'double':
          return `${k}${k}`;
        case 'joined':
          return `${k},${valid[valid.length - 1]}`;
        default:
          return `"${k}"`;
      }
    }),
    // the other scope's key
    fc.tuple(fc.constantFrom(...other), fc.constantFrom('', 'Bearer ', 'bearer ')).map(([k, s]) => `${s}${k}`),
  );
}

const accepted = (k: string) => [k, `Bearer ${k}`, `bearer ${k}`, `BEARER\t${k}`, `  Bearer   ${k} \t`, `\t${k} `];

function readEvent(authorization: string | undefined, extraHeaders: Record<string, string> = {}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { ...extraHeaders };
  if (authorization !== undefined) headers.authorization = authorization;
  return httpEvent({ routeKey: 'GET /calls', headers });
}

function ingestEvent(
  authorization: string | undefined,
  extraHeaders: Record<string, string> = {},
  body = JSON.stringify(sampleCall({ id: 'auth-test' })),
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
  if (authorization !== undefined) headers.authorization = authorization;
  return httpEvent({ routeKey: 'POST /calls', headers, body });
}

const expectUnauthorized = (result: Awaited<ReturnType<typeof invoke>>, header: unknown) => {
  if (result.status !== 401) throw new Error(`accepted ${JSON.stringify(header)}: status ${result.status}`);
  expect(isJsonError(result.body)).toBe(true);
  expect(result.headers['www-authenticate']).toBe('Bearer');
};

describe('API keys under adversarial Authorization headers', () => {
  const CASES = runs(3_000);

  test(`read route: ${CASES} refused headers are all 401, and never reach the store`, async () => {
    const read = h.createReadHandler({ store: nothingStored, keys: async () => h.keyCheck(READ_KEYS), maxWindowDays: 31 });
    const logs = captureLogs();
    try {
      await fc.assert(
        fc.asyncProperty(refusedHeaders(READ_KEYS, INGEST_KEYS), async (header) => expectUnauthorized(await invoke(read, readEvent(header)), header)),
        { seed: SEED, numRuns: CASES },
      );
      expectUnauthorized(await invoke(read, readEvent(undefined)), 'no header');
    } finally {
      logs.restore();
    }
  });

  test(`ingest route: ${CASES} refused headers (the read keys among them) are all 401, and nothing is stored`, async () => {
    const ingest = h.createIngestHandler({ store: nothingStored, keys: async () => h.keyCheck(INGEST_KEYS), retentionDays: 90, maxBodyBytes: 1024 * 1024 });
    const logs = captureLogs();
    try {
      await fc.assert(
        fc.asyncProperty(refusedHeaders(INGEST_KEYS, READ_KEYS), async (header) => expectUnauthorized(await invoke(ingest, ingestEvent(header)), header)),
        { seed: SEED + 1, numRuns: CASES },
      );
      expectUnauthorized(await invoke(ingest, ingestEvent(undefined)), 'no header');
    } finally {
      logs.restore();
    }
  });

  test('control: every valid key is accepted raw, as Bearer, and with HTTP spaces and tabs around it', async () => {
    const calls: string[] = [];
    const store: CallStore = {
      putCalls: async (records) => void calls.push(...records.map((r) => r.id)),
      queryCalls: async () => ({ calls: [], next: undefined }),
    };
    const read = h.createReadHandler({ store, keys: async () => h.keyCheck(READ_KEYS), maxWindowDays: 31 });
    // The sample calls started in 2025: a retention that still keeps them, so they are stored (issue 14).
    const ingest = h.createIngestHandler({ store, keys: async () => h.keyCheck(INGEST_KEYS), retentionDays: 36500, maxBodyBytes: 1024 * 1024 });
    const logs = captureLogs();
    try {
      for (const k of READ_KEYS) for (const header of accepted(k)) expect([header, (await invoke(read, readEvent(header))).status]).toEqual([header, 200]);
      for (const k of INGEST_KEYS)
        for (const header of accepted(k)) expect([header, (await invoke(ingest, ingestEvent(header))).status]).toEqual([header, 200]);
    } finally {
      logs.restore();
    }
    expect(calls.length).toBe(accepted('x').length * INGEST_KEYS.length);
  });
});

describe('secrets never reach the logs', () => {
  const SIGNATURES = {
    'x-vapi-signature': 'sha256=5f2b1c0e9d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c',
    'x-vapi-secret': 'vapiSecretToken0123456789abcdefXYZ',
    'x-retell-signature': 'v=1735725600000,d=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
    'elevenlabs-signature': 't=1735725600,v0=9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0',
  };
  const WEBHOOK_SECRET = 'whsec_platformSigningSecret0123456789';
  const WEBHOOK_NOW = Date.parse('2025-01-01T12:00:00Z');
  const WEBHOOK_BODY = JSON.stringify({ message: { type: 'status-update', status: 'in-progress' } });
  const signed = Object.fromEntries(WEBHOOK_PLATFORMS.map((p) => [p, signWebhook(p, WEBHOOK_BODY, WEBHOOK_SECRET, WEBHOOK_NOW)]));
  const SECRETS = [
    ...ALL_KEYS,
    ...Object.values(SIGNATURES),
    'wrongKeyButStillSecret0123456789abcdefgh',
    WEBHOOK_SECRET,
    ...Object.values(signed).flatMap((headers) => Object.values(headers).map((v) => v.split(/[=,]/).sort((a, b) => b.length - a.length)[0]!)),
  ];

  /** Every piece of a secret long enough to identify it. */
  const leaks = (text: string) => SECRETS.filter((secret) => text.includes(secret) || text.includes(secret.slice(0, 16)) || text.includes(secret.slice(-16)));

  test('with DEBUG logging and POWERTOOLS_LOGGER_LOG_EVENT on, no log line holds a key, an Authorization header or a signature', async () => {
    const failing = (name: string): CallStore => {
      const fail = async (): Promise<never> => {
        throw Object.assign(new Error(`${name}: injected`), { name });
      };
      return { putCalls: fail, queryCalls: fail };
    };
    const working: CallStore = { putCalls: async () => undefined, queryCalls: async () => ({ calls: ['{"id":"x"}'], next: 'p' }) };
    const keysDown = async (): Promise<never> => {
      throw Object.assign(new Error('could not read the read keys secret'), { name: 'KeysUnavailableError' });
    };
    const readWith = (store: CallStore, keys = async () => h.keyCheck(READ_KEYS)) => h.createReadHandler({ store, keys, maxWindowDays: 31 });
    const ingestWith = (store: CallStore, keys = async () => h.keyCheck(INGEST_KEYS)) =>
      h.createIngestHandler({ store, keys, retentionDays: 90, maxBodyBytes: 64 * 1024 });

    const logs = captureLogs();
    const statuses: number[] = [];
    try {
      const run = async (handler: Parameters<typeof invoke>[0], event: APIGatewayProxyEventV2) => statuses.push((await invoke(handler, event)).status!);
      for (const auth of [READ_KEYS[0]!, `Bearer ${READ_KEYS[1]}`, `Bearer ${INGEST_KEYS[0]}`, 'wrongKeyButStillSecret0123456789abcdefgh', '']) {
        await run(readWith(working), readEvent(auth, SIGNATURES)); // 200 or 401
        await run(readWith(working), { ...readEvent(auth, SIGNATURES), queryStringParameters: { limit: 'x' } }); // 400 or 401
        await run(readWith(failing('ThrottlingException')), readEvent(auth, SIGNATURES)); // 503 or 401
        await run(readWith(failing('Error')), readEvent(auth, SIGNATURES)); // 500 or 401
        await run(readWith(working, keysDown), readEvent(auth, SIGNATURES)); // 503
      }
      for (const auth of [INGEST_KEYS[0]!, `Bearer ${INGEST_KEYS[0]}`, READ_KEYS[0]!, 'wrongKeyButStillSecret0123456789abcdefgh']) {
        await run(ingestWith(working), ingestEvent(auth, SIGNATURES)); // 200 or 401
        await run(ingestWith(working), ingestEvent(auth, SIGNATURES, '{"id":')); // 400 or 401
        await run(ingestWith(working), ingestEvent(auth, { ...SIGNATURES, 'content-type': 'text/plain' })); // 415 or 401
        await run(ingestWith(working), ingestEvent(auth, SIGNATURES, ' '.repeat(65 * 1024))); // 413 or 401
        await run(ingestWith(failing('ProvisionedThroughputExceededException')), ingestEvent(auth, SIGNATURES)); // 503 or 401
        await run(ingestWith(failing('ValidationException')), ingestEvent(auth, SIGNATURES)); // 500 or 401
      }
      // The platform webhooks: correctly signed, wrongly signed, signed for another body, unsigned.
      const webhook = h.createWebhookHandler({
        store: working,
        secrets: async () => ({ vapi: [WEBHOOK_SECRET], retell: [WEBHOOK_SECRET], elevenlabs: [WEBHOOK_SECRET] }),
        retentionDays: 90,
        maxBodyBytes: 64 * 1024,
        now: () => WEBHOOK_NOW,
      });
      for (const platform of WEBHOOK_PLATFORMS) {
        const event = (headers: Record<string, string>, body = WEBHOOK_BODY) =>
          httpEvent({ routeKey: 'POST /webhooks/{platform}', pathParameters: { platform }, headers: { 'content-type': 'application/json', ...headers }, body });
        for (const headers of [signed[platform]!, SIGNATURES, { ...SIGNATURES, ...signed[platform]! }, {}]) {
          await run(webhook, event(headers)); // 200 (stored or ignored), or 401
          await run(webhook, event(headers, `${WEBHOOK_BODY} `)); // the body changed: 401
        }
      }
    } finally {
      logs.restore();
    }

    // Every path ran: success, each client error, both dependency failures and an unexpected error.
    expect([...new Set(statuses)].sort()).toEqual([200, 400, 401, 413, 415, 500, 503]);
    const text = logs.text();
    // The capture works: the handlers' own lines are in it, the event included (LOG_EVENT is on).
    expect(text).toContain('calls read');
    expect(text).toContain('calls stored');
    expect(text).toContain('dependency unavailable');
    expect(text).toContain('unexpected error');
    expect(text).toContain('webhook refused');
    expect(leaks(text)).toEqual([]);
    // No header made it into a log line, by name either (reasons may name a header, never hold one).
    expect(text).not.toMatch(/"headers"\s*:|"authorization"\s*:|"x-vapi-secret"\s*:|-signature"\s*:/i);

    // And the check would catch a leak.
    const probe = captureLogs();
    logger.info('probe', { headers: { authorization: `Bearer ${READ_KEYS[0]}` } });
    probe.restore();
    expect(leaks(probe.text())).toContain(READ_KEYS[0]);
  });
});
