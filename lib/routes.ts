/**
 * The HTTP surface, declared once. The CDK API construct creates these routes and the local server
 * dispatches with the same table, so `npm start` answers exactly like the deployed API.
 */
export type LambdaName = 'readCalls' | 'ingestCalls' | 'eraseCalls' | 'platformWebhook' | 'fallback';

export interface RouteDefinition {
  /** API Gateway HTTP API route key, e.g. `GET /calls/{number}` or `ANY /calls`. */
  routeKey: string;
  lambda: LambdaName;
}

/**
 * Cekura's own push webhook path: code written for Cekura's webhook works against the adapter by
 * changing only its base URL. API Gateway routes `/path/` as `/path`, so one route serves both.
 */
export const CEKURA_PUSH_PATH = '/test_framework/custom-provider-transcript-webhook';
export const CEKURA_PUSH_ROUTE_KEY = `POST ${CEKURA_PUSH_PATH}`;

/** The API's OpenAPI description: public, served by the fallback Lambda (no extra function or IAM). */
export const OPENAPI_ROUTE_KEY = 'GET /openapi.json';

/**
 * The call viewer page and its content-hashed script and style (lib/viewer): public, no data in
 * them, served by the fallback Lambda. The page asks `GET /calls` with the key the user types.
 */
export const VIEWER_ROUTE_KEY = 'GET /';
export const VIEWER_ASSET_ROUTE_KEY = 'GET /assets/{file}';

const DECLARED_ROUTES: readonly RouteDefinition[] = [
  { routeKey: 'GET /calls', lambda: 'readCalls' },
  { routeKey: 'GET /calls/{number}', lambda: 'readCalls' },
  { routeKey: 'POST /calls', lambda: 'ingestCalls' },
  // Erasure (ingest key): a Lambda of its own, whose role can delete and nothing else.
  { routeKey: 'DELETE /calls', lambda: 'eraseCalls' },
  { routeKey: CEKURA_PUSH_ROUTE_KEY, lambda: 'ingestCalls' },
  // Authenticated by each platform's own signature, not by an API key.
  { routeKey: 'POST /webhooks/{platform}', lambda: 'platformWebhook' },
  { routeKey: OPENAPI_ROUTE_KEY, lambda: 'fallback' },
  { routeKey: VIEWER_ROUTE_KEY, lambda: 'fallback' },
  { routeKey: VIEWER_ASSET_ROUTE_KEY, lambda: 'fallback' },
  // API Gateway prefers a route with an explicit method over ANY, so these only catch the wrong
  // methods on known paths and answer 405 instead of API Gateway's plain-text 404.
  { routeKey: 'ANY /calls', lambda: 'fallback' },
  { routeKey: 'ANY /calls/{number}', lambda: 'fallback' },
  { routeKey: 'ANY /webhooks/{platform}', lambda: 'fallback' },
  { routeKey: `ANY ${CEKURA_PUSH_PATH}`, lambda: 'fallback' },
  { routeKey: 'ANY /openapi.json', lambda: 'fallback' },
  { routeKey: 'ANY /', lambda: 'fallback' },
  { routeKey: 'ANY /assets/{file}', lambda: 'fallback' },
  { routeKey: '$default', lambda: 'fallback' },
];

/**
 * HEAD is GET without the body (RFC 9110 section 9.3.2), so every GET route has a HEAD twin on the
 * same Lambda: API Gateway matches routes by method, and a HEAD would otherwise reach `ANY` (a 405).
 * The Lambda answers as for GET; an HTTP server never sends the body of a HEAD answer.
 */
export const ROUTES: readonly RouteDefinition[] = [
  ...DECLARED_ROUTES,
  ...DECLARED_ROUTES.filter((r) => r.routeKey.startsWith('GET ')).map((r) => ({ routeKey: `HEAD ${r.routeKey.slice('GET '.length)}`, lambda: r.lambda })),
];

/** The GET route a HEAD twin stands for (`HEAD /calls` -> `GET /calls`); other route keys unchanged. */
export function getRouteKeyOf(routeKey: string): string {
  return routeKey.startsWith('HEAD ') ? `GET ${routeKey.slice('HEAD '.length)}` : routeKey;
}

/** Methods allowed per known path, for the `Allow` header of a 405 (HEAD goes without saying where GET is). */
export function allowedMethods(routeKeyPath: string): string[] {
  return DECLARED_ROUTES.filter((r) => r.routeKey.endsWith(` ${routeKeyPath}`) && !r.routeKey.startsWith('ANY ')).map(
    (r) => r.routeKey.split(' ')[0] as string,
  );
}
