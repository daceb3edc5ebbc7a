import type { FieldIssue } from '../validation';

/**
 * An error answered to the client as `{ "error": { code, message, issues? } }`.
 * The message is the JSON body itself because that is how @middy/http-error-handler
 * turns an exposed error into a response (JSON messages get `Content-Type: application/json`).
 */
export class ApiError extends Error {
  readonly expose = true;
  readonly headers: Record<string, string>;

  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly description: string,
    readonly issues?: readonly FieldIssue[],
    headers: Record<string, string> = {},
    /** More fields of the error object (e.g. what a 503 did store). */
    details: Record<string, unknown> = {},
  ) {
    super(JSON.stringify({ error: { code, message: description, ...(issues ? { issues } : {}), ...details } }));
    this.name = 'ApiError';
    this.headers = { 'Cache-Control': 'no-store', ...headers };
  }
}

export const errors = {
  validation: (issues: readonly FieldIssue[], message = 'The request is invalid.') => new ApiError(400, 'invalid_request', message, issues),
  unauthorized: () =>
    new ApiError(401, 'unauthorized', 'A valid API key is required in the Authorization header.', undefined, { 'WWW-Authenticate': 'Bearer' }),
  notFound: () => new ApiError(404, 'not_found', 'No such route.'),
  methodNotAllowed: (allow: readonly string[]) =>
    new ApiError(405, 'method_not_allowed', `Allowed methods: ${allow.join(', ')}.`, undefined, { Allow: allow.join(', ') }),
  payloadTooLarge: (message: string, issues?: readonly FieldIssue[]) => new ApiError(413, 'payload_too_large', message, issues),
  unsupportedMediaType: () => new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json.'),
  unavailable: (retryAfterSeconds = 1) =>
    new ApiError(503, 'unavailable', 'The service is temporarily unavailable; retry shortly.', undefined, { 'Retry-After': String(retryAfterSeconds) }),
  /** A 503 for a write that stopped part way, saying what happened to each call. */
  partlyStored: (written: { stored: readonly string[]; notStored: readonly string[]; unknown: readonly string[] }) =>
    new ApiError(
      503,
      'unavailable',
      'Storage stopped part way: `stored` lists the calls stored, `notStored` those that were not, `unknown` those whose write timed out. Re-sending the whole request is safe.',
      undefined,
      { 'Retry-After': '1' },
      { stored: written.stored, notStored: written.notStored, unknown: written.unknown },
    ),
};

/** The body http-error-handler answers for anything unexpected. */
export const INTERNAL_ERROR_BODY = JSON.stringify({ error: { code: 'internal_error', message: 'Internal server error.' } });
