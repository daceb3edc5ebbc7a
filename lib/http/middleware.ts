/**
 * The middy middlewares shared by the Lambdas. Each handler file only wires these together.
 */
import type { MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { presentedKey } from '../auth';
import { inexactNumberIssues, jsonShapeIssues, mayHoldInexactNumbers } from '../json-shape';
import { logger } from '../logger';
import type { KeyCheckProvider } from '../secrets/api-keys';
import { ApiError, errors, INTERNAL_ERROR_BODY } from './errors';

type HttpMiddleware = MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>;

/**
 * middy options for the API's handlers. If a handler has not answered a second before the Lambda's
 * deadline (context.getRemainingTimeInMillis), middy abandons it with a TimeoutError, which
 * jsonErrors answers as a 503 with Retry-After, instead of the Lambda timing out and API Gateway
 * answering a bare 5xx. The SDK clients' own timeouts and retries (lib/store/client.ts) fit well
 * inside, so this is the backstop, not the rule.
 */
export const HANDLER_OPTIONS = { timeoutEarlyInMillis: 1_000 } as const;

/** The header Cekura's clients send their key in (Cekura's push webhook). */
export const CEKURA_KEY_HEADER = 'x-cekura-api-key';

/**
 * 401 unless the Authorization header carries one of the scope's keys, or, where `cekuraHeader`
 * is set (ingest: code written for Cekura's webhook), the X-CEKURA-API-KEY header does.
 */
export function requireApiKey(keys: KeyCheckProvider, options: { cekuraHeader?: boolean } = {}): HttpMiddleware {
  return {
    before: async (request) => {
      const check = await keys();
      const headers = request.event.headers ?? {};
      const presented =
        headers.authorization !== undefined || !options.cekuraHeader ? presentedKey(headers.authorization) : presentedKey(headers[CEKURA_KEY_HEADER]);
      if (!check(presented)) throw errors.unauthorized();
    },
  };
}

/**
 * 400 naming each query parameter given more than once. API Gateway joins repeated parameters with
 * commas in `queryStringParameters` (`?id=a&id=b` arrives as one id `a,b`), so they are counted in
 * `rawQueryString`, which it passes as sent (local mode builds both the same way).
 */
export function refuseRepeatedQueryParameters(message?: string): HttpMiddleware {
  return {
    before: async (request) => {
      const repeated = repeatedQueryParameters(request.event.rawQueryString ?? '');
      if (repeated.length > 0)
        throw errors.validation(
          repeated.map((name) => ({ path: name, message: 'was given more than once: give each parameter once' })),
          message,
        );
    },
  };
}

/** The names (decoded) that a query string gives more than once, in order of first appearance. */
export function repeatedQueryParameters(rawQueryString: string): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const [name] of new URLSearchParams(rawQueryString)) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  return [...repeated];
}

/**
 * Media types are case-insensitive (RFC 9110), but @middy/http-json-body-parser matches
 * `application/json` case-sensitively: lower-case the Content-Type before it looks.
 */
export function normaliseContentType(): HttpMiddleware {
  return {
    before: async (request) => {
      const headers = request.event.headers;
      const value = headers?.['content-type'];
      if (headers && value !== undefined) headers['content-type'] = value.toLowerCase();
    },
  };
}

/** 413 before parsing when the body is larger than the limit (counted in decoded bytes). */
export function limitBodySize(maxBytes: number): HttpMiddleware {
  return {
    before: async (request) => {
      const { body, isBase64Encoded } = request.event;
      if (body === undefined) return;
      const bytes = isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body);
      if (bytes > maxBytes) throw errors.payloadTooLarge(`The body must be at most ${maxBytes} bytes.`);
    },
  };
}

/** The media types @middy/http-json-body-parser parses (it answers 415 for the others). */
const JSON_MEDIA_TYPE = /^application\/(.+\+)?json($|;.+)/;

/**
 * A JSON body that arrives base64-encoded (API Gateway does so for bodies it does not take for text)
 * must be UTF-8: it is decoded strictly, and invalid bytes are a 400 instead of being silently
 * replaced by U+FFFD (which @middy/http-json-body-parser's `toString()` would do). Put it before the
 * parser; other media types are left to the parser's 415.
 */
export function requireUtf8Body(message = 'The body is not valid UTF-8.'): HttpMiddleware {
  return {
    before: async (request) => {
      const { event } = request;
      if (!event.isBase64Encoded || event.body === undefined) return;
      if (!JSON_MEDIA_TYPE.test(event.headers?.['content-type'] ?? '')) return;
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(event.body, 'base64'));
      } catch {
        throw errors.validation([{ path: '', message: 'is not valid UTF-8' }], message);
      }
      event.body = text;
      event.isBase64Encoded = false;
    },
  };
}

/**
 * A HEAD is answered like a GET without the body (RFC 9110 9.3.2), with the length the body would
 * have had. Dropped here rather than left to API Gateway: a body near Lambda's 6 MB cap would fail
 * the invocation even though nobody reads it. Use it first, so it sees the final answer, errors too.
 */
export function headWithoutBody(): HttpMiddleware {
  const strip = async (request: Parameters<NonNullable<HttpMiddleware['after']>>[0]) => {
    const response = request.response;
    if (request.event.requestContext?.http?.method !== 'HEAD' || !response || typeof response !== 'object') return;
    const length = Buffer.byteLength(response.body ?? '', response.isBase64Encoded ? 'base64' : 'utf8');
    request.response = { ...response, body: '', isBase64Encoded: false, headers: { ...response.headers, 'Content-Length': String(length) } };
  };
  return { after: strip, onError: strip };
}

/** The text of each request's JSON body, kept by keepJsonText for refuseInexactNumbers. */
const jsonTexts = new WeakMap<object, string>();

/** Keeps the body's text for refuseInexactNumbers. Put it right before the parser. */
export function keepJsonText(): HttpMiddleware {
  return {
    before: async (request) => {
      const { body, isBase64Encoded } = request.event;
      if (typeof body === 'string' && !isBase64Encoded) jsonTexts.set(request.event, body);
    },
  };
}

/**
 * 400 for numbers the JSON parser changed (see inexactNumberIssues), naming each. Put it after the
 * parser: it looks at the parsed values first, and reads the kept text only when one is suspect.
 */
export function refuseInexactNumbers(message = 'The request is invalid.'): HttpMiddleware {
  return {
    before: async (request) => {
      const text = jsonTexts.get(request.event);
      if (text === undefined || !mayHoldInexactNumbers(request.event.body as unknown, text)) return;
      const issues = inexactNumberIssues(text);
      if (issues.length > 0) throw errors.validation(issues, message);
    },
  };
}

/** 400 for a parsed body nested too deeply or using reserved keys (see lib/json-shape.ts). Put it after the parser. */
export function limitJsonShape(message = 'The request is invalid.'): HttpMiddleware {
  return {
    before: async (request) => {
      const issues = jsonShapeIssues(request.event.body as unknown);
      if (issues.length > 0) throw errors.validation(issues, message);
    },
  };
}

const TRANSIENT_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'StoreUnavailableError',
  'KeysUnavailableError',
]);
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * A network failure whose code was lost on the way: the SDK's retry layer rewraps anything that is
 * not `instanceof Error` as `new Error("AWS SDK error wrapper for Error: connect ECONNREFUSED …")`,
 * which happens to errors from another realm (Node's own, seen from a vm context such as jest's).
 */
const NETWORK_ERROR_IN_MESSAGE = new RegExp(`\\b(${[...NETWORK_ERROR_CODES].join('|')})\\b`);

function isTransient(error: Error & { code?: string; $retryable?: unknown }): boolean {
  return (
    TRANSIENT_ERRORS.has(error.name) ||
    NETWORK_ERROR_CODES.has(error.code ?? '') ||
    error.$retryable !== undefined ||
    NETWORK_ERROR_IN_MESSAGE.test(error.message ?? '')
  );
}

/**
 * Maps what can go wrong to the JSON error shape, then lets @middy/http-error-handler answer.
 * Only names and messages are logged: causes can hold request bodies, stacks hold no use for a
 * client and are kept out of logs shared with the team.
 */
export function jsonErrors(): HttpMiddleware[] {
  const mapToApiError: HttpMiddleware = {
    onError: async (request) => {
      const error = request.error as (Error & { statusCode?: number; code?: string }) | null;
      if (!error || error instanceof ApiError) return;
      if (error.statusCode === 415) {
        // @middy/http-json-body-parser answers 415 for both a wrong Content-Type and bad JSON.
        request.error =
          error.message === 'Unsupported Media Type'
            ? errors.unsupportedMediaType()
            : errors.validation([{ path: '', message: 'is not valid JSON' }], 'The body is not valid JSON.');
      } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        request.error = new ApiError(error.statusCode, 'bad_request', error.message);
      } else if (isTransient(error)) {
        logger.warn('dependency unavailable', { errorName: error.name, errorMessage: error.message });
        request.error = errors.unavailable();
      } else {
        logger.error('unexpected error', { errorName: error.name, errorMessage: error.message });
      }
    },
  };
  // middy runs onError handlers in reverse order: the mapper first, then the error handler.
  return [httpErrorHandler({ logger: false, fallbackMessage: INTERNAL_ERROR_BODY }), mapToApiError];
}

/** A 200 JSON response whose body is already serialised. */
export function jsonResponse(statusCode: number, body: string, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers }, body };
}
