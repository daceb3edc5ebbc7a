/**
 * Rows 1 and 2: the read and ingest handlers' own work, against DynamoDB answered from memory (at the
 * client's send, and under the SDK), next to the floor of what any implementation does with the same bytes.
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import { createIngestHandler } from '../../functions/ingest-calls';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { createDocumentClient } from '../../lib/store/client';
import { DynamoCallStore, GZIP_LEVEL } from '../../lib/store/dynamodb-call-store';
import { benchNumber, longCall, rng, typicalCall } from '../lib/data';
import { eventualReadUnits, itemBytes } from '../lib/item-size';
import { type Handler, httpEvent, invoke, muteStdout } from '../lib/lambda';
import { MemoryDynamo } from '../lib/memory-dynamo';
import { checkRow, infoRow, type Row, ratioRow } from '../lib/report';
import { fmtBytes, fmtMs, interleaved, median, ratio } from '../lib/stats';

const READ_KEY = 'bench-read-key-0123456789';
const INGEST_KEY = 'bench-ingest-key-0123456789';
const TABLE = 'bench-calls';
const DAY = Date.parse('2025-03-11T00:00:00.000Z');
const NOW = Date.parse('2025-03-12T12:00:00.000Z');

export interface HandlerRowOptions {
  rounds: number;
}

/** Two stores on one memory: answered at the client's `send`, and under the SDK at its HTTP handler. */
function memoryStores(options: { discardWrites?: boolean } = {}) {
  const memory = new MemoryDynamo(options);
  // The product's own client factory (its config, retries, marshalling), answered from memory.
  const client = () => createDocumentClient({ endpoint: 'http://dynamodb.memory.invalid' });
  return {
    memory,
    atSend: new DynamoCallStore(memory.atSend(client()), { tableName: TABLE }),
    atHttp: new DynamoCallStore(memory.atHttp(client()), { tableName: TABLE }),
  };
}

function ingestHandler(store: DynamoCallStore): Handler {
  return createIngestHandler({ store, keys: async () => keyCheck([INGEST_KEY]), retentionDays: 3650, maxBodyBytes: 5 * 1024 * 1024 }) as unknown as Handler;
}

const postEvent = (body: string) =>
  httpEvent({
    method: 'POST',
    routeKey: 'POST /calls',
    path: '/calls',
    headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
    body,
  });

/** 100 calls x 40 messages for one number on one day, in the forms clients send. */
function hundredCalls(seed: number, clientForms: boolean): Record<string, unknown>[] {
  const random = rng(seed);
  return Array.from({ length: 100 }, (_, i) => typicalCall(random, `bench-${seed}-${i}`, benchNumber(0), DAY + 60_000 + i * 800_000, clientForms));
}

export async function readHandlerRows(options: HandlerRowOptions): Promise<Row[]> {
  const { memory, atSend, atHttp } = memoryStores();
  const stored = await invoke(ingestHandler(atSend), postEvent(JSON.stringify(hundredCalls(1, false))));
  if (stored.statusCode !== 200) throw new Error(`setup ingest answered ${stored.statusCode}: ${stored.body}`);

  const readHandler = (store: DynamoCallStore) =>
    createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31, now: () => NOW }) as unknown as Handler;
  const read = readHandler(atSend);
  const readSdk = readHandler(atHttp);
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
  if ((await invoke(readSdk, event)).body !== body) throw new Error('the two clients answered differently');
  // The floor: serialising the same response from objects. Byte-identical, or the comparison is off.
  if (JSON.stringify(calls) !== body) throw new Error('JSON.stringify of the response differs from the body served');
  const queriesBefore = memory.counts.Query ?? 0;

  const warmup = 30;
  const unmute = muteStdout();
  let samples: Record<string, number[]>;
  try {
    samples = await interleaved(
      {
        handler: () => invoke(read, event),
        handlerWithSdk: () => invoke(readSdk, event),
        floor: () => JSON.stringify(calls),
      },
      { rounds: options.rounds, warmup },
    );
  } finally {
    unmute();
  }
  const queriesPerRequest = ((memory.counts.Query ?? 0) - queriesBefore) / (2 * (options.rounds + warmup));
  const handler = median(samples.handler!);
  const withSdk = median(samples.handlerWithSdk!);
  const floor = median(samples.floor!);
  const details = { responseBytes: Buffer.byteLength(body), rounds: options.rounds, queriesPerRequest, floorMedianMs: floor };
  return [
    ratioRow(
      {
        id: '1',
        measurement: 'read handler, 100 calls x 40 msgs; client.send answers from memory',
        result: `${fmtMs(handler)}/request`,
        floor: `${fmtMs(floor)} JSON.stringify`,
        ratio: ratio(handler, floor),
        details: { ...details, medianMs: handler },
      },
      2.0,
    ),
    infoRow({
      id: '1b',
      measurement: 'same, SDK parsing the response too (its HTTP handler answers)',
      result: `${fmtMs(withSdk)}/request`,
      floor: `${fmtMs(floor)} JSON.stringify`,
      ratio: ratio(withSdk, floor),
      details: { ...details, medianMs: withSdk },
    }),
  ];
}

export async function ingestHandlerRows(options: HandlerRowOptions): Promise<Row[]> {
  const { memory, atSend, atHttp } = memoryStores({ discardWrites: true });
  const ingest = ingestHandler(atSend);
  const ingestSdk = ingestHandler(atHttp);
  const body = JSON.stringify(hundredCalls(2, true));
  const event = postEvent(body);

  for (const handler of [ingest, ingestSdk]) {
    const first = await invoke(handler, event);
    if (first.statusCode !== 200) throw new Error(`ingest answered ${first.statusCode}: ${first.body?.slice(0, 300)}`);
    if ((JSON.parse(first.body ?? '{}') as { stored: number }).stored !== 100) throw new Error(`ingest stored other than 100: ${first.body?.slice(0, 200)}`);
  }
  const writesBefore = memory.counts.BatchWrite ?? 0;
  const bytesBefore = memory.bytesReceived;

  const warmup = 20;
  const unmute = muteStdout();
  let samples: Record<string, number[]>;
  try {
    samples = await interleaved(
      {
        handler: () => invoke(ingest, event),
        handlerWithSdk: () => invoke(ingestSdk, event),
        floor: () => JSON.stringify(JSON.parse(body)),
      },
      { rounds: options.rounds, warmup },
    );
  } finally {
    unmute();
  }
  const requests = options.rounds + warmup;
  const handler = median(samples.handler!);
  const withSdk = median(samples.handlerWithSdk!);
  const floor = median(samples.floor!);
  const details = {
    bodyBytes: Buffer.byteLength(body),
    batchWritesPerRequest: ((memory.counts.BatchWrite ?? 0) - writesBefore) / (2 * requests),
    bytesSentToDynamoPerRequest: Math.round((memory.bytesReceived - bytesBefore) / requests),
    rounds: options.rounds,
    floorMedianMs: floor,
  };
  return [
    ratioRow(
      {
        id: '2',
        measurement: `ingest handler, 100 calls x 40 msgs (${fmtBytes(Buffer.byteLength(body))}) to client.send`,
        result: `${fmtMs(handler)}/request`,
        floor: `${fmtMs(floor)} JSON.parse+stringify`,
        ratio: ratio(handler, floor),
        details: { ...details, medianMs: handler },
      },
      4,
    ),
    infoRow({
      id: '2b',
      measurement: 'same, SDK serialising and signing the 4 BatchWriteItem requests too',
      result: `${fmtMs(withSdk)}/request`,
      floor: `${fmtMs(floor)} JSON.parse+stringify`,
      ratio: ratio(withSdk, floor),
      details: { ...details, medianMs: withSdk },
    }),
  ];
}

/**
 * Prices (us-east-1, on-demand, arm64) for choosing the gzip level: a stored KB is written three
 * times (the table and both indexes carry the document) and read again by every read, while the
 * level only changes CPU time once, at ingest.
 */
const PRICE = { lambdaGbSecond: 0.0000133334, writeUnit: 0.625e-6, readUnit: 0.125e-6 };
/** One core here ~ the CPU share of a 1,769 MB Lambda; the ingest Lambda has 512 MB. */
const LAMBDA_CPU_SLOWDOWN = 1769 / 512;

export async function compressionRow(): Promise<Row> {
  const { memory, atSend } = memoryStores();
  const random = rng(3);
  const call = longCall(random, 'gzip-1', benchNumber(0), DAY);
  const stored = await invoke(ingestHandler(atSend), postEvent(JSON.stringify(call)));
  if (stored.statusCode !== 200) throw new Error(`ingest answered ${stored.statusCode}`);
  const item = [...memory.items.values()][0]!;
  const json = gunzipSync(item.docz as Uint8Array).toString('utf8');
  const otherBytes = itemBytes({ ...item, docz: new Uint8Array(0) });

  const levels = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const samples = await interleaved(Object.fromEntries(levels.map((level) => [String(level), () => gzipSync(json, { level })])), { rounds: 9, warmup: 1 });
  const results = levels.map((level) => {
    const bytes = gzipSync(json, { level }).byteLength + otherBytes;
    const ms = median(samples[String(level)]!);
    const writeUnits = 3 * Math.ceil(bytes / 1024);
    const readUnits = eventualReadUnits(bytes);
    // Units as the average over many calls (a KB saved is a unit saved on average), not this one
    // call's rounding, which would let a few bytes decide.
    const cost =
      ((ms * LAMBDA_CPU_SLOWDOWN) / 1000) * 0.5 * PRICE.lambdaGbSecond + ((3 * bytes) / 1024) * PRICE.writeUnit + (bytes / 4096 / 2) * PRICE.readUnit;
    return { level, ms, bytes, writeUnits, readUnits, cost };
  });
  const cheapest = results.reduce((a, b) => (b.cost < a.cost ? b : a));
  const shipped = results.find((r) => r.level === GZIP_LEVEL)!;
  const six = results.find((r) => r.level === 6)!;
  return checkRow(
    {
      id: '2',
      measurement: `gzip level for a ${fmtBytes(Buffer.byteLength(json))} call: CPU once vs units (3 writes, 1 read)`,
      result: `level ${GZIP_LEVEL} shipped: ${fmtMs(shipped.ms)}, ${fmtBytes(shipped.bytes)}; level 6: ${fmtMs(six.ms)}, ${fmtBytes(six.bytes)}`,
      target: 'cheapest level',
      details: { jsonBytes: Buffer.byteLength(json), cheapest: cheapest.level, prices: PRICE, lambdaCpuSlowdown: LAMBDA_CPU_SLOWDOWN, levels: results },
    },
    shipped.cost <= cheapest.cost * 1.001,
  );
}
