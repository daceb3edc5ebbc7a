/**
 * Row 4: read units per call returned (DynamoDB Local computes ReturnConsumedCapacity as DynamoDB
 * does), next to the floor of reading each call's stored index item on its own, eventually
 * consistent: ceil(KB / 4) / 2. Every page of a read is followed through its Link header, so the
 * calls a page reads but cannot hold count too. Also counts the requests: one Query per page (more
 * only where DynamoDB's 1 MB per Query splits a page), never one per call.
 */
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { DynamoCallStore, storedKey } from '../../lib/store/dynamodb-call-store';
import { benchNumber, longCall, rng, shortCall, typicalCall } from '../lib/data';
import { createTable, recordingClient } from '../lib/dynamo';
import { byNumberIndexItem, eventualReadUnits, itemBytes } from '../lib/item-size';
import { type Handler, httpEvent, invoke, muteStdout } from '../lib/lambda';
import { ingestInto, loadCalls } from '../lib/load';
import { type Row, ratioRow } from '../lib/report';
import { fmtBytes, ratio } from '../lib/stats';

const READ_KEY = 'bench-read-key';
const DAY = Date.parse('2025-03-11T00:00:00.000Z');
const NOW = Date.parse('2025-03-20T00:00:00.000Z');
const DYNAMO_PAGE_BYTES = 1024 * 1024;

const CLASSES = [
  { name: 'short', label: 'short calls (4 msgs)', count: 250, make: shortCall },
  { name: 'typical', label: 'typical calls (40 msgs)', count: 250, make: (r: () => number, id: string, n: string, at: number) => typicalCall(r, id, n, at) },
  { name: 'long', label: '1 MB-transcript calls', count: 12, make: longCall },
] as const;

export async function readUnitsRows(options: { endpoint: string }): Promise<Row[]> {
  const tableName = 'bench-read-units';
  const { client: writer } = recordingClient(options.endpoint);
  await createTable(writer, tableName);
  // What the store writes, as DynamoDB stores it: the floor is computed from these items.
  const stored = new Map<string, Record<string, unknown>>();
  writer.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, Array<{ PutRequest: { Item: Record<string, unknown> } }>> };
      for (const requests of Object.values(input.RequestItems ?? {}))
        for (const { PutRequest } of requests) stored.set(String(PutRequest.Item.pk), PutRequest.Item);
      return next(args);
    },
    { step: 'initialize', name: 'benchCaptureItems' },
  );
  const ingest = ingestInto(new DynamoCallStore(writer, { tableName }));

  const rows: Row[] = [];
  for (const [c, spec] of CLASSES.entries()) {
    const random = rng(40 + c);
    const number = benchNumber(900 + c);
    const calls = Array.from({ length: spec.count }, (_, i) => spec.make(random, `units-${spec.name}-${i}`, number, DAY + 60_000 + i * 300_000));
    await loadCalls(ingest, calls, { concurrency: 2 });

    let units = 0;
    const { client: reader, log } = recordingClient(options.endpoint);
    const store = new DynamoCallStore(reader, {
      tableName,
      onCapacity: (operation, u) => {
        if (operation === 'Query') units += u;
      },
    });
    const read = createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31, now: () => NOW }) as unknown as Handler;

    const returned: string[] = [];
    let pages = 0;
    let query: Record<string, string> = { number, from: new Date(DAY).toISOString(), to: new Date(DAY + 86_400_000 - 1).toISOString() };
    const unmute = muteStdout();
    try {
      for (;;) {
        const result = await invoke(read, httpEvent({ method: 'GET', routeKey: 'GET /calls', path: '/calls', query, headers: { authorization: READ_KEY } }));
        if (result.statusCode !== 200) throw new Error(`read answered ${result.statusCode}: ${String(result.body).slice(0, 200)}`);
        pages++;
        returned.push(...(JSON.parse(result.body ?? '[]') as Array<{ id: string }>).map((call) => call.id));
        const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
        const link = headers.link;
        if (!link || pages > 100) break;
        query = Object.fromEntries(new URLSearchParams(/\?([^>]*)>/.exec(link)![1]));
      }
    } finally {
      unmute();
    }
    reader.destroy();
    if (new Set(returned).size !== spec.count || returned.length !== spec.count)
      throw new Error(`${spec.name}: read ${returned.length} calls (${new Set(returned).size} distinct), stored ${spec.count}`);

    const items = returned.map((id) => stored.get(storedKey(id)) ?? failMissing(id));
    const indexBytes = items.map((item) => itemBytes(byNumberIndexItem(item)));
    const floor = indexBytes.reduce((sum, b) => sum + eventualReadUnits(b), 0);
    const queries = log.names.filter((n) => n === 'QueryCommand').length;
    const scans = log.names.filter((n) => n === 'ScanCommand').length;
    // One request per page, plus one wherever DynamoDB's 1 MB per Query splits what a page reads.
    const maxQueries = pages + Math.ceil(indexBytes.reduce((a, b) => a + b, 0) / DYNAMO_PAGE_BYTES);
    const perCall = units / spec.count;
    const floorPerCall = floor / spec.count;
    const row = ratioRow(
      {
        id: '4',
        measurement: `read units per call, ${spec.count} ${spec.label} (${fmtBytes(indexBytes.reduce((a, b) => a + b, 0) / spec.count)} stored each), all pages`,
        result: `${perCall.toFixed(3)} RCU/call; ${queries} Query, ${pages} pages`,
        floor: `${floorPerCall.toFixed(3)} RCU/call`,
        ratio: ratio(perCall, floorPerCall),
        details: {
          calls: spec.count,
          pages,
          queries,
          scans,
          maxQueries,
          consumedUnits: units,
          floorUnits: floor,
          avgIndexItemBytes: indexBytes.reduce((a, b) => a + b, 0) / spec.count,
        },
      },
      1.25,
    );
    // Requests: never one per call, one per page (and per 1 MB DynamoDB page), no Scan.
    if (scans > 0 || queries > maxQueries || (spec.count > pages && queries >= spec.count)) {
      row.status = 'FAIL';
      row.target = `${row.target}; <= ${maxQueries} Query`;
    } else {
      row.target = `${row.target}; <= ${maxQueries} Query`;
    }
    rows.push(row);
  }
  writer.destroy();
  return rows;
}

function failMissing(id: string): never {
  throw new Error(`no stored item captured for ${id}`);
}
