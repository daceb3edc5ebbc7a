/** Jest globalTeardown: stops the DynamoDB Local started by global-setup.ts (if it started one). */
import { EMBEDDED_DYNAMO_KEY, type GlobalWithDynamo } from './global-state';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as GlobalWithDynamo;
  const db = g[EMBEDDED_DYNAMO_KEY];
  if (!db) return;
  delete g[EMBEDDED_DYNAMO_KEY];
  await db.stop();
  if (process.env.DYNAMODB_ENDPOINT === db.endpoint) delete process.env.DYNAMODB_ENDPOINT;
}
