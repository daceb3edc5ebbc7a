/**
 * Row 3: the cost of a read does not grow with the table. Two tables on DynamoDB Local, one with
 * 1,000 calls and one with 100,000 (spread over 1,000 numbers and 30 days), both holding the same
 * 5 calls of the probe number on the probe day; the same read (that number, that day) is timed on
 * both, interleaved. The probe number also has calls on other days in the large table, so the read
 * must use the index's sort key, not just its partition.
 */
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { DynamoCallStore } from '../../lib/store/dynamodb-call-store';
import { benchNumber, rng, shortCall, typicalCall } from '../lib/data';
import { createTable, recordingClient } from '../lib/dynamo';
import { type Handler, httpEvent, invoke, muteStdout } from '../lib/lambda';
import { ingestInto, loadCalls } from '../lib/load';
import { checkRow, type Row, ratioRow } from '../lib/report';
import { fmtMs, interleaved, median, ratio } from '../lib/stats';

const READ_KEY = 'bench-read-key';
const NUMBERS = 1_000;
const DAYS = 30;
const FIRST_DAY = Date.parse('2025-03-01T00:00:00.000Z');
const PROBE_DAY = 14; // 2025-03-15
const PROBE_CALLS = 5;
const NOW = Date.parse('2025-04-01T00:00:00.000Z');

/** `count` short calls over the numbers and days, none of them the probe's number on the probe day. */
function* background(count: number, seed: number): Generator<Record<string, unknown>> {
  const random = rng(seed);
  for (let i = 0; i < count; i++) {
    const number = Math.floor(random() * NUMBERS);
    let day = Math.floor(random() * DAYS);
    if (number === 0 && day === PROBE_DAY) day = PROBE_DAY + 1;
    const at = FIRST_DAY + day * 86_400_000 + Math.floor(random() * 86_000_000);
    yield shortCall(random, `bg-${seed}-${i}`, benchNumber(number), at);
  }
}

function* probe(): Generator<Record<string, unknown>> {
  const random = rng(99);
  for (let i = 0; i < PROBE_CALLS; i++) yield typicalCall(random, `probe-${i}`, benchNumber(0), FIRST_DAY + PROBE_DAY * 86_400_000 + (i + 1) * 3_600_000);
}

export interface QueryScaleOptions {
  endpoint: string;
  largeCalls: number;
  progress: (line: string) => void;
  rounds?: number;
}

export async function queryScaleRows(options: QueryScaleOptions): Promise<Row[]> {
  const sizes = { small: 1_000, large: options.largeCalls };
  const tables: Record<string, { read: Handler; log: { names: string[] }; loadSeconds: number }> = {};
  for (const [name, count] of Object.entries(sizes)) {
    const { client, log } = recordingClient(options.endpoint);
    const tableName = `bench-scale-${name}`;
    await createTable(client, tableName);
    const store = new DynamoCallStore(client, { tableName });
    const started = Date.now();
    const ingest = ingestInto(store);
    await loadCalls(ingest, probe());
    await loadCalls(ingest, background(count, 7), {
      onProgress:
        count > 10_000
          ? (stored) =>
              options.progress(
                `  ${name} table: ${stored.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} calls stored (${Math.round(stored / ((Date.now() - started) / 1000))}/s)`,
              )
          : undefined,
    });
    const read = createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31, now: () => NOW }) as unknown as Handler;
    tables[name] = { read, log, loadSeconds: (Date.now() - started) / 1000 };
  }

  const day = new Date(FIRST_DAY + PROBE_DAY * 86_400_000).toISOString().slice(0, 10);
  const event = httpEvent({
    method: 'GET',
    routeKey: 'GET /calls',
    path: '/calls',
    query: { number: benchNumber(0), from: `${day}T00:00:00.000Z`, to: `${day}T23:59:59.999Z` },
    headers: { authorization: READ_KEY },
  });
  const quiet = muteStdout();
  const small = await invoke(tables.small!.read, event);
  const large = await invoke(tables.large!.read, event);
  quiet();
  if (small.statusCode !== 200 || small.body !== large.body) throw new Error('the read answered differently on the two tables');
  if ((JSON.parse(small.body ?? '[]') as unknown[]).length !== PROBE_CALLS) throw new Error(`the read returned other than ${PROBE_CALLS} calls`);

  for (const t of Object.values(tables)) t.log.names.length = 0;
  const rounds = options.rounds ?? 300;
  const warmup = 50;
  const unmute = muteStdout();
  let samples: Record<string, number[]>;
  try {
    samples = await interleaved({ small: () => invoke(tables.small!.read, event), large: () => invoke(tables.large!.read, event) }, { rounds, warmup });
  } finally {
    unmute();
  }
  const reads = 2 * (rounds + warmup);
  const names = [...tables.small!.log.names, ...tables.large!.log.names];
  const queries = names.filter((n) => n === 'QueryCommand').length;
  const scans = names.filter((n) => n === 'ScanCommand').length;
  const others = names.filter((n) => n !== 'QueryCommand' && n !== 'ScanCommand');
  const smallMs = median(samples.small!);
  const largeMs = median(samples.large!);
  const label = (n: number) => n.toLocaleString('en-US');
  return [
    ratioRow(
      {
        id: '3',
        measurement: `same read (1 number, 1 day, ${PROBE_CALLS} calls) at ${label(sizes.large)} vs ${label(sizes.small)} calls in the table (DynamoDB Local)`,
        result: `${fmtMs(largeMs)} at ${label(sizes.large)}`,
        floor: `${fmtMs(smallMs)} at ${label(sizes.small)}`,
        ratio: ratio(largeMs, smallMs),
        details: {
          smallMs,
          largeMs,
          p90SmallMs: samples.small!.sort((a, b) => a - b)[Math.floor(rounds * 0.9)],
          p90LargeMs: samples.large!.sort((a, b) => a - b)[Math.floor(rounds * 0.9)],
          rounds,
          loadSeconds: { small: tables.small!.loadSeconds, large: tables.large!.loadSeconds },
        },
      },
      1.5,
    ),
    checkRow(
      {
        id: '3',
        measurement: `requests those ${label(reads)} reads made`,
        result: `${label(queries)} Query, ${scans} Scan${others.length ? `, ${others.length} other` : ''}`,
        target: '1 Query per read, 0 Scan',
        details: { reads, queries, scans, others },
      },
      scans === 0 && others.length === 0 && queries === reads,
    ),
  ];
}
