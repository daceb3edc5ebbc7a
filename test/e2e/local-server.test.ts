/**
 * End to end, over HTTP, as Cekura and an ingesting client would: the local server (the same
 * handlers as the Lambdas) on each embedded DynamoDB backend.
 */
import net from 'node:net';
import { allowedMethods } from '../../lib/routes';
import { longTranscript, sampleCall } from '../support/fixtures';
import { useLocalApp } from '../support/local-app';

const READ_KEY = 'e2e-read-key';
const INGEST_KEY = 'e2e-ingest-key';
const NUMBER = '+16505551234';

/** Everything the server sends back for a raw HTTP/1.1 request, up to when it closes the connection. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const backends = [
  // The DynamoDB Local jar the test run already started (global setup).
  { name: 'DynamoDB Local', env: {}, backend: undefined },
  // The pure-JS fallback used when Java is missing, started by the app itself.
  { name: 'dynalite', env: { DYNAMODB_ENDPOINT: undefined }, backend: 'dynalite' as const },
];

describe.each(backends)('local server on $name', ({ env, backend }) => {
  const local = useLocalApp(
    { ...env, READ_API_KEYS: `old-read-key,${READ_KEY}`, INGEST_API_KEYS: INGEST_KEY, MAX_BODY_BYTES: String(4 * 1024 * 1024) },
    { backend },
  );
  const startedAt = new Date(Date.now() - 10 * 60_000).toISOString();
  const call = (id: string, overrides = {}) => sampleCall({ id, ...overrides }, startedAt);

  const get = (path: string, authorization = READ_KEY) => fetch(`${local.app.url}${path}`, { headers: { authorization } });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${local.app.url}/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const ids = async (response: Response) => ((await response.json()) as Array<{ id: string }>).map((c) => c.id);

  it('ingests calls and serves them in every form Cekura may ask', async () => {
    const stored = await post({ calls: [call('e2e-1'), call('e2e-2', { customer: { number: '+14155550000' } })] });
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual({ stored: 2, ids: ['e2e-1', 'e2e-2'] });

    const bare = await get('/calls');
    expect(bare.status).toBe(200);
    expect(bare.headers.get('content-type')).toBe('application/json');
    expect((await ids(bare)).sort()).toEqual(['e2e-1', 'e2e-2']);

    // `+` in a query string is a space once decoded: the server must still find the number.
    for (const path of [
      `/calls?number=${NUMBER}`,
      '/calls?number=%2B16505551234',
      `/calls?phone_number=${encodeURIComponent('+1 (650) 555-1234')}`,
      `/calls/${NUMBER}`,
      '/calls/%2B16505551234',
    ]) {
      const response = await get(path);
      expect([path, response.status]).toEqual([path, 200]);
      expect(await ids(response)).toEqual(['e2e-1']);
    }
    expect((await get(`/calls?number=${NUMBER}`, `Bearer ${READ_KEY}`)).status).toBe(200);
    expect((await get(`/calls?number=${NUMBER}`, 'old-read-key')).status).toBe(200);

    const [served] = (await (await get(`/calls/${NUMBER}`)).json()) as unknown[];
    expect(served).toEqual(JSON.parse(JSON.stringify(call('e2e-1'))));
  });

  it('refuses wrong keys with 401 and a JSON error', async () => {
    for (const authorization of ['wrong', INGEST_KEY, `Bearer ${INGEST_KEY}`, '']) {
      const response = await get('/calls', authorization);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
    expect((await post(call('nope'), { authorization: READ_KEY })).status).toBe(401);
  });

  it('stores nothing from an invalid batch, and does not duplicate a re-sent call', async () => {
    const bad = { ...call('bad-1'), endedAt: '2000-01-01T00:00:00Z' };
    const refused = await post([call('batch-ok'), bad]);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { issues: [{ path: '[1].endedAt' }] } });
    expect(await ids(await get('/calls'))).not.toContain('batch-ok');

    const number = '+442079460958';
    await post(call('resent', { customer: { number }, endedReason: 'first' }));
    await post(call('resent', { customer: { number }, endedReason: 'second' }));
    const calls = (await (await get(`/calls?number=${number}`)).json()) as Array<{ id: string; endedReason: string }>;
    expect(calls.map((c) => [c.id, c.endedReason])).toEqual([['resent', 'second']]);
  });

  it('round-trips a 1 MB transcript', async () => {
    const number = '+61291234567';
    const long = call('long', { customer: { number }, messages: longTranscript(1024 * 1024) });
    const body = JSON.stringify(long);
    expect(body.length).toBeGreaterThan(1024 * 1024);
    expect((await post(body)).status).toBe(200);
    const response = await get(`/calls?number=${encodeURIComponent(number)}`);
    expect((await response.json()) as unknown).toEqual([JSON.parse(body)]);
  });

  it('serves its OpenAPI description without a key', async () => {
    const response = await fetch(`${local.app.url}/openapi.json`);
    expect([response.status, response.headers.get('content-type')]).toEqual([200, 'application/json']);
    const doc = (await response.json()) as { openapi: string; servers: Array<{ url: string }>; paths: Record<string, unknown> };
    expect(doc).toMatchObject({ openapi: '3.1.0', servers: [{ url: local.app.url }] });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/calls', '/calls/{number}', '/openapi.json']));
  });

  it('answers HEAD as GET without a body, on the wire', async () => {
    expect((await post(call('head-1'))).status).toBe(200);
    for (const path of ['/calls', `/calls/${NUMBER}`]) {
      const body = await (await get(path)).text();
      const head = await fetch(`${local.app.url}${path}`, { method: 'HEAD', headers: { authorization: READ_KEY } });
      expect([path, head.status, head.headers.get('content-type'), head.headers.get('content-length')]).toEqual([
        path,
        200,
        'application/json',
        String(Buffer.byteLength(body)),
      ]);
    }
    // Not a byte after the headers: the client could not tell otherwise (fetch ignores a HEAD body).
    const raw = await rawExchange(local.app.port, `HEAD /calls HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${READ_KEY}\r\nConnection: close\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw.endsWith('\r\n\r\n')).toBe(true);
    // The same status as GET: no key is a 401, a wrong method on the path stays a 405.
    const unauthorised = await fetch(`${local.app.url}/calls`, { method: 'HEAD' });
    expect([unauthorised.status, unauthorised.headers.get('www-authenticate'), await unauthorised.text()]).toEqual([401, 'Bearer', '']);
    expect((await fetch(`${local.app.url}/webhooks/vapi`, { method: 'HEAD' })).status).toBe(405);
  });

  it('allows CORS on the OpenAPI description only', async () => {
    const origin = { origin: 'https://editor.swagger.io' };
    const doc = await fetch(`${local.app.url}/openapi.json`, { headers: origin });
    const head = await fetch(`${local.app.url}/openapi.json`, { method: 'HEAD', headers: origin });
    expect([doc.status, doc.headers.get('access-control-allow-origin'), head.status, head.headers.get('access-control-allow-origin')]).toEqual([
      200,
      '*',
      200,
      '*',
    ]);
    const preflight = await fetch(`${local.app.url}/openapi.json`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'GET' } });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin'), preflight.headers.get('access-control-allow-methods')]).toEqual([
      204,
      '*',
      'GET, HEAD',
    ]);

    const elsewhere = [
      await fetch(`${local.app.url}/calls`, { headers: { ...origin, authorization: READ_KEY } }),
      await fetch(`${local.app.url}/calls`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'GET' } }),
      await post(call('cors-1'), origin),
      await fetch(`${local.app.url}/admin`, { headers: origin }),
    ];
    expect(elsewhere.map((r) => r.status)).toEqual([200, 405, 200, 404]);
    for (const response of elsewhere) expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('answers 404, 405, 413 and 415 as JSON errors', async () => {
    const notFound = await get('/admin');
    expect([notFound.status, await notFound.json()]).toEqual([404, { error: { code: 'not_found', message: expect.any(String) } }]);
    const wrongMethod = await fetch(`${local.app.url}/calls`, { method: 'PUT' });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, allowedMethods('/calls').join(', ')]);
    expect(allowedMethods('/calls')).toEqual(expect.arrayContaining(['GET', 'POST']));
    const tooLarge = await post(call('x', { messages: longTranscript(5 * 1024 * 1024) }));
    expect([tooLarge.status, ((await tooLarge.json()) as { error: { code: string } }).error.code]).toEqual([413, 'payload_too_large']);
    const wrongType = await post(call('x'), { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
  });

  it('takes Content-Type case-insensitively, and refuses a body that is not UTF-8 without storing it', async () => {
    expect((await post(call('capital-ct'), { 'content-type': 'Application/JSON; charset=UTF-8' })).status).toBe(200);
    const valid = Buffer.from(JSON.stringify(call('not-utf8', { endedReason: 'XX' })));
    const bytes = Buffer.from(valid.toString('latin1').replace('XX', '\u00ff\u00fe'), 'latin1'); // 0xFF 0xFE: never UTF-8
    const response = await fetch(`${local.app.url}/calls`, {
      method: 'POST',
      headers: { authorization: INGEST_KEY, 'content-type': 'application/json' },
      body: bytes,
    });
    expect([response.status, ((await response.json()) as { error: { issues: unknown } }).error.issues]).toEqual([
      400,
      [{ path: '', message: 'is not valid UTF-8' }],
    ]);
    expect(await ids(await get('/calls'))).toContain('capital-ct');
    expect(await ids(await get('/calls'))).not.toContain('not-utf8');
  });
});
