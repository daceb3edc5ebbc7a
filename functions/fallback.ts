/**
 * Everything no other route takes: 405 (with `Allow`) for a wrong method on a known path,
 * 404 otherwise, both in the JSON error shape instead of API Gateway's plain text. Also serves
 * the public OpenAPI description (`GET /openapi.json`) and the call viewer page (`GET /`, see
 * lib/viewer/serve.ts): they need no key, no AWS call and no permission, so they cost no extra
 * function, role or cold start. A HEAD twin of a GET route (lib/routes.ts) is answered as the GET.
 *
 * The OpenAPI description is the one resource with CORS (`Access-Control-Allow-Origin: *`, and an
 * answer to the preflight): browser tools such as Swagger Editor load it from another origin. It is
 * public and sent without credentials. No other route allows a browser on another origin to read it.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errors } from '../lib/http/errors';
import { headWithoutBody, jsonErrors } from '../lib/http/middleware';
import { openApiDocument } from '../lib/openapi/document';
import { allowedMethods, getRouteKeyOf, OPENAPI_ROUTE_KEY } from '../lib/routes';
import { serveViewer } from '../lib/viewer/serve';

/** The base URL the request came in on: https behind API Gateway, http for the local server. */
function serverUrl(event: APIGatewayProxyEventV2): string | undefined {
  const host = event.requestContext?.domainName || event.headers?.host;
  if (!host) return undefined;
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host);
  return `${local ? 'http' : 'https'}://${host}`;
}

const OPENAPI_CORS = { 'Access-Control-Allow-Origin': '*' } as const;
const OPENAPI_PATH = OPENAPI_ROUTE_KEY.slice('GET '.length);

/** The answer to a CORS preflight (or a plain OPTIONS) on the OpenAPI description. */
function openApiPreflight(event: APIGatewayProxyEventV2): APIGatewayProxyStructuredResultV2 {
  const requested = event.headers?.['access-control-request-headers'];
  return {
    statusCode: 204,
    headers: {
      ...OPENAPI_CORS,
      Allow: 'GET, HEAD, OPTIONS',
      'Access-Control-Allow-Methods': 'GET, HEAD',
      // Whatever a tool adds (e.g. Accept): the document is public, and no credentials are allowed.
      ...(requested ? { 'Access-Control-Allow-Headers': requested } : {}),
      'Access-Control-Max-Age': '86400',
    },
  };
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
  .use(headWithoutBody())
  .use(jsonErrors())
  .handler(async (received) => {
    const event = { ...received, routeKey: getRouteKeyOf(received.routeKey) };
    // The call viewer page (`GET /`) and its files: strings bundled into this function.
    const viewer = serveViewer(event);
    if (viewer) return viewer;
    if (event.routeKey === OPENAPI_ROUTE_KEY) {
      return {
        statusCode: 200,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300', ...OPENAPI_CORS },
        body: JSON.stringify(openApiDocument(serverUrl(event))),
      };
    }
    if (event.routeKey === `ANY ${OPENAPI_PATH}` && event.requestContext?.http?.method === 'OPTIONS') return openApiPreflight(event);
    const path = event.routeKey.startsWith('ANY ') ? event.routeKey.slice(4) : undefined;
    if (path !== undefined) throw errors.methodNotAllowed(allowedMethods(path));
    throw errors.notFound();
  });
