import { handler } from '../../functions/fallback';
import { httpEvent, invoke } from '../support/events';

describe('fallback handler', () => {
  it('answers 405 with Allow for a wrong method on a known path', async () => {
    for (const routeKey of ['ANY /calls', 'ANY /calls/{number}']) {
      const result = await invoke(handler, httpEvent({ routeKey }));
      expect(result).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
    }
    expect((await invoke(handler, httpEvent({ routeKey: 'ANY /calls' }))).headers.allow).toBe('GET, POST, DELETE');
    expect((await invoke(handler, httpEvent({ routeKey: 'ANY /calls/{number}' }))).headers.allow).toBe('GET');
  });

  it('answers 404 in the JSON error shape for anything else', async () => {
    const result = await invoke(handler, httpEvent({ routeKey: '$default', path: '/admin' }));
    expect(result).toMatchObject({ status: 404, body: { error: { code: 'not_found' } }, headers: { 'content-type': 'application/json' } });
  });
});

describe('GET /openapi.json', () => {
  it('serves the OpenAPI description without a key, with the https base URL it was called on', async () => {
    const result = await invoke(handler, httpEvent({ routeKey: 'GET /openapi.json' }));
    expect(result).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { openapi: '3.1.0', servers: [{ url: 'https://api.example.com' }] },
    });
  });

  it('answers 405 for other methods', async () => {
    const result = await invoke(handler, httpEvent({ routeKey: 'ANY /openapi.json' }));
    expect([result.status, result.headers.allow]).toEqual([405, 'GET']);
  });
});

describe('HEAD', () => {
  it('answers like GET without the body, saying how long the body would have been (errors too)', async () => {
    const call = (method: string, routeKey: string) =>
      handler(httpEvent({ routeKey, method }) as never, {} as never) as Promise<{ statusCode: number; body?: string; headers?: Record<string, string> }>;
    const get = await call('GET', 'GET /openapi.json');
    const head = await call('HEAD', 'HEAD /openapi.json');
    expect([head.statusCode, head.body, head.headers?.['Content-Length']]).toEqual([200, '', String(Buffer.byteLength(get.body!))]);
    expect(head.headers?.['Content-Type']).toBe(get.headers?.['Content-Type']);
    const missing = await call('HEAD', '$default');
    expect([missing.statusCode, missing.body]).toEqual([404, '']);
  });
});
