/**
 * DELETE /calls?id=<id> and DELETE /calls?number=<E.164>: erases one call, or every call of a
 * customer number (all time), with the ingest key. Answers `200 { "deleted": N }` (0 when nothing
 * was there). An erasure that cannot finish (the store fails, or the Lambda's time runs short)
 * answers 503 with `deleted` so far; repeating the request deletes the rest.
 *
 * Its role may Query the byNumber index and DeleteItem on the table, nothing else: it cannot read a
 * call's content through the table, nor write one. Deployed with push to Cekura on, the deletes
 * reach the table's stream as REMOVE records, which the forwarder does not push.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errors } from '../lib/http/errors';
import { HANDLER_OPTIONS, jsonErrors, jsonResponse, refuseRepeatedQueryParameters, requireApiKey } from '../lib/http/middleware';
import { logger } from '../lib/logger';
import { parseEraseQuery } from '../lib/operations/erase';
import { runtimeFromEnv } from '../lib/runtime';
import { type KeyCheckProvider, keyCheckProvider } from '../lib/secrets/api-keys';
import { type CallEraser, ErasureIncompleteError } from '../lib/store/call-store';

export interface EraseDependencies {
  store: CallEraser;
  keys: KeyCheckProvider;
  /**
   * Milliseconds kept back from the Lambda's deadline: the erasure stops when less is left, and
   * answers what it deleted. Above HANDLER_OPTIONS' 1 s, after which middy abandons the handler.
   */
  reserveMs?: number;
}

export const ERASE_RESERVE_MS = 3_000;

/** The 503 of an erasure that stopped: the error shape, plus how many calls are already gone. */
export function incompleteErasure(deleted: number): APIGatewayProxyStructuredResultV2 {
  const message = `The erasure stopped before the end: ${deleted} ${deleted === 1 ? 'call was' : 'calls were'} deleted. Repeat the same request to delete the rest (it is safe to repeat).`;
  return jsonResponse(503, JSON.stringify({ error: { code: 'unavailable', message }, deleted }), { 'Retry-After': '1' });
}

export function createEraseHandler(deps: EraseDependencies) {
  const reserveMs = deps.reserveMs ?? ERASE_RESERVE_MS;
  return (
    middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(HANDLER_OPTIONS)
      // logEvent: false whatever the environment says: the event carries the key, and the id or number.
      .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
      .use(jsonErrors())
      .use(httpEventNormalizer())
      .use(requireApiKey(deps.keys))
      .use(refuseRepeatedQueryParameters('Nothing was deleted: fix the listed parameters.'))
      .handler(async (event, context) => {
        const parsed = parseEraseQuery(event.queryStringParameters ?? {});
        if (!parsed.ok) throw errors.validation(parsed.issues, 'Nothing was deleted: fix the listed parameters.');
        const { target } = parsed;
        const shouldStop = () => context.getRemainingTimeInMillis() < reserveMs;
        try {
          const result =
            target.kind === 'id' ? await deps.store.eraseCall(target.id, { shouldStop }) : await deps.store.eraseNumber(target.number, { shouldStop });
          // Counts only: the id or number erased is personal data, and logs outlive the erasure.
          logger.info('calls erased', { by: target.kind, deleted: result.deleted });
          return jsonResponse(200, JSON.stringify({ deleted: result.deleted }));
        } catch (error) {
          if (!(error instanceof ErasureIncompleteError)) throw error;
          const cause = error.cause instanceof Error ? { causeName: error.cause.name, causeMessage: error.cause.message } : {};
          logger.warn('erasure incomplete', { by: target.kind, deleted: error.deleted, reason: error.message, ...cause });
          return incompleteErasure(error.deleted);
        }
      })
  );
}

let lambdaHandler: ReturnType<typeof createEraseHandler> | undefined;

export const handler = (event: APIGatewayProxyEventV2, context: Context) => {
  if (!lambdaHandler) {
    lambdaHandler = createEraseHandler({ store: runtimeFromEnv().store, keys: keyCheckProvider('ingest') });
  }
  // middy types the event as the intersection its middlewares accept; this is the v2 event they get.
  return lambdaHandler(event as Parameters<typeof lambdaHandler>[0], context);
};
