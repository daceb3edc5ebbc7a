/**
 * Builds the handlers' dependencies from the environment, once per cold start.
 * Only client construction happens here; nothing is fetched until the first request.
 */
import { type AdapterConfig, loadConfig } from './config';
import type { CallEraser, CallStore } from './store/call-store';
import { createDocumentClient } from './store/client';
import { DynamoCallStore } from './store/dynamodb-call-store';

export interface Runtime {
  config: AdapterConfig;
  /** The DynamoDB adapter: storage for the read and ingest Lambdas, erasure for the erase Lambda. */
  store: CallStore & CallEraser;
}

export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): Runtime {
  const config = loadConfig(env);
  const client = createDocumentClient({ endpoint: config.dynamodbEndpoint });
  return { config, store: new DynamoCallStore(client, { tableName: config.tableName }) };
}
