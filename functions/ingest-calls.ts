/**
 * POST /calls: stores calls given in Cekura's call format. All or nothing: one invalid call and
 * nothing from the request is stored. Idempotent: a call re-sent with the same id replaces it.
 */
import middy from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errors } from '../lib/http/errors';
import { jsonErrors, jsonResponse, limitBodySize, requireApiKey } from '../lib/http/middleware';
import { parseIngestBody, toCallRecord } from '../lib/ingest';
import { isSourceName, SOURCE_NAMES } from '../lib/sources';
import { logger } from '../lib/logger';
import { MAX_RESPONSE_BYTES } from '../lib/query';
import { runtimeFromEnv } from '../lib/runtime';
import { type KeyCheckProvider, keyCheckProvider } from '../lib/secrets/api-keys';
import { type CallStore, CallTooLargeError } from '../lib/store/call-store';

export interface IngestDependencies {
  store: CallStore;
  keys: KeyCheckProvider;
  retentionDays: number;
  maxBodyBytes: number;
  /** Number given to calls without one (web calls); undefined refuses them. */
  webCallNumber?: string | undefined;
}

const NOTHING_STORED = 'No call was stored: fix the listed fields and resend the whole request.';

export function createIngestHandler(deps: IngestDependencies) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(jsonErrors())
    .use(httpEventNormalizer())
    .use(requireApiKey(deps.keys))
    .use(limitBodySize(deps.maxBodyBytes))
    .use(httpJsonBodyParser())
    .handler(async (event) => {
      const source = event.queryStringParameters?.source;
      if (source !== undefined && !isSourceName(source)) {
        throw errors.validation([{ path: 'source', message: `must be one of ${SOURCE_NAMES.join(', ')}` }], NOTHING_STORED);
      }
      const parsed = parseIngestBody(event.body as unknown, { source, webCallNumber: deps.webCallNumber });
      if (!parsed.ok) throw errors.validation(parsed.issues, NOTHING_STORED);

      const records = parsed.calls.map((sourced) => toCallRecord(sourced, { retentionDays: deps.retentionDays }));
      const unservable = records.filter((record) => record.responseBytes > MAX_RESPONSE_BYTES).map((record) => record.id);
      try {
        if (unservable.length > 0) throw new CallTooLargeError(unservable, MAX_RESPONSE_BYTES);
        await deps.store.putCalls(records);
      } catch (error) {
        if (!(error instanceof CallTooLargeError)) throw error;
        const issues = error.ids.map((id) => ({ path: `id=${id}`, message: `call "${id}" is too large to store, even compressed` }));
        throw errors.payloadTooLarge(`${NOTHING_STORED.split(':')[0]}: some calls are too large.`, issues);
      }

      logger.info('calls stored', { stored: records.length, ignored: parsed.ignored.length });
      const ignored = parsed.ignored.length > 0 ? { ignored: parsed.ignored } : {};
      return jsonResponse(200, JSON.stringify({ stored: records.length, ids: records.map((record) => record.id), ...ignored }));
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
    });
  }
  // middy types the event as the intersection its middlewares accept; this is the v2 event they get.
  return lambdaHandler(event as Parameters<typeof lambdaHandler>[0], context);
};
