/**
 * Helpers for the reliability tests: fixed seeds and case counts, the JSON error shape, fault
 * injection below the AWS SDK's retry layer, a black-hole server, and log capture.
 */
import net from 'node:net';
import { Readable } from 'node:stream';
import type { Context } from 'aws-lambda';

/** Every property runs with this seed, so a failure reproduces; fast-check prints the path to replay it. */
export const SEED = 20_250_601;

/**
 * Case counts per property. RELIABILITY_SCALE multiplies them (e.g. 10 for a soak before a
 * release); the defaults keep the whole suite within its time budget on 2 cores.
 */
const SCALE = Number(process.env.RELIABILITY_SCALE ?? '1') || 1;
export const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));

/** `{ error: { code, message, issues? } }`, and nothing else. */
export function isJsonError(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'error') return false;
  const error = (body as { error: unknown }).error as Record<string, unknown>;
  if (typeof error !== 'object' || error === null) return false;
  if (typeof error.code !== 'string' || typeof error.message !== 'string') return false;
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'issues', 'stored', 'notStored', 'unknown'].includes(k));
  if (extra.length > 0) return false;
  // A write that stopped part way lists the ids of each outcome.
  for (const key of ['stored', 'notStored', 'unknown']) {
    if (error[key] !== undefined && !(Array.isArray(error[key]) && (error[key] as unknown[]).every((id) => typeof id === 'string'))) return false;
  }
  if (error.issues === undefined) return true;
  return Array.isArray(error.issues) && error.issues.every((i) => typeof i?.path === 'string' && typeof i?.message === 'string');
}

/** A Lambda context whose deadline is `budgetMs` from now, as the runtime gives it. */
export function contextWithBudget(budgetMs: number): Context {
  const deadline = Date.now() + budgetMs;
  return {
    functionName: 'reliability',
    awsRequestId: 'req-reliability',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as unknown as Context;
}

// ---------------------------------------------------------------------------------------------------
// Fault injection at the HTTP layer: below the SDK's retry middleware, so its retries and backoff
// are exercised for real. Only failures are injected; anything not failed goes to the real endpoint.

interface SmithyRequest {
  headers: Record<string, string>;
  body?: unknown;
}
interface SmithyResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}
type Handle = (request: SmithyRequest, options?: unknown) => Promise<{ response: SmithyResponse }>;

export type Fault =
  | { kind: 'throttle' }
  | { kind: 'internal' }
  | { kind: 'reset' }
  /** BatchWriteItem: only the first `keep` items reach DynamoDB, the rest come back unprocessed. */
  | { kind: 'unprocessed'; keep: number };

export interface SentRequest {
  /** e.g. `BatchWriteItem`, `Query` */
  operation: string;
  /** The request's JSON (DynamoDB's wire format). */
  input: Record<string, unknown>;
  at: number;
}

export interface FaultInjection {
  /** Every request that reached the HTTP layer (retries included), failed or not. */
  sent: SentRequest[];
  /** How many faults were injected. */
  injected: number;
  restore(): void;
}

function jsonResponse(statusCode: number, body: unknown): SmithyResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: Readable.from([Buffer.from(JSON.stringify(body))]),
  };
}

const awsError = (statusCode: number, type: string, message: string) =>
  jsonResponse(statusCode, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });

function bodyJson(body: unknown): Record<string, unknown> {
  if (typeof body === 'string') return JSON.parse(body) as Record<string, unknown>;
  if (body instanceof Uint8Array) return JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>;
  throw new Error(`cannot read a request body of type ${typeof body}`);
}

async function drain(body: unknown): Promise<void> {
  if (body && typeof (body as Readable)[Symbol.asyncIterator] === 'function') {
    for await (const _ of body as Readable) {
      // discard
    }
  }
}

/**
 * Wraps the client's request handler: `decide` sees each outgoing request and returns a fault to
 * inject, or undefined to let it through to the real endpoint.
 */
export function injectFaults(client: { config: unknown }, decide: (request: SentRequest, index: number) => Fault | undefined): FaultInjection {
  const handler = (client.config as { requestHandler: { handle: Handle } }).requestHandler;
  const original = handler.handle;
  const state: FaultInjection = {
    sent: [],
    injected: 0,
    restore: () => {
      handler.handle = original;
    },
  };
  handler.handle = async function (this: unknown, request, options) {
    const target = request.headers['x-amz-target'] ?? '';
    const sent: SentRequest = {
      operation: target.split('.').pop() ?? target,
      input: bodyJson(request.body),
      at: Date.now(),
    };
    state.sent.push(sent);
    const fault = decide(sent, state.sent.length - 1);
    if (fault === undefined) return original.call(handler, request, options);
    state.injected++;
    switch (fault.kind) {
      case 'throttle':
        return {
          response: awsError(
            400,
            'ProvisionedThroughputExceededException',
            'Injected: the level of configured provisioned throughput for the table was exceeded.',
          ),
        };
      case 'internal':
        return { response: awsError(500, 'InternalServerError', 'Injected: internal server error') };
      case 'reset':
        throw Object.assign(new Error('Injected: socket hang up'), { code: 'ECONNRESET' });
      case 'unprocessed': {
        const items = sent.input.RequestItems as Record<string, unknown[]>;
        const [table, requests] = Object.entries(items)[0]!;
        const kept = requests.slice(0, fault.keep);
        const rest = requests.slice(fault.keep);
        if (kept.length > 0) {
          const body = JSON.stringify({ ...sent.input, RequestItems: { [table]: kept } });
          const forwarded = { ...request, headers: { ...request.headers, 'content-length': String(Buffer.byteLength(body)) }, body };
          const { response } = await original.call(handler, forwarded as SmithyRequest, options);
          if (response.statusCode !== 200) return { response };
          await drain(response.body);
        }
        return { response: jsonResponse(200, { UnprocessedItems: rest.length > 0 ? { [table]: rest } : {} }) };
      }
    }
  };
  return state;
}

// ---------------------------------------------------------------------------------------------------

/** A TCP server on loopback that accepts connections and never answers: a hung dependency. */
export async function blackHole(): Promise<{ endpoint: string; port: number; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    /** Connections accepted so far: one per attempt the client made. */
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening (it was free a moment ago): connections are refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------------

export { captureOutput as captureLogs } from '../support/capture-output';

// ---------------------------------------------------------------------------------------------------

/** Like test/support/events' invoke, with the Lambda context given (a deadline, for time budgets). */
export async function invokeWithin(
  handler: (event: never, context: Context) => Promise<unknown>,
  event: unknown,
  context: Context,
): Promise<{ status: number; headers: Record<string, string>; body: unknown; raw: string | undefined; ms: number }> {
  const started = Date.now();
  const result = (await handler(event as never, context)) as { statusCode?: number; headers?: Record<string, unknown>; body?: string };
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  let body: unknown;
  try {
    body = result.body === undefined ? undefined : JSON.parse(result.body);
  } catch {
    body = result.body;
  }
  return { status: result.statusCode ?? 0, headers, body, raw: result.body, ms: Date.now() - started };
}

/** A 503 as the API promises it: JSON error shape, Retry-After, and no stack or internals in the body. */
export function expectUnavailable(result: { status: number; headers: Record<string, string>; body: unknown; raw: string | undefined }): void {
  expect(result.status).toBe(503);
  expect(result.headers['retry-after']).toMatch(/^\d+$/);
  expect(isJsonError(result.body)).toBe(true);
  expect((result.body as { error: { code: string } }).error.code).toBe('unavailable');
  expect(result.raw).not.toMatch(/\bat .+:\d+|node_modules|Exception|Error:/);
}
