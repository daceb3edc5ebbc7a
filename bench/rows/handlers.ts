/**
 * Rows 1 and 2: the read and ingest handlers' own work, against DynamoDB answered from memory under
 * the SDK, next to the floor of what any implementation has to do with the same bytes.
 */
import { createIngestHandler } from '../../functions/ingest-calls';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { createDocumentClient } from '../../lib/store/client';
import { DynamoCallStore } from '../../lib/store/dynamodb-call-store';
import { benchNumber, rng, typicalCall } from '../lib/data';
import { httpEvent, invoke, type Handler, muteStdout } from '../lib/lambda';
import { MemoryDynamo } from '../lib/memory-dynamo';
import { type Row, ratioRow } from '../lib/report';
import { fmtBytes, fmtMs, interleaved, median, ratio } from '../lib/stats';

const READ_KEY = 'bench-read-key-0123456789';
const INGEST_KEY = 'bench-ingest-key-0123456789';
const TABLE = 'bench-calls';
const DAY = Date.parse('2025-03-11T00:00:00.000Z');
const NOW = Date.parse('2025-03-12T12:00:00.000Z');

export interface HandlerRowOptions {
  rounds: number;
}

function memoryStore(options: { discardWrites?: boolean } = {}) {
  const memory = new MemoryDynamo(options);
  // The product's own client factory (its config, retries, marshalling), answered from memory.
  const client = memory.attach(createDocumentClient({ endpoint: 'http://dynamodb.memory.invalid' }));
  return { memory, store: new DynamoCallStore(client, { tableName: TABLE }) };
}

function ingestHandler(store: DynamoCallStore): Handler {
  return createIngestHandler({ store, keys: async () => keyCheck([INGEST_KEY]), retentionDays: 3650, maxBodyBytes: 5 * 1024 * 1024 }) as unknown as Handler;
}

const postEvent = (body: string) =>
  httpEvent({ method: 'POST', routeKey: 'POST /calls', path: '/calls', headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' }, body });

/** 100 calls x 40 messages for one number on one day, in the forms clients send. */
function hundredCalls(seed: number, clientForms: boolean): Record<string, unknown>[] {
  const random = rng(seed);
  return Array.from({ length: 100 }, (_, i) => typicalCall(random, `bench-${seed}-${i}`, benchNumber(0), DAY + 60_000 + i * 800_000, clientForms));
}

export async function readHandlerRow(options: HandlerRowOptions): Promise<Row> {
  const { memory, store } = memoryStore();
  const stored = await invoke(ingestHandler(store), postEvent(JSON.stringify(hundredCalls(1, false))));
  if (stored.statusCode !== 200) throw new Error(`setup ingest answered ${stored.statusCode}: ${stored.body}`);

  const read = createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31, now: () => NOW }) as unknown as Handler;
  const event = httpEvent({
    method: 'GET',
    routeKey: 'GET /calls',
    path: '/calls',
    query: { number: benchNumber(0), from: new Date(DAY).toISOString(), to: new Date(DAY + 86_400_000 - 1).toISOString() },
    headers: { authorization: READ_KEY },
  });

  const first = await invoke(read, event);
  const body = first.body ?? '';
  const calls = JSON.parse(body) as Array<{ messages: unknown[] }>;
  if (first.statusCode !== 200 || calls.length !== 100) throw new Error(`read answered ${first.statusCode} with ${calls.length} calls`);
  if (calls.some((c) => c.messages.length !== 40)) throw new Error('a call does not have 40 messages');
  // The floor: serialising the same response from objects. Byte-identical, or the comparison is off.
  if (JSON.stringify(calls) !== body) throw new Error('JSON.stringify of the response differs from the body served');
  const queriesBefore = memory.counts.Query ?? 0;

  const unmute = muteStdout();
  let samples: Record<string, number[]>;
  try {
    samples = await interleaved(
      {
        handler: () => invoke(read, event),
        floor: () => JSON.stringify(calls),
      },
      { rounds: options.rounds, warmup: 30 },
    );
  } finally {
    unmute();
  }
  const requests = options.rounds + 30;
  const queriesPerRequest = ((memory.counts.Query ?? 0) - queriesBefore) / requests;
  const handler = median(samples.handler!);
  const floor = median(samples.floor!);
  return ratioRow(
    {
      id: '1',
      measurement: 'read handler, 100 calls x 40 msgs (DynamoDB from memory)',
      result: `${fmtMs(handler)}/request`,
      floor: `${fmtMs(floor)} JSON.stringify`,
      ratio: ratio(handler, floor),
      details: { medianMs: handler, floorMedianMs: floor, responseBytes: Buffer.byteLength(body), rounds: options.rounds, queriesPerRequest },
    },
    2.0,
  );
}

export async function ingestHandlerRow(options: HandlerRowOptions): Promise<Row> {
  const { memory, store } = memoryStore({ discardWrites: true });
  const ingest = ingestHandler(store);
  const body = JSON.stringify(hundredCalls(2, true));
  const event = postEvent(body);

  const first = await invoke(ingest, event);
  if (first.statusCode !== 200) throw new Error(`ingest answered ${first.statusCode}: ${first.body?.slice(0, 300)}`);
  if ((JSON.parse(first.body ?? '{}') as { stored: number }).stored !== 100) throw new Error(`ingest stored other than 100: ${first.body?.slice(0, 200)}`);
  const writesBefore = memory.counts.BatchWriteItem ?? 0;
  const bytesBefore = memory.bytesReceived;

  const unmute = muteStdout();
  let samples: Record<string, number[]>;
  try {
    samples = await interleaved(
      {
        handler: () => invoke(ingest, event),
        floor: () => JSON.stringify(JSON.parse(body)),
      },
      { rounds: options.rounds, warmup: 20 },
    );
  } finally {
    unmute();
  }
  const requests = options.rounds + 20;
  const handler = median(samples.handler!);
  const floor = median(samples.floor!);
  return ratioRow(
    {
      id: '2',
      measurement: 'ingest handler, 100 calls x 40 msgs (DynamoDB from memory)',
      result: `${fmtMs(handler)}/request`,
      floor: `${fmtMs(floor)} JSON.parse+stringify`,
      ratio: ratio(handler, floor),
      details: {
        medianMs: handler,
        floorMedianMs: floor,
        bodyBytes: Buffer.byteLength(body),
        body: fmtBytes(Buffer.byteLength(body)),
        batchWritesPerRequest: ((memory.counts.BatchWriteItem ?? 0) - writesBefore) / requests,
        bytesSentToDynamoPerRequest: Math.round((memory.bytesReceived - bytesBefore) / requests),
        rounds: options.rounds,
      },
    },
    4,
  );
}
