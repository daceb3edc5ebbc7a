/**
 * POST /calls (and Cekura's webhook path, for its push body): stores calls in Cekura's call format or a platform's (?source=, or detected).
 * All or nothing: one invalid call and nothing from the request is stored. Idempotent: a call
 * re-sent with the same id replaces it.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Call } from '../lib/call';
import { errors } from '../lib/http/errors';
import {
  HANDLER_OPTIONS,
  jsonErrors,
  keepJsonText,
  limitBodySize,
  limitJsonShape,
  normaliseContentType,
  refuseInexactNumbers,
  refuseRepeatedQueryParameters,
  requireApiKey,
  requireUtf8Body,
} from '../lib/http/middleware';
import { NOTHING_STORED, storePayloads } from '../lib/http/store-payloads';
import { logger } from '../lib/logger';
import type { RecordingBucket } from '../lib/recordings/location';
import { CEKURA_PUSH_ROUTE_KEY } from '../lib/routes';
import { runtimeFromEnv } from '../lib/runtime';
import { type KeyCheckProvider, keyCheckProvider } from '../lib/secrets/api-keys';
import { isSourceName, SOURCE_NAMES } from '../lib/sources';
import type { CallStore } from '../lib/store/call-store';

export interface IngestDependencies {
  store: CallStore;
  keys: KeyCheckProvider;
  retentionDays: number;
  maxBodyBytes: number;
  /** Number given to calls without one (web calls); undefined refuses them. */
  webCallNumber?: string | undefined;
  /** RECORDING_BUCKETS: where a recording given as an S3 location may be. */
  recordingBuckets?: readonly RecordingBucket[] | undefined;
  /** See StorePayloadsOptions.onStored (local mode: push to Cekura). */
  onStored?: ((calls: Call[]) => void) | undefined;
}

export function createIngestHandler(deps: IngestDependencies) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(HANDLER_OPTIONS)
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(jsonErrors())
    .use(httpEventNormalizer())
    .use(requireApiKey(deps.keys, { cekuraHeader: true }))
    .use(refuseRepeatedQueryParameters(NOTHING_STORED))
    .use(limitBodySize(deps.maxBodyBytes))
    .use(normaliseContentType())
    .use(requireUtf8Body(NOTHING_STORED))
    .use(keepJsonText())
    .use(httpJsonBodyParser())
    .use(refuseInexactNumbers(NOTHING_STORED))
    .use(limitJsonShape(NOTHING_STORED))
    .handler(async (event) => {
      // Cekura's own webhook path takes Cekura's push body only.
      const source = event.routeKey === CEKURA_PUSH_ROUTE_KEY ? 'cekura-push' : event.queryStringParameters?.source;
      if (source !== undefined && !isSourceName(source)) {
        throw errors.validation([{ path: 'source', message: `must be one of ${SOURCE_NAMES.join(', ')}` }], NOTHING_STORED);
      }
      return storePayloads(event.body as unknown, {
        store: deps.store,
        source,
        retentionDays: deps.retentionDays,
        webCallNumber: deps.webCallNumber,
        recordingBuckets: deps.recordingBuckets,
        onStored: deps.onStored,
      });
    });
}

let lambdaHandler: ReturnType<typeof createIngestHandler> | undefined;

export const handler = (event: APIGatewayProxyEventV2, context: Context) => {
  if (!lambdaHandler) {
    const { config, store } = runtimeFromEnv();
    lambdaHandler = createIngestHandler({
      store,
      keys: keyCheckProvider('ingest'),
      retentionDays: config.retentionDays,
      maxBodyBytes: config.maxBodyBytes,
      webCallNumber: config.webCallNumber,
      recordingBuckets: config.recordingBuckets,
    });
  }
  // middy types the event as the intersection its middlewares accept; this is the v2 event they get.
  return lambdaHandler(event as Parameters<typeof lambdaHandler>[0], context);
};
