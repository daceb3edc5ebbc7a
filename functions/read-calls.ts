/**
 * GET /calls and GET /calls/{number}: what Cekura calls. Answers a bare JSON array of calls,
 * newest first, with a `Link: <…>; rel="next"` header when more match than one response holds.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errors } from '../lib/http/errors';
import { HANDLER_OPTIONS, headWithoutBody, jsonErrors, jsonResponse, refuseRepeatedQueryParameters, requireApiKey } from '../lib/http/middleware';
import { logger } from '../lib/logger';
import { encodeCursor, MAX_RESPONSE_BYTES, nextPageQueryString, parseReadQuery } from '../lib/query';
import { type RecordingSigner, recordingSignerFromEnv, signStoredCallJson } from '../lib/recordings/signer';
import { runtimeFromEnv } from '../lib/runtime';
import { type KeyCheckProvider, keyCheckProvider } from '../lib/secrets/api-keys';
import { type CallStore, InvalidPositionError } from '../lib/store/call-store';

export interface ReadDependencies {
  store: CallStore;
  keys: KeyCheckProvider;
  maxWindowDays: number;
  maxResponseBytes?: number;
  now?: () => number;
  /** Signs recordings stored as S3 locations (RECORDING_BUCKETS); undefined serves every call as stored. */
  signRecording?: RecordingSigner | undefined;
}

export function createReadHandler(deps: ReadDependencies) {
  const now = deps.now ?? Date.now;
  const maxBytes = deps.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  return (
    middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(HANDLER_OPTIONS)
      // logEvent: false even if POWERTOOLS_LOGGER_LOG_EVENT is set: the event carries the API key.
      .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
      .use(headWithoutBody())
      .use(jsonErrors())
      .use(httpEventNormalizer())
      .use(requireApiKey(deps.keys))
      .use(refuseRepeatedQueryParameters())
      .handler(async (event) => {
        const params = event.queryStringParameters ?? {};
        const at = now();
        const parsed = parseReadQuery(params, event.pathParameters?.number, { now: at, maxWindowDays: deps.maxWindowDays });
        if (!parsed.ok) throw errors.validation(parsed.issues);
        const { query } = parsed;

        const page = await deps.store.queryCalls({ ...query, maxBytes, now: Math.floor(at / 1000) }).catch((error: unknown) => {
          throw error instanceof InvalidPositionError ? errors.validation([{ path: 'cursor', message: 'is not a cursor this API issued' }]) : error;
        });

        logger.info('calls read', { returned: page.calls.length, more: page.next !== undefined, byNumber: query.number !== undefined });
        const headers: Record<string, string> = {};
        if (page.next !== undefined) {
          headers.Link = `<${event.rawPath}?${nextPageQueryString(params, encodeCursor(query, page.next))}>; rel="next"`;
        }
        const calls = deps.signRecording ? await Promise.all(page.calls.map((json) => servedWithLink(json, deps.signRecording))) : page.calls;
        return jsonResponse(200, `[${calls.join(',')}]`, headers);
      })
  );
}

/**
 * A call as Cekura reads it: an S3 recording as its signed link. A link that cannot be signed (no
 * credentials, no region) leaves the call as stored and is logged: one recording must not fail the page.
 */
async function servedWithLink(json: string, sign: RecordingSigner | undefined): Promise<string> {
  try {
    return await signStoredCallJson(json, sign);
  } catch (error) {
    logger.error('could not sign a recording link: the call is served with its S3 location', {
      error: error instanceof Error ? error.message : String(error),
    });
    return json;
  }
}

let lambdaHandler: ReturnType<typeof createReadHandler> | undefined;

/** The Lambda entry point: dependencies come from the environment, built on the first call. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) => {
  if (!lambdaHandler) {
    const { config, store } = runtimeFromEnv();
    lambdaHandler = createReadHandler({
      store,
      keys: keyCheckProvider('read'),
      maxWindowDays: config.maxWindowDays,
      signRecording: recordingSignerFromEnv(),
    });
  }
  // middy types the event as the intersection its middlewares accept; this is the v2 event they get.
  return lambdaHandler(event as Parameters<typeof lambdaHandler>[0], context);
};
