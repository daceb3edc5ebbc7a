/**
 * Everything no other route takes: 405 (with `Allow`) for a wrong method on a known path,
 * 404 otherwise, both in the JSON error shape instead of API Gateway's plain text. Also serves
 * the public OpenAPI description (`GET /openapi.json`): it needs no key, no AWS call and no
 * permission, so it costs no extra function, role or cold start.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errors } from '../lib/http/errors';
import { jsonErrors } from '../lib/http/middleware';
import { openApiDocument } from '../lib/openapi/document';
import { allowedMethods, OPENAPI_ROUTE_KEY } from '../lib/routes';

/** The base URL the request came in on: https behind API Gateway, http for the local server. */
function serverUrl(event: APIGatewayProxyEventV2): string | undefined {
  const host = event.requestContext?.domainName || event.headers?.host;
  if (!host) return undefined;
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host);
  return `${local ? 'http' : 'https'}://${host}`;
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
  .use(jsonErrors())
  .handler(async (event) => {
    if (event.routeKey === OPENAPI_ROUTE_KEY) {
      return {
        statusCode: 200,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' },
        body: JSON.stringify(openApiDocument(serverUrl(event))),
      };
    }
    const path = event.routeKey.startsWith('ANY ') ? event.routeKey.slice(4) : undefined;
    if (path !== undefined) throw errors.methodNotAllowed(allowedMethods(path));
    throw errors.notFound();
  });
