/**
 * A small stand-in for API Gateway's HTTP API: matches the shared route table, builds payload
 * format 2.0 events as API Gateway does (lower-case headers, repeated headers joined by commas, decoded
 * query parameters with repeated keys joined by commas, so `+` arrives as a space) and maps handler results back to HTTP: the
 * answer to a HEAD without its body. Reports each request (method, path, status, time) to `onRequest`.
 */

import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { type LambdaName, ROUTES } from '../lib/routes';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** One answered request, for local mode's request log. The path has no query string. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  ms: number;
}

export interface ApiServerOptions {
  /** Called once per request, when its answer has been sent (or the client went away). */
  onRequest?: (entry: RequestLogEntry) => void;
}

/**
 * Keep-alive: an idle connection is kept open 5 s longer than clients are told (`Keep-Alive:
 * timeout=5`, Node's default). A client reuses an idle connection until about the advertised time
 * (undici, behind fetch, checks on a coarse timer); a server closing at that very moment resets the
 * request just sent on it: `fetch failed … read ECONNRESET`, on a POST that is not retried (the load
 * test's flake; `npm run import` after a pause). Node 24's `keepAliveTimeoutBuffer` does the same.
 */
export const KEEP_ALIVE_ADVERTISED_S = 5;
export const KEEP_ALIVE_HELD_MS = (KEEP_ALIVE_ADVERTISED_S + 5) * 1_000;

/** API Gateway's own payload limit for HTTP APIs. */
const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const TEXT_CONTENT = /^(text\/|application\/(.+\+)?(json|xml|x-www-form-urlencoded|javascript))/i;

interface CompiledRoute {
  method: string;
  pattern: RegExp | undefined;
  params: string[];
  routeKey: string;
  lambda: LambdaName;
}

function compile(routeKey: string, lambda: LambdaName): CompiledRoute {
  if (routeKey === '$default') return { method: 'ANY', pattern: undefined, params: [], routeKey, lambda };
  const [method, path] = routeKey.split(' ') as [string, string];
  const params: string[] = [];
  const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { method, pattern: new RegExp(`^${source}$`), params, routeKey, lambda };
}

const COMPILED = ROUTES.map((r) => compile(r.routeKey, r.lambda));

/** API Gateway's precedence: an exact method beats ANY, and $default comes last. */
export function matchRoute(method: string, requestPath: string): { route: CompiledRoute; pathParameters: Record<string, string> } {
  // API Gateway routes `/calls/` as `/calls`.
  const path = requestPath.length > 1 ? requestPath.replace(/\/$/, '') : requestPath;
  const candidates = COMPILED.filter((r) => r.pattern?.test(path));
  const route = candidates.find((r) => r.method === method) ?? candidates.find((r) => r.method === 'ANY') ?? COMPILED.find((r) => r.pattern === undefined)!;
  const pathParameters: Record<string, string> = {};
  const match = route.pattern?.exec(path);
  route.params.forEach((name, i) => {
    const raw = match?.[i + 1] ?? '';
    try {
      pathParameters[name] = decodeURIComponent(raw);
    } catch {
      pathParameters[name] = raw;
    }
  });
  return { route, pathParameters };
}

/**
 * As API Gateway decodes them. Without a prototype, as a Lambda's JSON.parse of the event builds
 * them: `__proto__` stays a parameter (not the map's prototype), and `constructor` or `toString` are
 * not found on an empty map.
 */
function decodeQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const params: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    params[key] = Object.hasOwn(params, key) ? `${params[key]},${value}` : value;
  }
  return params;
}

export function buildEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : url.slice(queryStart + 1);
  const method = (req.method ?? 'GET').toUpperCase();
  const { route, pathParameters } = matchRoute(method, rawPath);

  // Every header given more than once is joined with commas, as API Gateway does. (`req.headers`
  // keeps only the first Authorization, Content-Type, Host...: a second key would go unseen locally.)
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values !== undefined && name !== 'cookie') headers[name] = values.join(',');
  }
  // Text bodies arrive as text, as API Gateway sends them; bytes that are not UTF-8 go as base64
  // so the handlers' strict UTF-8 check refuses them instead of storing U+FFFD.
  const textual = TEXT_CONTENT.test(headers['content-type'] ?? '') && isUtf8(body);
  const now = new Date();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    cookies: req.headers.cookie?.split(/;\s*/),
    headers,
    queryStringParameters: decodeQuery(rawQueryString),
    pathParameters: route.params.length > 0 ? pathParameters : undefined,
    body: body.length === 0 ? undefined : textual ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !textual,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
  };
}

function lambdaContext(name: string, requestId: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Ends the answer with its body, or for a HEAD with only the length the body would have had. */
function endWith(res: ServerResponse, body: Buffer | undefined, head: boolean): void {
  if (!head) {
    res.end(body);
    return;
  }
  // A handler that already dropped the body says how long it was (headWithoutBody).
  if (body !== undefined && !(body.length === 0 && res.hasHeader('content-length'))) res.setHeader('content-length', body.length);
  res.end();
}

function send(res: ServerResponse, result: APIGatewayProxyResultV2, requestId: string, head: boolean): void {
  res.setHeader('apigw-requestid', requestId);
  if (typeof result === 'string' || result === null || typeof result !== 'object' || !('statusCode' in result)) {
    // Payload 2.0 inference: anything without a statusCode is a 200 JSON body.
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    res.writeHead(200, { 'content-type': 'application/json' });
    endWith(res, Buffer.from(body), head);
    return;
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
  res.statusCode = result.statusCode ?? 200;
  endWith(res, result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'), head);
}

function reportWhenDone(req: IncomingMessage, res: ServerResponse, onRequest: ApiServerOptions['onRequest']): void {
  if (!onRequest) return;
  const started = process.hrtime.bigint();
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  // 'close' also fires when the client goes away before the answer: then the status is what was set so far.
  res.once('close', () => {
    const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
    onRequest({ method: (req.method ?? 'GET').toUpperCase(), path, status: res.statusCode, ms });
  });
}

const jsonError = (code: string, message: string) => JSON.stringify({ error: { code, message } });

export function createApiServer(handlers: Record<LambdaName, HttpHandler>, options: ApiServerOptions = {}): Server {
  const server = createServer((req, res) => {
    reportWhenDone(req, res, options.onRequest);
    // Else Node advertises the time it holds the connection, and the margin is gone.
    res.setHeader('keep-alive', `timeout=${KEEP_ALIVE_ADVERTISED_S}`);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > API_GATEWAY_MAX_BODY_BYTES && !refused) {
        refused = true;
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(jsonError('payload_too_large', 'The body is larger than 10 MB.'));
        req.resume();
      }
      if (!refused) chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const event = buildEvent(req, Buffer.concat(chunks));
      const lambda = ROUTES.find((r) => r.routeKey === event.routeKey)!.lambda;
      handlers[lambda](event, lambdaContext(lambda, event.requestContext.requestId))
        .then((result) => send(res, result, event.requestContext.requestId, event.requestContext.http.method === 'HEAD'))
        .catch(() => {
          // What API Gateway answers when the integration fails.
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(jsonError('internal_error', 'Internal server error.'));
        });
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_HELD_MS;
  // Above the keep-alive time, as Node asks, so an idle connection is never cut as a slow request.
  server.headersTimeout = KEEP_ALIVE_HELD_MS + 1_000;
  return server;
}
