import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBJsonCodec } from '@aws-sdk/dynamodb-codec';
import { parseIngestBody, toCallRecord } from '../../lib/ingest';
import { benchNumber, rng, typicalCall } from '../lib/data';
import { MemoryDynamo } from '../lib/memory-dynamo';
import { interleaved, median } from '../lib/stats';
const random = rng(2);
const input = Array.from({ length: 100 }, (_, i) => typicalCall(random, `c${i}`, benchNumber(0), Date.parse('2025-03-11') + i * 1000, true));
const records = ((parseIngestBody(input) as any).calls).map((s: any) => toCallRecord(s, { retentionDays: 3650 }));
const items = records.map((r: any) => ({ pk: r.id, num: r.customerNumber, day: 'x', ts: r.startedAt, exp: r.expiresAt, sz: r.responseBytes, doc: r.json }));
const batches = [0, 25, 50, 75].map((i) => items.slice(i, i + 25));
function make(v1: boolean) {
  const base = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler: new MemoryDynamo({ discardWrites: true }) as any,
    ...(v1 ? { protocolSettings: { defaultNamespace: 'com.amazonaws.dynamodb', serviceTarget: 'DynamoDB_20120810', version: '2012-08-10', jsonCodec: new DynamoDBJsonCodec() } as any } : {}) });
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}
const c1 = make(true), c2 = make(false);
const send = (c: DynamoDBDocumentClient) => Promise.all(batches.map((b: any[]) => c.send(new BatchWriteCommand({ RequestItems: { t: b.map((Item) => ({ PutRequest: { Item } })) } }))));
(async () => {
  const s = await interleaved({ v1: () => send(c1), v2: () => send(c2), stringify: () => JSON.stringify(items) }, { rounds: 60, warmup: 10 });
  for (const [k, v] of Object.entries(s)) console.log(k, median(v).toFixed(2));
})();
