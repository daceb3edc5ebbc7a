import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CallInput } from '../../lib/call';
import { type CallRecord, parseIngestBody, toCallRecord } from '../../lib/ingest';
import type { CallQuery } from '../../lib/store/call-store';
import { createDocumentClient } from '../../lib/store/client';
import { ensureCallsTable } from '../../lib/store/create-table';
import { DynamoCallStore, type DynamoCallStoreOptions } from '../../lib/store/dynamodb-call-store';
import { uniqueTableName } from './dynamo';

/** A document client on DynamoDB Local that records the name of every command it sends. */
export function recordingClient(): { client: DynamoDBDocumentClient; commands: string[] } {
  const client = createDocumentClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return { client, commands };
}

/** A fresh calls table on DynamoDB Local and a store on it. */
export async function freshStore(options: Partial<DynamoCallStoreOptions> = {}) {
  const { client, commands } = recordingClient();
  const tableName = uniqueTableName('calls');
  await ensureCallsTable(client, tableName);
  commands.length = 0;
  return { client, commands, tableName, store: new DynamoCallStore(client, { tableName, ...options }) };
}

export function recordsOf(calls: CallInput[], retentionDays = 3650): CallRecord[] {
  const parsed = parseIngestBody(calls);
  if (!parsed.ok) throw new Error(`invalid fixture: ${JSON.stringify(parsed.issues)}`);
  return parsed.calls.map((sourced) => toCallRecord(sourced, { retentionDays }));
}

/** A store query over January 2025 (every number, 100 calls, a 6 MB budget, "now" mid-month). */
export const januaryQuery = (overrides: Partial<CallQuery> = {}): CallQuery => ({
  number: undefined,
  from: '2025-01-01T00:00:00.000Z',
  to: '2025-01-31T00:00:00.000Z',
  limit: 100,
  maxBytes: 6_000_000,
  after: undefined,
  now: Date.parse('2025-01-15T00:00:00Z') / 1000,
  ...overrides,
});
