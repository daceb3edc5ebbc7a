/**
 * POST /webhooks/{platform}: a voice platform's post-call webhook, pointed straight at us.
 * No API key: the request is authenticated by the platform's own signature over the raw body,
 * then stored like POST /calls?source=<platform>. Events without a finished call get a 200 so the
 * platform does not retry them, including an ElevenLabs audio event too large to read (see
 * acknowledgeOversizedAudio).
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Call } from '../lib/call';
import { ApiError, errors } from '../lib/http/errors';
import {
  HANDLER_OPTIONS,
  jsonErrors,
  jsonResponse,
  keepJsonText,
  limitBodySize,
  limitJsonShape,
  normaliseContentType,
  refuseInexactNumbers,
  requireUtf8Body,
} from '../lib/http/middleware';
import { NOTHING_STORED, storePayloads } from '../lib/http/store-payloads';
import { logger } from '../lib/logger';
import { isWebhookPlatform, verifyWebhook, type WebhookPlatform } from '../lib/platform-signatures/signatures';
import type { RecordingBucket } from '../lib/recordings/location';
import { runtimeFromEnv } from '../lib/runtime';
import { type WebhookSecretsProvider, webhookSecretsProvider } from '../lib/secrets/webhook-secrets';
import type { CallStore } from '../lib/store/call-store';

export interface WebhookDependencies {
  store: CallStore;
  secrets: WebhookSecretsProvider;
  retentionDays: number;
  maxBodyBytes: number;
  webCallNumber?: string | undefined;
  /** RECORDING_BUCKETS: where a recording given as an S3 location may be. */
  recordingBuckets?: readonly RecordingBucket[] | undefined;
  /** See StorePayloadsOptions.onStored (local mode: push to Cekura). */
  onStored?: ((calls: Call[]) => void) | undefined;
  now?: () => number;
  /**
   * Where a platform's secret is set, for the log line of a webhook refused because it has none:
   * deployed, the secrets secret's entry (the default); locally, the environment variable.
   */
  secretSetting?: (platform: WebhookPlatform) => string;
}

const deployedSecretSetting = (platform: WebhookPlatform) => `the "${platform}" entry of the webhook secrets secret (stack output WebhookSecretsName)`;

/** The URL the request reached, for Vapi HMAC payload formats with `{url}`. */
function requestUrl(event: APIGatewayProxyEventV2): string {
  const headers = event.headers ?? {};
  const scheme = headers['x-forwarded-proto'] ?? 'https';
  const host = headers.host ?? event.requestContext.domainName;
  return `${scheme}://${host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

const bodyBytes = ({ body, isBase64Encoded }: APIGatewayProxyEventV2) =>
  body === undefined ? 0 : isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body);

/** How much of each end of an oversized body is looked at for the event type. */
const PEEK_CHARS = 4096;
const AUDIO_TYPE_FIRST = /^\s*\{\s*"type"\s*:\s*"post_call_audio"/;
const AUDIO_TYPE_LAST = /"type"\s*:\s*"post_call_audio"\s*\}\s*$/;

/**
 * Whether an ElevenLabs body is a `post_call_audio` event, judged from its first and last few KB
 * only (the type is the first key in ElevenLabs' payloads; the last is checked too), so an
 * oversized body is never parsed. A type anywhere else is not found: the body then gets the 413.
 */
function looksLikeAudioEvent({ body, isBase64Encoded }: APIGatewayProxyEventV2): boolean {
  if (body === undefined) return false;
  // Base64 slices of a multiple of 4 characters from either end decode on their own.
  const peek = (slice: string) => (isBase64Encoded ? Buffer.from(slice, 'base64').toString('utf8') : slice);
  return AUDIO_TYPE_FIRST.test(peek(body.slice(0, PEEK_CHARS))) || AUDIO_TYPE_LAST.test(peek(body.slice(-PEEK_CHARS)));
}

export function createWebhookHandler(deps: WebhookDependencies) {
  const now = deps.now ?? Date.now;

  /** The platform of the path, once the request is proven to come from it (404 / 401 otherwise). */
  async function authenticate(event: APIGatewayProxyEventV2): Promise<WebhookPlatform> {
    const platform = event.pathParameters?.platform;
    if (!isWebhookPlatform(platform)) throw errors.notFound();
    const { body, isBase64Encoded, headers } = event;
    const rawBody = Buffer.from(body ?? '', isBase64Encoded ? 'base64' : 'utf8');
    const request = { headers: headers ?? {}, rawBody, nowMs: now(), method: event.requestContext.http.method, url: requestUrl(event) };
    const secrets = (await deps.secrets())[platform];
    const verification = verifyWebhook(platform, request, secrets);
    if (!verification.ok) {
      // The answer stays a plain 401 (it tells a caller nothing); the log says what to set.
      const reason = secrets.length === 0 ? `${verification.reason}: set ${(deps.secretSetting ?? deployedSecretSetting)(platform)}` : verification.reason;
      logger.warn('webhook refused', { platform, reason });
      throw new ApiError(401, 'unauthorized', `The ${platform} webhook signature is missing or invalid.`);
    }
    return platform;
  }

  return (
    middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(HANDLER_OPTIONS)
      .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
      .use(jsonErrors())
      .use(httpEventNormalizer())
      .use({
        /**
         * ElevenLabs sends its audio events (`post_call_audio`, base64 audio of the whole call) to the
         * same URL as transcripts when audio is turned on. They carry nothing to store, but are often
         * over the body limit: a 413 would count as a failed delivery. Once the signature is checked
         * (the body is already in memory, capped by API Gateway and Lambda), they get the 200 that
         * smaller audio events get.
         */
        before: async (request) => {
          const { event } = request;
          if (event.pathParameters?.platform !== 'elevenlabs' || bodyBytes(event) <= deps.maxBodyBytes || !looksLikeAudioEvent(event)) return undefined;
          await authenticate(event);
          logger.info('oversized audio event acknowledged', { platform: 'elevenlabs', bytes: bodyBytes(event) });
          const reason = `ElevenLabs "post_call_audio" events carry no transcript (this one, over the ${deps.maxBodyBytes}-byte limit, was not read)`;
          return jsonResponse(200, JSON.stringify({ stored: 0, ids: [], ignored: [reason] }));
        },
      })
      .use(limitBodySize(deps.maxBodyBytes))
      // Before parsing: the signature covers the body's exact bytes.
      .use({ before: async (request) => void (await authenticate(request.event)) })
      .use(normaliseContentType())
      .use(requireUtf8Body(NOTHING_STORED))
      .use(keepJsonText())
      .use(httpJsonBodyParser())
      .use(refuseInexactNumbers(NOTHING_STORED))
      .use(limitJsonShape(NOTHING_STORED))
      .handler(async (event) =>
        storePayloads(event.body as unknown, {
          store: deps.store,
          source: event.pathParameters!.platform as WebhookPlatform,
          retentionDays: deps.retentionDays,
          webCallNumber: deps.webCallNumber,
          recordingBuckets: deps.recordingBuckets,
          onStored: deps.onStored,
        }),
      )
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
      recordingBuckets: config.recordingBuckets,
    });
  }
  // middy types the event as the intersection its middlewares accept; this is the v2 event they get.
  return lambdaHandler(event as Parameters<typeof lambdaHandler>[0], context);
};
