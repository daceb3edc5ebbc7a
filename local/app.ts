/**
 * Local mode: the Lambda handlers behind the API Gateway stand-in, on an embedded DynamoDB
 * (or any endpoint given in DYNAMODB_ENDPOINT).
 */
import type { AddressInfo } from 'node:net';
import { createEraseHandler } from '../functions/erase-calls';
import { handler as fallbackHandler } from '../functions/fallback';
import { createIngestHandler } from '../functions/ingest-calls';
import { createWebhookHandler } from '../functions/platform-webhook';
import { createReadHandler } from '../functions/read-calls';
import { loadConfig } from '../lib/config';
import type { WebhookPlatform } from '../lib/platform-signatures/signatures';
import { formatRecordingBuckets } from '../lib/recordings/location';
import { recordingSignerFromEnv } from '../lib/recordings/signer';
import type { LambdaName } from '../lib/routes';
import { webhookSecretsEnvName, webhookSecretsProvider } from '../lib/secrets/webhook-secrets';
import { createDocumentClient } from '../lib/store/client';
import { ensureCallsTable } from '../lib/store/create-table';
import { DynamoCallStore } from '../lib/store/dynamodb-call-store';
import { createApiServer, type HttpHandler, type RequestLogEntry } from './api-gateway';
import { localPusherFromEnv } from './cekura-push';
import { localKeyProvider, localKeys, localWebhookSecrets } from './dev-keys';
import { type DynamoBackend, startEmbeddedDynamo } from './embedded-dynamodb';

export interface LocalAppOptions {
  port?: number;
  /** Where DynamoDB data and dev keys live; defaults to DATA_DIR, else .data/ */
  dataDir?: string;
  /** Keep DynamoDB in memory instead of under dataDir. */
  inMemory?: boolean;
  backend?: DynamoBackend | 'auto';
  env?: NodeJS.ProcessEnv;
  onNotice?: (line: string) => void;
  /** Each answered request (method, path, status, ms); nothing is logged per request without it. */
  onRequest?: (entry: RequestLogEntry) => void;
}

export interface LocalApp {
  url: string;
  port: number;
  dynamo: { backend: DynamoBackend | 'external'; endpoint: string };
  keys: { read: string[]; ingest: string[]; generated: boolean };
  /** Each platform's webhook secret when it is one plain secret (dev secrets unless WEBHOOK_SECRETS_<PLATFORM> is set). */
  webhookSecrets: Partial<Record<WebhookPlatform, string>>;
  tableName: string;
  stop(): Promise<void>;
}

export async function startLocalApp(options: LocalAppOptions = {}): Promise<LocalApp> {
  const env = options.env ?? process.env;
  const dataDir = options.dataDir ?? (env.DATA_DIR || '.data');
  // The Lambdas' own settings parser, so local mode validates and defaults them the same way.
  const config = loadConfig({ ...env, TABLE_NAME: env.TABLE_NAME || 'cekura-calls' });
  const { tableName } = config;

  const external = env.DYNAMODB_ENDPOINT || undefined;
  const embedded = external
    ? undefined
    : await startEmbeddedDynamo({
        backend: options.backend ?? 'auto',
        dataDir: options.inMemory ? undefined : `${dataDir}/dynamodb`,
        onNotice: options.onNotice,
      });
  const endpoint = external ?? embedded!.endpoint;

  try {
    const client = createDocumentClient({ endpoint, localProcess: true });
    await ensureCallsTable(client, tableName);
    const store = new DynamoCallStore(client, { tableName });
    const keys = localKeys(env, dataDir);
    const webhookSecrets = localWebhookSecrets(env, dataDir);
    // Re-read from dev-keys.json when it changes: `npm run keys -- rotate` needs no restart.
    const readKeys = localKeyProvider('read', env, dataDir);
    const ingestKeys = localKeyProvider('ingest', env, dataDir);
    // Recordings stored as S3 locations are served and pushed as signed links (RECORDING_BUCKETS).
    const signRecording = recordingSignerFromEnv(env);
    if (signRecording) options.onNotice?.(`Signing recording links for ${formatRecordingBuckets(config.recordingBuckets)}`);
    // Push to Cekura after each ingest, when CEKURA_AGENT_ID (and CEKURA_API_KEY) are set.
    const pusher = localPusherFromEnv(env, { signRecording });
    const onStored = pusher && ((calls: Parameters<typeof pusher.push>[0]) => pusher.push(calls));
    if (pusher) options.onNotice?.(`Pushing stored calls to Cekura (${pusher.description})`);

    const handlers: Record<LambdaName, HttpHandler> = {
      readCalls: createReadHandler({
        store,
        keys: readKeys,
        maxWindowDays: config.maxWindowDays,
        signRecording,
      }) as unknown as HttpHandler,
      ingestCalls: createIngestHandler({
        store,
        keys: ingestKeys,
        retentionDays: config.retentionDays,
        maxBodyBytes: config.maxBodyBytes,
        webCallNumber: config.webCallNumber,
        recordingBuckets: config.recordingBuckets,
        onStored,
      }) as unknown as HttpHandler,
      eraseCalls: createEraseHandler({ store, keys: ingestKeys }) as unknown as HttpHandler,
      platformWebhook: createWebhookHandler({
        store,
        secrets: webhookSecretsProvider(webhookSecrets.env),
        secretSetting: (platform) => webhookSecretsEnvName(platform),
        retentionDays: config.retentionDays,
        maxBodyBytes: config.maxBodyBytes,
        webCallNumber: config.webCallNumber,
        recordingBuckets: config.recordingBuckets,
        onStored,
      }) as unknown as HttpHandler,
      fallback: fallbackHandler as unknown as HttpHandler,
    };

    const server = createApiServer(handlers, { onRequest: options.onRequest });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? (env.PORT ? Number(env.PORT) : 3000), '127.0.0.1', resolve);
    });
    const port = (server.address() as AddressInfo).port;

    return {
      url: `http://localhost:${port}`,
      port,
      dynamo: { backend: embedded?.backend ?? 'external', endpoint },
      keys,
      webhookSecrets: webhookSecrets.printable,
      tableName,
      stop: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await pusher?.stop();
        client.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
