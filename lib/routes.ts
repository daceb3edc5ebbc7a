/**
 * The HTTP surface, declared once. The CDK API construct creates these routes and the local server
 * dispatches with the same table, so `npm start` answers exactly like the deployed API.
 */
export type LambdaName = 'readCalls' | 'ingestCalls' | 'fallback';

export interface RouteDefinition {
  /** API Gateway HTTP API route key, e.g. `GET /calls/{number}` or `ANY /calls`. */
  routeKey: string;
  lambda: LambdaName;
}

export const ROUTES: readonly RouteDefinition[] = [
  { routeKey: 'GET /calls', lambda: 'readCalls' },
  { routeKey: 'GET /calls/{number}', lambda: 'readCalls' },
  { routeKey: 'POST /calls', lambda: 'ingestCalls' },
  // API Gateway prefers a route with an explicit method over ANY, so these only catch the wrong
  // methods on known paths and answer 405 instead of API Gateway's plain-text 404.
  { routeKey: 'ANY /calls', lambda: 'fallback' },
  { routeKey: 'ANY /calls/{number}', lambda: 'fallback' },
  { routeKey: '$default', lambda: 'fallback' },
];

/** Methods allowed per known path, for the `Allow` header of a 405. */
export function allowedMethods(routeKeyPath: string): string[] {
  return ROUTES.filter((r) => r.routeKey.endsWith(` ${routeKeyPath}`) && !r.routeKey.startsWith('ANY '))
    .map((r) => r.routeKey.split(' ')[0] as string);
}
