/**
 * Everything no other route takes: 405 (with `Allow`) for a wrong method on a known path,
 * 404 otherwise, both in the JSON error shape instead of API Gateway's plain text.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errors } from '../lib/http/errors';
import { jsonErrors } from '../lib/http/middleware';
import { allowedMethods } from '../lib/routes';

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
  .use(jsonErrors())
  .handler(async (event) => {
    const path = event.routeKey.startsWith('ANY ') ? event.routeKey.slice(4) : undefined;
    if (path !== undefined) throw errors.methodNotAllowed(allowedMethods(path));
    throw errors.notFound();
  });
