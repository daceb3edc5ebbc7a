/**
 * HEAD on every GET route, and CORS on the OpenAPI description only: the route table both the CDK
 * stack and the local server are built from, and the fallback handler behind the public routes.
 */
import { handler } from '../../functions/fallback';
import { documentedRoutes } from '../../lib/openapi/document';
import { allowedMethods, getRouteKeyOf, OPENAPI_ROUTE_KEY, ROUTES } from '../../lib/routes';
import { matchRoute } from '../../local/api-gateway';
import { httpEvent, invoke } from '../support/events';

const keysWith = (method: string) => ROUTES.filter((r) => r.routeKey.startsWith(`${method} `)).map((r) => r.routeKey);

describe('the route table', () => {
  it('gives every GET route a HEAD twin on the same Lambda, and HEAD nothing else', () => {
    const gets = keysWith('GET');
    expect(gets).toEqual(expect.arrayContaining(['GET /calls', 'GET /calls/{number}', OPENAPI_ROUTE_KEY]));
    expect(keysWith('HEAD').sort()).toEqual(gets.map((key) => key.replace('GET ', 'HEAD ')).sort());
    for (const head of ROUTES.filter((r) => r.routeKey.startsWith('HEAD '))) {
      expect([head.routeKey, head.lambda]).toEqual([head.routeKey, ROUTES.find((r) => r.routeKey === getRouteKeyOf(head.routeKey))!.lambda]);
    }
    expect(new Set(ROUTES.map((r) => r.routeKey)).size).toBe(ROUTES.length);
  });

  it('sends HEAD to the read Lambda locally as deployed, and keeps 405s for methods a path does not have', () => {
    expect(matchRoute('HEAD', '/calls').route).toMatchObject({ routeKey: 'HEAD /calls', lambda: 'readCalls' });
    expect(matchRoute('HEAD', '/calls/+16505551234').route).toMatchObject({ routeKey: 'HEAD /calls/{number}', lambda: 'readCalls' });
    expect(matchRoute('HEAD', '/webhooks/vapi').route.routeKey).toBe('ANY /webhooks/{platform}');
    // The Allow header lists the declared methods; HEAD goes with GET.
    expect(allowedMethods('/calls')).toEqual(expect.arrayContaining(['GET', 'POST']));
    expect([allowedMethods('/calls/{number}'), allowedMethods('/webhooks/{platform}')]).toEqual([['GET'], ['POST']]);
    expect(allowedMethods('/calls')).not.toContain('HEAD');
  });

  it('documents no HEAD operation apart from its GET', () => {
    expect(documentedRoutes().filter((r) => r.method === 'head')).toEqual([]);
  });
});

describe('the fallback handler', () => {
  it('answers HEAD /openapi.json with the headers of the GET', async () => {
    const get = await invoke(handler, httpEvent({ routeKey: OPENAPI_ROUTE_KEY }));
    // No body (so not through invoke, which parses it): the GET's headers plus the length its body has.
    const head = (await handler(httpEvent({ routeKey: 'HEAD /openapi.json' }) as never, {} as never)) as {
      statusCode: number;
      body: string;
      headers: Record<string, string>;
    };
    const headers = Object.fromEntries(Object.entries(head.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect([head.statusCode, head.body, headers]).toEqual([200, '', { ...get.headers, 'content-length': String(Buffer.byteLength(get.raw!)) }]);
  });

  it('lets a browser on another origin read the OpenAPI description, and answers its preflight', async () => {
    const get = await invoke(handler, httpEvent({ routeKey: OPENAPI_ROUTE_KEY, headers: { origin: 'https://editor.swagger.io' } }));
    expect(get.headers['access-control-allow-origin']).toBe('*');
    const preflight = await invoke(
      handler,
      httpEvent({
        routeKey: 'ANY /openapi.json',
        method: 'OPTIONS',
        headers: { origin: 'https://editor.swagger.io', 'access-control-request-method': 'GET', 'access-control-request-headers': 'accept, x-requested-with' },
      }),
    );
    expect(preflight).toMatchObject({
      status: 204,
      raw: undefined,
      headers: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD',
        'access-control-allow-headers': 'accept, x-requested-with',
        'access-control-max-age': '86400',
        allow: 'GET, HEAD, OPTIONS',
      },
    });
    // No credentials: the document is public, and a wildcard origin never carries them.
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('sends no CORS header with anything else it answers', async () => {
    const answers = [
      await invoke(handler, httpEvent({ routeKey: 'ANY /openapi.json', method: 'POST' })),
      await invoke(
        handler,
        httpEvent({ routeKey: 'ANY /calls', method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } }),
      ),
      await invoke(handler, httpEvent({ routeKey: '$default', path: '/admin', method: 'OPTIONS' })),
    ];
    expect(answers.map((a) => a.status)).toEqual([405, 405, 404]);
    for (const answer of answers) expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});
