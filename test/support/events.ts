import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

interface EventOptions {
  routeKey: string;
  path?: string;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  /** The request's method, for `ANY` routes and `$default` (else taken from the route key). */
  method?: string;
}

/** An HTTP API payload 2.0 event as API Gateway sends it (query values decoded). */
export function httpEvent(options: EventOptions): APIGatewayProxyEventV2 {
  const [routeMethod, routePath] = options.routeKey === '$default' ? ['GET', '/'] : (options.routeKey.split(' ') as [string, string]);
  const method = options.method ?? routeMethod;
  const rawPath = options.path ?? routePath;
  return {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { host: 'api.example.com', ...options.headers },
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    body: options.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey: options.routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
}

export const lambdaContext = { functionName: 'test', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

type Invokable = (event: never, context: Context) => Promise<unknown>;

/** Invokes a handler and parses its JSON body. */
export async function invoke(handler: Invokable, event: APIGatewayProxyEventV2) {
  const result = (await handler(event as never, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return { status: result.statusCode, headers, body: result.body === undefined ? undefined : (JSON.parse(result.body) as unknown), raw: result.body };
}
