import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface ClientOptions {
  /** DynamoDB Local, dynalite or another endpoint; undefined for AWS. */
  endpoint?: string | undefined;
  region?: string;
  /** The endpoint is local mode's own DynamoDB process: LOCAL_ENDPOINT_LIMITS apply. */
  localProcess?: boolean;
}

/**
 * Timeouts and retries short enough that an unreachable or hung store becomes a quick 503 inside the
 * Lambda's budget instead of a hung request. `throwOnRequestTimeout` is what makes requestTimeout
 * bite: without it, @smithy/node-http-handler only logs a warning and the request hangs on until the
 * Lambda times out. Worst case for a store that accepts connections and never answers: 3 attempts of
 * 2 s plus jittered backoff, about 6.5 s, inside the read Lambda's 10 s.
 */
export const STORE_CLIENT_LIMITS = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
} as const;

/**
 * A local endpoint (DynamoDB Local, dynalite) is one process on the same small machine as
 * everything else: ten concurrent 100-call requests of 20 KB calls keep it busy for seconds, and a
 * 2 s timeout would give up on writes it then completes (503s for calls that were stored). There
 * is no Lambda budget to fit into locally; a dead local endpoint still fails fast on connect.
 */
export const LOCAL_ENDPOINT_LIMITS = { requestTimeout: 20_000 } as const;

/** A document client for the calls table, with STORE_CLIENT_LIMITS (and LOCAL_ENDPOINT_LIMITS for a local endpoint). */
export function createDocumentClient(options: ClientOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region ?? process.env.AWS_REGION ?? (local ? 'local' : undefined),
    // A local endpoint needs some credentials but never checks them.
    ...(local && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: STORE_CLIENT_LIMITS.maxAttempts,
    requestHandler: { ...STORE_CLIENT_LIMITS.requestHandler, ...(options.localProcess ? LOCAL_ENDPOINT_LIMITS : {}) },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
