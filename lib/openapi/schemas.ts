/**
 * Valibot schemas of the API's non-call bodies: the error shape every failure answers with and
 * what POST /calls answers on success. The OpenAPI description is generated from these, tests
 * check real responses against them, and `npm run verify` uses them to judge an endpoint.
 */
import * as v from 'valibot';

export const FieldIssueSchema = v.object({
  path: v.pipe(v.string(), v.description('Where the problem is, e.g. `calls[3].messages[0].start_time`; empty for the whole body')),
  message: v.string(),
});

export const ErrorBodySchema = v.object({
  error: v.object({
    code: v.pipe(v.string(), v.description('Stable, machine-readable: invalid_request, unauthorized, not_found, method_not_allowed, payload_too_large, unsupported_media_type, unavailable, internal_error')),
    message: v.pipe(v.string(), v.description('For people')),
    issues: v.optional(v.pipe(v.array(FieldIssueSchema), v.description('Every problem found, on 400s (and 413s naming calls too large to store)'))),
  }),
});

export const StoreResultSchema = v.object({
  stored: v.pipe(v.number(), v.integer(), v.minValue(0)),
  ids: v.pipe(v.array(v.string()), v.description('The ids stored, in request order, each once')),
  ignored: v.optional(v.pipe(v.array(v.string()), v.description('Why payloads carrying no finished call (platform events) were skipped'))),
});

export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;
export type StoreResult = v.InferOutput<typeof StoreResultSchema>;
