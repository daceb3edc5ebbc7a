/**
 * The HTTP surface, declared once. The CDK API construct creates these routes and the local server
 * dispatches with the same table, so `npm start` answers exactly like the deployed API.
 */
export type LambdaName = 'readCalls' | 'ingestCalls' | 'platformWebhook' | 'fallback';

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

export const ROUTES: readonly RouteDefinition[] = [
  { routeKey: 'GET /calls', lambda: 'readCalls' },
  { routeKey: 'GET /calls/{number}', lambda: 'readCalls' },
  { routeKey: 'POST /calls', lambda: 'ingestCalls' },
  { routeKey: CEKURA_PUSH_ROUTE_KEY, lambda: 'ingestCalls' },
  // Authenticated by each platform's own signature, not by an API key.
  { routeKey: 'POST /webhooks/{platform}', lambda: 'platformWebhook' },
  { routeKey: OPENAPI_ROUTE_KEY, lambda: 'fallback' },
  // API Gateway prefers a route with an explicit method over ANY, so these only catch the wrong
  // methods on known paths and answer 405 instead of API Gateway's plain-text 404.
  { routeKey: 'ANY /calls', lambda: 'fallback' },
  { routeKey: 'ANY /calls/{number}', lambda: 'fallback' },
  { routeKey: 'ANY /webhooks/{platform}', lambda: 'fallback' },
  { routeKey: `ANY ${CEKURA_PUSH_PATH}`, lambda: 'fallback' },
  { routeKey: 'ANY /openapi.json', lambda: 'fallback' },
  { routeKey: '$default', lambda: 'fallback' },
];

/** Methods allowed per known path, for the `Allow` header of a 405. */
export function allowedMethods(routeKeyPath: string): string[] {
  return ROUTES.filter((r) => r.routeKey.endsWith(` ${routeKeyPath}`) && !r.routeKey.startsWith('ANY '))
    .map((r) => r.routeKey.split(' ')[0] as string);
}
