/** DynamoDB Local for the rows that need a real DynamoDB: started once, always stopped. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lib/store/client';
import { ensureCallsTable } from '../../lib/store/create-table';
import { detectJava, startEmbeddedDynamo } from '../../local/embedded-dynamodb';

export async function withDynamo(progress: (line: string) => void, run: (endpoint: string) => Promise<void>): Promise<void> {
  if (!detectJava()) throw new Error('rows 3, 4 and 6 need Java 17+ for DynamoDB Local');
  const started = Date.now();
  const dynamo = await startEmbeddedDynamo({ backend: 'dynamodb-local' });
  progress(`DynamoDB Local (in memory) up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${dynamo.endpoint}`);
  const stop = () => {
    void dynamo.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  try {
    await run(dynamo.endpoint);
  } finally {
    process.removeListener('SIGINT', stop);
    await dynamo.stop();
    progress('DynamoDB Local stopped');
  }
}

export interface CommandLog {
  /** Command names in the order sent, e.g. QueryCommand. */
  names: string[];
}

/** The product's client on an endpoint, recording every command it sends. */
export function recordingClient(endpoint: string): { client: DynamoDBDocumentClient; log: CommandLog } {
  const client = createDocumentClient({ endpoint });
  const log: CommandLog = { names: [] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      log.names.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'benchRecordCommands' },
  );
  return { client, log };
}

export async function createTable(client: DynamoDBDocumentClient, tableName: string): Promise<void> {
  await ensureCallsTable(client, tableName);
}
