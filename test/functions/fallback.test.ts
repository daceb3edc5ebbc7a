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
