/**
 * POST /webhooks/{platform}: a voice platform's post-call webhook, pointed straight at us.
 * No API key: the request is authenticated by the platform's own signature over the raw body,
 * then stored like POST /calls?source=<platform>. Events without a finished call get a 200 so the
 * platform does not retry them.
 */
import middy from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Call } from '../lib/call';
import { ApiError, errors } from '../lib/http/errors';
import { HANDLER_OPTIONS, jsonErrors, limitBodySize, limitJsonShape, normaliseContentType, requireUtf8Body } from '../lib/http/middleware';
import { NOTHING_STORED, storePayloads } from '../lib/http/store-payloads';
import { logger } from '../lib/logger';
import { runtimeFromEnv } from '../lib/runtime';
import { type WebhookSecretsProvider, webhookSecretsProvider } from '../lib/secrets/webhook-secrets';
import type { CallStore } from '../lib/store/call-store';
import { isWebhookPlatform, verifyWebhook } from '../lib/platform-signatures/signatures';

export interface WebhookDependencies {
  store: CallStore;
  secrets: WebhookSecretsProvider;
  retentionDays: number;
  maxBodyBytes: number;
  webCallNumber?: string | undefined;
  /** See StorePayloadsOptions.onStored (local mode: push to Cekura). */
  onStored?: ((calls: Call[]) => void) | undefined;
  now?: () => number;
}

export function createWebhookHandler(deps: WebhookDependencies) {
  const now = deps.now ?? Date.now;
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(HANDLER_OPTIONS)
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(jsonErrors())
    .use(httpEventNormalizer())
    .use(limitBodySize(deps.maxBodyBytes))
    .use({
      // Before parsing: the signature covers the body's exact bytes.
      before: async (request) => {
        const platform = request.event.pathParameters?.platform;
        if (!isWebhookPlatform(platform)) throw errors.notFound();
        const { body, isBase64Encoded, headers } = request.event;
        const rawBody = Buffer.from(body ?? '', isBase64Encoded ? 'base64' : 'utf8');
        const verification = verifyWebhook(platform, { headers: headers ?? {}, rawBody, nowMs: now() }, (await deps.secrets())[platform]);
        if (!verification.ok) {
          logger.warn('webhook refused', { platform, reason: verification.reason });
          throw new ApiError(401, 'unauthorized', `The ${platform} webhook signature is missing or invalid.`);
        }
      },
    })
    .use(normaliseContentType())
    .use(requireUtf8Body(NOTHING_STORED))
    .use(httpJsonBodyParser())
    .use(limitJsonShape(NOTHING_STORED))
    .handler(async (event) =>
      storePayloads(event.body as unknown, {
        store: deps.store,
        source: event.pathParameters!.platform as 'vapi' | 'retell' | 'elevenlabs',
        retentionDays: deps.retentionDays,
        webCallNumber: deps.webCallNumber,
        onStored: deps.onStored,
      }),
    );
}

let lambdaHandler: ReturnType<typeof createWebhookHandler> | undefined;

export const handler = (event: APIGatewayProxyEventV2, context: Context) => {
  if (!lambdaHandler) {
    const { config, store } = runtimeFromEnv();
    lambdaHandler = createWebhookHandler({
      store,
      secrets: webhookSecretsProvider(),
      retentionDays: config.retentionDays,
      maxBodyBytes: config.maxBodyBytes,
      webCallNumber: config.webCallNumber,
    });
  }
  // middy types the event as the intersection its middlewares accept; this is the v2 event they get.
  return lambdaHandler(event as Parameters<typeof lambdaHandler>[0], context);
};
