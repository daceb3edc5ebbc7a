/** DynamoDB helpers for tests. DYNAMODB_ENDPOINT is set by test/support/global-setup.ts. */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const TEST_REGION = 'local';
export const TEST_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A DynamoDBClient for process.env.DYNAMODB_ENDPOINT (region 'local', dummy credentials). */
export function testClient(): DynamoDBClient {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    throw new Error('DYNAMODB_ENDPOINT is not set: run the tests through jest (its globalSetup starts DynamoDB Local).');
  }
  return new DynamoDBClient({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
}

let counter = 0;

/** A table name unique across test files, workers and runs: `<prefix>-<pid>-<counter>-<random>`. */
export function uniqueTableName(prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 200) || 'test';
  counter += 1;
  return `${safe}-${process.pid}-${counter}-${randomBytes(4).toString('hex')}`;
}
