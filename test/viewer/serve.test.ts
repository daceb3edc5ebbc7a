/**
 * The page and its files as the fallback Lambda serves them (the same handler behind `npm start`
 * and API Gateway): headers that keep the page to its own origin, gzip, caching, and 404/405.
 */
import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handler } from '../../functions/fallback';
import { allowedMethods, ROUTES, VIEWER_ASSET_ROUTE_KEY, VIEWER_ROUTE_KEY } from '../../lib/routes';
import { VIEWER_ASSETS } from '../../lib/viewer/assets.generated';
import { acceptsGzip, createViewerResponder, VIEWER_CSP } from '../../lib/viewer/serve';
import { httpEvent, lambdaContext } from '../support/events';

const get = async (routeKey: string, options: { file?: string; headers?: Record<string, string> } = {}) => {
  const event = httpEvent({ routeKey, headers: options.headers, pathParameters: options.file === undefined ? undefined : { file: options.file } });
  const result = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const bytes = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  const text = headers['content-encoding'] === 'gzip' ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return { status: result.statusCode, headers, bytes, text };
};

const assetNames = Object.keys(VIEWER_ASSETS.assets);

describe('GET / (the call viewer)', () => {
  it('serves the page without a key, with a strict CSP, nosniff and no referrer', async () => {
    const page = await get(VIEWER_ROUTE_KEY);
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; media-src https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    expect(page.headers['content-security-policy']).toBe(VIEWER_CSP);
    expect(page.text).toBe(VIEWER_ASSETS.html);
  });

  it('is a page without inline script, inline style or event-handler attributes, naming only its own files', () => {
    const html = VIEWER_ASSETS.html;
    expect(html.match(/<script\b[^>]*>/g)).toEqual([expect.stringMatching(/^<script src="assets\/viewer-[0-9a-f]{12}\.js" defer>$/)]);
    expect(html).toMatch(/<script [^>]*><\/script>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=|javascript:/i);
    const referenced = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(referenced.sort()).toEqual(['data:,', ...assetNames.map((name) => `assets/${name}`)].sort());
  });

  it('gzips when the browser accepts it, and answers 304 to its own ETag', async () => {
    const plain = await get(VIEWER_ROUTE_KEY);
    const gzipped = await get(VIEWER_ROUTE_KEY, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect([gzipped.headers['content-encoding'], gzipped.headers.vary, gzipped.text]).toEqual(['gzip', 'Accept-Encoding', plain.text]);
    expect(gzipped.bytes.length).toBeLessThan(plain.bytes.length);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const again = await get(VIEWER_ROUTE_KEY, { headers: { 'if-none-match': plain.headers.etag! } });
    expect([again.status, again.bytes.length, again.headers.etag]).toEqual([304, 0, plain.headers.etag]);
    expect((await get(VIEWER_ROUTE_KEY, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200);
  });
});

describe('GET /assets/{file}', () => {
  it('serves each file the page names, cached for good since its name is its hash, under the same headers', async () => {
    for (const name of assetNames) {
      const file = await get(VIEWER_ASSET_ROUTE_KEY, { file: name });
      expect(file.status).toBe(200);
      expect(file.text).toBe(VIEWER_ASSETS.assets[name]!.body);
      expect(file.headers).toMatchObject({
        'content-type': name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
        'content-security-policy': VIEWER_CSP,
      });
    }
  });

  it('answers 404 in the JSON error shape for a file it does not have', async () => {
    for (const file of ['viewer-000000000000.js', '..%2Fpackage.json', '']) {
      const missing = await get(VIEWER_ASSET_ROUTE_KEY, { file });
      expect([missing.status, JSON.parse(missing.text)]).toEqual([404, { error: { code: 'not_found', message: 'No such route.' } }]);
    }
  });
});

describe('routes', () => {
  it('declares the page and its files on the fallback Lambda, with 405s for other methods', async () => {
    const fallbackRoutes = ROUTES.filter((r) => r.lambda === 'fallback').map((r) => r.routeKey);
    expect(fallbackRoutes).toEqual(expect.arrayContaining(['GET /', 'GET /assets/{file}', 'ANY /', 'ANY /assets/{file}']));
    expect([allowedMethods('/'), allowedMethods('/assets/{file}')]).toEqual([['GET'], ['GET']]);
    const wrong = await get('ANY /');
    expect([wrong.status, wrong.headers.allow]).toEqual([405, 'GET']);
  });
});

describe('acceptsGzip', () => {
  it('reads Accept-Encoding as browsers send it', () => {
    expect(['gzip', 'deflate, gzip;q=0.5', 'GZIP', '*', 'br, gzip'].map(acceptsGzip)).toEqual([true, true, true, true, true]);
    expect([undefined, '', 'br', 'gzip;q=0', 'gzip; q=0.0', 'identity'].map(acceptsGzip)).toEqual([false, false, false, false, false, false]);
  });
});

describe('createViewerResponder', () => {
  it('prepares its files only when first asked, and leaves other routes alone', () => {
    const responder = createViewerResponder({ html: '<p>x</p>', assets: {} });
    expect(responder(httpEvent({ routeKey: 'GET /openapi.json' }))).toBeUndefined();
    expect(responder(httpEvent({ routeKey: VIEWER_ASSET_ROUTE_KEY, pathParameters: { file: 'a.js' } }))).toBeUndefined();
    expect(responder(httpEvent({ routeKey: VIEWER_ROUTE_KEY }))).toMatchObject({ statusCode: 200, body: '<p>x</p>' });
  });
});
