/**
 * The local server builds the events API Gateway would (issue 22, items 6 and 9), and the handlers
 * answer them the same way deployed and locally:
 * - query parameters decoded into a map without a prototype (`__proto__` is a parameter, not the
 *   map's prototype; `constructor` is not found on an empty map), repeated ones joined by commas;
 * - a header given twice joined by commas (Node keeps only the first Authorization in `req.headers`);
 * - a repeated query parameter is a 400 naming it (counted in `rawQueryString`, deployed and locally);
 * - two Authorization headers are a 401 whichever carries a valid key; X-CEKURA-API-KEY is accepted
 *   on both ingest routes (POST /calls, Cekura's webhook path) when no Authorization is sent.
 * The handlers run on an in-memory stand-in of the store's interface (no DynamoDB needed).
 */

import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createEraseHandler } from '../../functions/erase-calls';
import { createIngestHandler } from '../../functions/ingest-calls';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import type { CallEraser, CallStore } from '../../lib/store/call-store';
import { createApiServer, type HttpHandler } from '../../local/api-gateway';
import { httpEvent, invoke } from '../support/events';
import { sampleCall } from '../support/fixtures';

const READ_KEY = 'parity-read-key';
const INGEST_KEY = 'parity-ingest-key';

/** What reached the store: every operation, by name and argument. */
function stubStore() {
  const operations: string[] = [];
  const store: CallStore & CallEraser = {
    putCalls: async (records) => {
      operations.push(`put ${records.map((r) => r.id).join(',')}`);
    },
    queryCalls: async (query) => {
      operations.push(`query ${query.number ?? 'all'}`);
      return { calls: [], next: undefined } as never;
    },
    eraseCall: async (id) => {
      operations.push(`erase id ${id}`);
      return { deleted: 1 };
    },
    eraseNumber: async (number) => {
      operations.push(`erase number ${number}`);
      return { deleted: 1 };
    },
  };
  return { store, operations };
}

function handlersOn(store: CallStore & CallEraser) {
  const keys = (valid: string) => async () => keyCheck([valid]);
  return {
    readCalls: createReadHandler({ store, keys: keys(READ_KEY), maxWindowDays: 31 }),
    ingestCalls: createIngestHandler({ store, keys: keys(INGEST_KEY), retentionDays: 90, maxBodyBytes: 1024 * 1024 }),
    eraseCalls: createEraseHandler({ store, keys: keys(INGEST_KEY) }),
  };
}

/** A raw HTTP/1.1 request, so headers can be repeated exactly as sent; answers status and body. */
async function rawRequest(port: number, lines: string[], body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
    });
    socket.on('end', () => {
      const [head = '', ...rest] = received.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body: rest.join('\r\n\r\n') });
    });
    socket.on('error', reject);
    const headers = [...lines, 'Host: 127.0.0.1', 'Connection: close', ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : [])];
    socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
  });
}

/** The local server with the real handlers on the stand-in store, and one that echoes each event. */
function useServers() {
  const state: {
    port: number;
    echoPort: number;
    events: APIGatewayProxyEventV2[];
    operations: string[];
    close: () => Promise<void>;
  } = { port: 0, echoPort: 0, events: [], operations: [], close: async () => undefined };
  beforeAll(async () => {
    const { store, operations } = stubStore();
    state.operations = operations;
    const real = handlersOn(store);
    const echo: HttpHandler = async (event) => {
      state.events.push(event);
      return { statusCode: 204 };
    };
    const withEcho = { readCalls: echo, ingestCalls: echo, eraseCalls: echo, platformWebhook: echo, fallback: echo };
    const server = createApiServer({ ...withEcho, ...(real as unknown as Record<keyof typeof real, HttpHandler>) });
    const echoServer = createApiServer(withEcho);
    for (const s of [server, echoServer]) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    state.port = (server.address() as AddressInfo).port;
    state.echoPort = (echoServer.address() as AddressInfo).port;
    state.close = async () => {
      for (const s of [server, echoServer]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    };
  });
  afterAll(() => state.close());
  beforeEach(() => {
    state.events.length = 0;
    state.operations.length = 0;
  });
  return state;
}

describe('the local gateway builds events as API Gateway does (issue 22)', () => {
  const servers = useServers();

  it('decodes query parameters into a map without a prototype: __proto__ is kept, inherited names are not read', async () => {
    await rawRequest(servers.echoPort, ['GET /calls?__proto__=x&id=a&toString=b&toString=c HTTP/1.1']);
    await rawRequest(servers.echoPort, ['GET /calls?id=a HTTP/1.1']);
    const [withProto, plain] = servers.events.map((event) => event.queryStringParameters!);
    expect(Object.getPrototypeOf(withProto)).toBeNull();
    expect(Object.entries(withProto!)).toEqual([
      ['__proto__', 'x'],
      ['id', 'a'],
      ['toString', 'b,c'],
    ]);
    expect(Object.hasOwn(plain!, 'constructor')).toBe(false);
    expect(plain!.constructor).toBeUndefined();
  });

  it('joins a header given twice with a comma, Authorization included', async () => {
    await rawRequest(servers.echoPort, ['GET /calls HTTP/1.1', 'Authorization: first', 'authorization: second', 'X-Custom: a', 'X-Custom: b']);
    expect(servers.events[0]!.headers).toMatchObject({ authorization: 'first,second', 'x-custom': 'a,b' });
  });
});

describe('repeated and odd query parameters get the same answer deployed and locally (issue 22)', () => {
  const servers = useServers();
  /** The event API Gateway sends for a query string: decoded values, repeated ones joined by commas. */
  const deployed = (routeKey: string, rawQueryString: string, headers: Record<string, string>, body?: string): APIGatewayProxyEventV2 => {
    const query: Record<string, string> = Object.create(null);
    for (const [key, value] of new URLSearchParams(rawQueryString)) query[key] = Object.hasOwn(query, key) ? `${query[key]},${value}` : value;
    return { ...httpEvent({ routeKey, query, headers, body }), rawQueryString, queryStringParameters: query };
  };
  const remote = stubStore();
  const lambdas = handlersOn(remote.store);
  beforeEach(() => {
    remote.operations.length = 0;
  });

  const cases = [
    { method: 'DELETE', route: 'DELETE /calls', query: 'id=a&id=b', key: INGEST_KEY, path: 'id', handler: lambdas.eraseCalls },
    { method: 'DELETE', route: 'DELETE /calls', query: '__proto__=x&id=a', key: INGEST_KEY, path: '__proto__', handler: lambdas.eraseCalls },
    { method: 'GET', route: 'GET /calls', query: 'number=%2B16505551234&number=%2B14155550100', key: READ_KEY, path: 'number', handler: lambdas.readCalls },
    { method: 'GET', route: 'GET /calls', query: 'limit=5&from=2026-12-01T00:00:00Z&limit=7', key: READ_KEY, path: 'limit', handler: lambdas.readCalls },
    { method: 'POST', route: 'POST /calls', query: 'source=custom&source=vapi', key: INGEST_KEY, path: 'source', handler: lambdas.ingestCalls },
  ] as const;

  it.each(cases)('$method /calls?$query is a 400 naming $path, and reaches no store', async ({ method, route, query, key, path, handler }) => {
    const body = method === 'POST' ? JSON.stringify(sampleCall({ id: 'parity' }, new Date(Date.now() - 60_000).toISOString())) : '';
    const local = await rawRequest(
      servers.port,
      [`${method} /calls?${query} HTTP/1.1`, `Authorization: ${key}`, ...(body ? ['Content-Type: application/json'] : [])],
      body,
    );
    const onLambda = await invoke(handler, deployed(route, query, { authorization: key, 'content-type': 'application/json' }, body || undefined));
    for (const answer of [{ status: local.status, body: JSON.parse(local.body) as unknown }, onLambda]) {
      expect(answer).toMatchObject({ status: 400, body: { error: { issues: [{ path }] } } });
    }
    expect([servers.operations, remote.operations]).toEqual([[], []]);
  });

  it('answers two Authorization headers with 401, whichever is valid (API Gateway joins them: no key has a comma)', async () => {
    for (const [first, second] of [
      [READ_KEY, 'wrong'],
      ['wrong', READ_KEY],
      [READ_KEY, READ_KEY],
    ]) {
      const local = await rawRequest(servers.port, ['GET /calls HTTP/1.1', `Authorization: ${first}`, `Authorization: ${second}`]);
      const onLambda = await invoke(lambdas.readCalls, deployed('GET /calls', '', { authorization: `${first},${second}` }));
      expect([local.status, onLambda.status]).toEqual([401, 401]);
    }
    expect([servers.operations, remote.operations]).toEqual([[], []]);
  });

  it('accepts X-CEKURA-API-KEY on both ingest routes when no Authorization is sent, and nowhere else', async () => {
    const call = JSON.stringify(sampleCall({ id: 'cekura-header' }, new Date(Date.now() - 60_000).toISOString()));
    const post = (path: string, headers: string[]) => rawRequest(servers.port, [`POST ${path} HTTP/1.1`, 'Content-Type: application/json', ...headers], call);
    expect((await post('/calls', [`X-CEKURA-API-KEY: ${INGEST_KEY}`])).status).toBe(200);
    const push = JSON.stringify({
      calls: [{ id: 'push-1', startedAt: new Date(Date.now() - 60_000).toISOString(), endedAt: new Date().toISOString(), from_phone_number: '+16505551234' }],
    });
    const viaWebhook = await rawRequest(
      servers.port,
      ['POST /test_framework/custom-provider-transcript-webhook HTTP/1.1', 'Content-Type: application/json', `X-CEKURA-API-KEY: ${INGEST_KEY}`],
      push,
    );
    expect(viaWebhook.status).toBe(200);
    // Authorization, when sent, is the one checked.
    expect((await post('/calls', ['Authorization: wrong', `X-CEKURA-API-KEY: ${INGEST_KEY}`])).status).toBe(401);
    expect((await rawRequest(servers.port, ['DELETE /calls?id=a HTTP/1.1', `X-CEKURA-API-KEY: ${INGEST_KEY}`])).status).toBe(401);
    expect((await rawRequest(servers.port, ['GET /calls HTTP/1.1', `X-CEKURA-API-KEY: ${READ_KEY}`])).status).toBe(401);
    expect(servers.operations).toEqual(['put cekura-header', 'put push-1']);
  });
});

describe('keep-alive (issue 22)', () => {
  const servers = useServers();

  it('keeps an idle connection open past the time it advertises, so a request sent at that time is answered, not reset', async () => {
    const socket = connect(servers.echoPort, '127.0.0.1');
    const answers: string[] = [];
    let closed = false;
    socket.on('data', (chunk) => answers.push(chunk.toString('utf8')));
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => undefined);
    const request = 'GET /calls HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const answered = async (count: number) => {
      while (answers.length < count && !closed) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    socket.write(request);
    await answered(1);
    const advertised = Number(/\r\nkeep-alive: timeout=(\d+)\r\n/i.exec(answers[0] ?? '')?.[1]);
    expect(advertised).toBe(5);
    // A client reuses the connection until about the advertised time (fetch's undici: a little less, checked on a coarse timer).
    await new Promise((resolve) => setTimeout(resolve, (advertised + 1) * 1_000));
    expect(closed).toBe(false);
    socket.write(request);
    await answered(2);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 204 /);
    socket.destroy();
  }, 30_000);
});
