/**
 * Row 7: what N calls cost a month on AWS, from quantities measured here and the stack as deployed.
 *
 * Measured on a sample of calls, then scaled to N: DynamoDB's capacity units (ReturnConsumedCapacity
 * on DynamoDB Local, which computes them as DynamoDB does, indexes included), the bytes each call
 * stores (the table item and both index items, with DynamoDB's 100 bytes per item), the handlers'
 * milliseconds per request (wall time, its CPU part scaled to the share of a vCPU Lambda gives the
 * configured memory), the bytes they log, and the requests API Gateway meters. The memory sizes,
 * the forwarder's batch size, the secrets and the alarms are read from the stack `cdk synth` builds.
 *
 * How the calls are used (defaults from issue 14, each a flag of `npm run bench`): N calls a month,
 * each sent in its own POST (as platforms and end-of-call hooks send them), read R times (one call
 * per GET, as Cekura asks for one run's call), kept D days (so D / 30.44 months of calls are stored
 * at any time), pushed to Cekura once (one call per forwarder invocation).
 *
 * The floor: the same calls stored once, uncompressed and without indexes (ceil(KB) write units,
 * their JSON bytes stored), read once (ceil(KB / 4) / 2 read units), with the same per-request
 * Lambda, API Gateway and log costs: what any API storing and serving these calls pays at least.
 */

import { CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { CfnEventSourceMapping, CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../cdk/app';
import { SETTING_DEFAULTS } from '../../cdk/settings';
import { createForwarderHandler } from '../../functions/cekura-forwarder';
import { createIngestHandler } from '../../functions/ingest-calls';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { DynamoCallStore } from '../../lib/store/dynamodb-call-store';
import { CALLS_TABLE } from '../../lib/store/table-schema';
import { benchNumber, makeCall, rng } from '../lib/data';
import { createTable, recordingClient } from '../lib/dynamo';
import { byNumberIndexItem, itemBytes } from '../lib/item-size';
import { type Handler, httpEvent, invoke, muteStdout } from '../lib/lambda';
import { infoRow, type Row } from '../lib/report';
import { fmtBytes, ratio } from '../lib/stats';

/**
 * us-east-1 list prices, as of June 2025, from the AWS pricing pages named in `source` (read by hand:
 * the development machine has no internet). Free tiers are left out. Update them here, in one place;
 * every figure of the row follows.
 */
export const PRICES = {
  asOf: 'June 2025',
  region: 'us-east-1',
  dynamodb: {
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    perMillionWriteUnits: 0.625,
    perMillionReadUnits: 0.125,
    perGbMonthStored: 0.25,
    /** Point-in-time recovery (continuous backups), on the table's size. */
    perGbMonthPitr: 0.2,
  },
  lambda: {
    source: 'https://aws.amazon.com/lambda/pricing/',
    perMillionRequests: 0.2,
    /** arm64, the architecture the stack deploys. */
    perGbSecondArm64: 0.0000133334,
  },
  apiGateway: {
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    /** HTTP APIs, first 300 million a month; each 512 KB of a request is metered as one. */
    perMillionHttpRequests: 1.0,
    meteredBytes: 512 * 1024,
  },
  cloudWatch: {
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    perGbLogsIngested: 0.5,
    perGbMonthLogsStored: 0.03,
    /** A standard-resolution alarm, per metric it evaluates. */
    perAlarmMetricMonth: 0.1,
    perCustomMetricMonth: 0.3,
  },
  secretsManager: {
    source: 'https://aws.amazon.com/secrets-manager/pricing/',
    perSecretMonth: 0.4,
    per10kApiCalls: 0.05,
  },
} as const;

export interface CostOptions {
  endpoint: string;
  /** Calls a month. */
  calls: number;
  /** Reads of each call. */
  readsPerCall: number;
  /** Days a call is kept. */
  retentionDays: number;
  /** Messages per call. */
  messages: number;
  /** Calls measured (then scaled to `calls`). */
  sample?: number;
}

export const COST_DEFAULTS = { calls: 10_000, readsPerCall: 10, retentionDays: SETTING_DEFAULTS.retentionDays, messages: 40 } as const;

const GB = 1024 ** 3;
const DAYS_PER_MONTH = 365.25 / 12;
/** Lambda gives one vCPU at 1,769 MB and CPU in proportion to memory below that. */
const FULL_VCPU_MB = 1769;
/** What Lambda writes to the log per invocation besides the handler: START, END and REPORT lines. */
const LAMBDA_PLATFORM_LOG_BYTES = 350;
/** The time Cekura takes to answer a push (not measurable here: the bench answers at once). */
const ASSUMED_CEKURA_ANSWER_MS = 300;
/** The Lambdas re-read their secret at most every 5 minutes (lib/secrets/api-keys.ts). */
const SECRET_READS_PER_FUNCTION_MONTH = (DAYS_PER_MONTH * 24 * 60) / 5;
/** DynamoDB's per-item storage overhead, for the table and for each index. */
const ITEM_OVERHEAD_BYTES = 100;

const INGEST_KEY = 'bench-cost-ingest-key';
const READ_KEY = 'bench-cost-read-key';

/** The deployed configuration, read from the stack as `cdk synth` builds it with push to Cekura on. */
function deployed() {
  const { stack } = buildApp({ 'aws:cdk:bundling-stacks': [], cekuraAgentId: '1' });
  const memory = (fn: IConstruct) => (fn.node.defaultChild as CfnFunction).memorySize!;
  const all = stack.node.findAll();
  const alarms = all.filter((c): c is CfnAlarm => c instanceof CfnAlarm);
  const stage = all.find((c): c is CfnStage => c instanceof CfnStage)!;
  return {
    memoryMb: {
      read: memory(stack.functions.byName.readCalls),
      ingest: memory(stack.functions.byName.ingestCalls),
      forwarder: memory(stack.cekuraForwarder!.fn),
    },
    forwarderBatchSize: (stack.cekuraForwarder!.mapping.node.defaultChild as CfnEventSourceMapping).batchSize!,
    secrets: all.filter((c) => c instanceof CfnSecret).length,
    alarmMetrics: alarms.reduce(
      (sum, alarm) => sum + (Array.isArray(alarm.metrics) ? alarm.metrics.filter((m) => 'metricStat' in m && m.metricStat).length : 1),
      0,
    ),
    alarms: alarms.length,
    accessLogFormat: String((stage.accessLogSettings as { format?: string } | undefined)?.format ?? ''),
  };
}

/** An access log line as the stage writes it, with typical values in place of its $context variables. */
function accessLogLineBytes(format: string): number {
  const typical: Record<string, string> = {
    requestId: 'Jq1x3gHhoAMEbVg=',
    requestTime: '29/Nov/2026:07:33:46 +0000',
    'identity.sourceIp': '203.0.113.10',
    httpMethod: 'GET',
    routeKey: 'GET /calls',
    status: '200',
    responseLength: '8421',
    integrationLatency: '38',
    integrationErrorMessage: '-',
  };
  return Buffer.byteLength(format.replace(/\$context\.([\w.]+)/g, (_, name: string) => typical[name] ?? 'x'.repeat(12))) + 1;
}

interface Sample {
  ms: number;
  cpuMs: number;
  logBytes: number;
  meteredRequests: number;
}

/** One handler invocation: wall and CPU time, log bytes, and API Gateway's metered requests for it. */
async function measure(run: () => Promise<{ requestBytes: number; responseBytes: number }>): Promise<Sample> {
  const unmute = muteStdout();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let sizes: { requestBytes: number; responseBytes: number };
  let logBytes: number;
  try {
    sizes = await run();
  } finally {
    logBytes = unmute();
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    logBytes,
    meteredRequests: Math.max(1, Math.ceil((sizes.requestBytes + sizes.responseBytes) / PRICES.apiGateway.meteredBytes)),
  };
}

/** Lambda's billed milliseconds for a sample at `memoryMb`: the waiting as measured, the CPU slowed to Lambda's share. */
function lambdaMs(sample: Sample, memoryMb: number): number {
  const cpuFactor = Math.max(1, FULL_VCPU_MB / memoryMb);
  return Math.ceil(Math.max(0, sample.ms - sample.cpuMs) + sample.cpuMs * cpuFactor);
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
const dollars = (value: number) => (value >= 100 ? `$${value.toFixed(0)}` : value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`);

/** Items in DynamoDB's stream image form: what the forwarder reads. */
function streamImage(item: Record<string, unknown>): Record<string, Record<string, string>> {
  const attribute = (value: unknown): Record<string, string> =>
    typeof value === 'string' ? { S: value } : typeof value === 'number' ? { N: String(value) } : { B: Buffer.from(value as Uint8Array).toString('base64') };
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, attribute(value)]));
}

export interface CostBreakdown {
  monthly: Record<string, number>;
  floor: Record<string, number>;
  fixed: number;
  details: Record<string, unknown>;
}

export async function costRows(options: CostOptions): Promise<Row[]> {
  const sampleSize = options.sample ?? 100;
  const stack = deployed();

  const tableName = 'bench-cost';
  const { client } = recordingClient(options.endpoint);
  await createTable(client, tableName);
  const written: Record<string, unknown>[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, Array<{ PutRequest?: { Item: Record<string, unknown> } }>> };
      for (const requests of Object.values(input.RequestItems ?? {})) for (const { PutRequest } of requests) if (PutRequest) written.push(PutRequest.Item);
      return next(args);
    },
    { step: 'initialize', name: 'benchCostCapture' },
  );
  const units = { write: 0, read: 0 };
  const store = new DynamoCallStore(client, {
    tableName,
    onCapacity: (operation, consumed) => {
      if (operation === 'BatchWriteItem') units.write += consumed;
      if (operation === 'Query') units.read += consumed;
    },
  });
  const ingest = createIngestHandler({
    store,
    keys: async () => keyCheck([INGEST_KEY]),
    retentionDays: options.retentionDays,
    maxBodyBytes: 5 * 1024 * 1024,
  }) as unknown as Handler;
  const read = createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31 }) as unknown as Handler;

  // Recent calls (the retention applies to them as deployed), each under its own number.
  const random = rng(70);
  const base = Date.now() - 6 * 3_600_000;
  const calls = Array.from({ length: sampleSize }, (_, i) =>
    makeCall(random, { id: `cost-${i}`, number: benchNumber(7_000 + i), startedAt: base + i * 60_000, messages: options.messages }),
  );

  const ingestSamples: Sample[] = [];
  for (const call of calls) {
    const body = JSON.stringify(call);
    ingestSamples.push(
      await measure(async () => {
        const result = await invoke(
          ingest,
          httpEvent({
            method: 'POST',
            routeKey: 'POST /calls',
            path: '/calls',
            headers: { authorization: INGEST_KEY, 'content-type': 'application/json' },
            body,
          }),
        );
        if (result.statusCode !== 200 || !String(result.body).includes('"stored":1'))
          throw new Error(`ingest answered ${result.statusCode}: ${String(result.body).slice(0, 200)}`);
        return { requestBytes: Buffer.byteLength(body), responseBytes: Buffer.byteLength(result.body ?? '') };
      }),
    );
  }
  const writeUnitsPerCall = units.write / sampleSize;

  const readSamples: Sample[] = [];
  for (const call of calls) {
    const started = Date.parse(call.startedAt as string);
    const query = {
      number: (call.customer as { number: string }).number,
      from: new Date(started - 3_600_000).toISOString(),
      to: new Date(started + 3_600_000).toISOString(),
    };
    readSamples.push(
      await measure(async () => {
        const result = await invoke(read, httpEvent({ method: 'GET', routeKey: 'GET /calls', path: '/calls', query, headers: { authorization: READ_KEY } }));
        if (result.statusCode !== 200 || (JSON.parse(result.body ?? '[]') as unknown[]).length !== 1)
          throw new Error(`read answered ${result.statusCode}: ${String(result.body).slice(0, 200)}`);
        return { requestBytes: 0, responseBytes: Buffer.byteLength(result.body ?? '') };
      }),
    );
  }
  const readUnitsPerRead = units.read / sampleSize;

  // The push: the forwarder handler on stream records of the items just written, Cekura stood in for.
  let cekuraRequests = 0;
  const forwarder = createForwarderHandler({
    forward: {
      agentId: 1,
      apiKey: 'bench-cekura-key',
      ignorePushWindow: true,
      runLookup: { apiBaseUrl: 'https://api.cekura.ai' },
      fetch: async (input) => {
        cekuraRequests++;
        const url = String(input instanceof Request ? input.url : input);
        return new Response(url.includes('/runs/') ? '{"count":0,"next":null,"results":[]}' : '{}', {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      },
    },
    deadLetters: async () => undefined,
  });
  const pushSamples: Sample[] = [];
  for (const [i, item] of written.entries()) {
    const event = { Records: [{ eventID: `e${i}`, eventName: 'INSERT' as const, dynamodb: { NewImage: streamImage(item), SequenceNumber: String(i + 1) } }] };
    pushSamples.push(
      await measure(async () => {
        const result = await forwarder(event as never);
        if (result.batchItemFailures.length > 0) throw new Error('the forwarder failed a record');
        return { requestBytes: 0, responseBytes: 0 };
      }),
    );
  }
  const cekuraRequestsPerPush = cekuraRequests / written.length;
  client.destroy();

  // Sizes: each call's table item, and its two index items, as DynamoDB stores them.
  const byDay = CALLS_TABLE.indexes.byDay;
  const byDayNames = new Set<string>([CALLS_TABLE.partitionKey, byDay.partitionKey, byDay.sortKey, ...CALLS_TABLE.projectedAttributes]);
  const byDayItem = (item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).filter(([name]) => byDayNames.has(name)));
  const tableBytes = mean(written.map((item) => itemBytes(item) + ITEM_OVERHEAD_BYTES));
  const indexBytes = mean(written.map((item) => itemBytes(byNumberIndexItem(item)) + itemBytes(byDayItem(item)) + 2 * ITEM_OVERHEAD_BYTES));
  const jsonBytes = calls.map((call) => Buffer.byteLength(JSON.stringify(call)));
  const servedBytes = mean(written.map((item) => Buffer.byteLength(String(item.doc ?? ''))));

  // Per month, at N calls a month.
  const n = options.calls;
  const reads = n * options.readsPerCall;
  const monthsKept = options.retentionDays / DAYS_PER_MONTH;
  const p = PRICES;
  const perMillion = (count: number, price: number) => (count / 1e6) * price;
  const lambda = (invocations: number, samples: Sample[], memoryMb: number) =>
    perMillion(invocations, p.lambda.perMillionRequests) +
    ((invocations * mean(samples.map((s) => lambdaMs(s, memoryMb)))) / 1000) * (memoryMb / 1024) * p.lambda.perGbSecondArm64;
  const pushMs = (s: Sample) => ({ ...s, ms: s.ms + cekuraRequestsPerPush * ASSUMED_CEKURA_ANSWER_MS });
  const logBytes = (invocations: number, samples: Sample[], accessLogged: boolean) =>
    invocations * (mean(samples.map((s) => s.logBytes)) + LAMBDA_PLATFORM_LOG_BYTES + (accessLogged ? accessLogLineBytes(stack.accessLogFormat) : 0));
  const logs = (bytes: number) =>
    (bytes / GB) * (p.cloudWatch.perGbLogsIngested + p.cloudWatch.perGbMonthLogsStored * (SETTING_DEFAULTS.logRetentionDays / DAYS_PER_MONTH));

  const requests = (count: number, samples: Sample[]) => perMillion(count * mean(samples.map((s) => s.meteredRequests)), p.apiGateway.perMillionHttpRequests);
  const monthly = {
    'DynamoDB writes (table + 2 indexes)': perMillion(n * writeUnitsPerCall, p.dynamodb.perMillionWriteUnits),
    'DynamoDB reads': perMillion(reads * readUnitsPerRead, p.dynamodb.perMillionReadUnits),
    [`DynamoDB storage (table + 2 indexes, ${monthsKept.toFixed(1)} months of calls)`]:
      ((n * monthsKept * (tableBytes + indexBytes)) / GB) * p.dynamodb.perGbMonthStored,
    'DynamoDB point-in-time recovery': ((n * monthsKept * tableBytes) / GB) * p.dynamodb.perGbMonthPitr,
    'Lambda (requests and GB-seconds)':
      lambda(n, ingestSamples, stack.memoryMb.ingest) +
      lambda(reads, readSamples, stack.memoryMb.read) +
      lambda(n, pushSamples.map(pushMs), stack.memoryMb.forwarder),
    'API Gateway requests': requests(n, ingestSamples) + requests(reads, readSamples),
    'CloudWatch Logs': logs(logBytes(n, ingestSamples, true) + logBytes(reads, readSamples, true) + logBytes(n, pushSamples, false)),
    'Secrets Manager reads (at most 1 per function per 5 min)':
      ((Math.min(n, SECRET_READS_PER_FUNCTION_MONTH) * 2 + Math.min(reads, SECRET_READS_PER_FUNCTION_MONTH)) / 10_000) * p.secretsManager.per10kApiCalls,
  };
  const floorWriteUnits = mean(jsonBytes.map((b) => Math.ceil(b / 1024)));
  const floorReadUnits = mean(jsonBytes.map((b) => Math.ceil(b / 4096) / 2));
  const floor = {
    'DynamoDB writes (table + 2 indexes)': perMillion(n * floorWriteUnits, p.dynamodb.perMillionWriteUnits),
    'DynamoDB reads': perMillion(n * floorReadUnits, p.dynamodb.perMillionReadUnits),
    [`DynamoDB storage (table + 2 indexes, ${monthsKept.toFixed(1)} months of calls)`]: ((n * monthsKept * mean(jsonBytes)) / GB) * p.dynamodb.perGbMonthStored,
    'DynamoDB point-in-time recovery': 0,
    'Lambda (requests and GB-seconds)': lambda(n, ingestSamples, stack.memoryMb.ingest) + lambda(n, readSamples, stack.memoryMb.read),
    'API Gateway requests': requests(n, ingestSamples) + requests(n, readSamples),
    'CloudWatch Logs': logs(logBytes(n, ingestSamples, true) + logBytes(n, readSamples, true)),
    'Secrets Manager reads (at most 1 per function per 5 min)': 0,
  };
  const fixed = stack.secrets * p.secretsManager.perSecretMonth + stack.alarmMetrics * p.cloudWatch.perAlarmMetricMonth + p.cloudWatch.perCustomMetricMonth;
  const total = Object.values(monthly).reduce((a, b) => a + b, 0);
  const floorTotal = Object.values(floor).reduce((a, b) => a + b, 0);

  const details = {
    prices: PRICES,
    assumptions: {
      ...options,
      endpoint: undefined,
      sample: sampleSize,
      monthsKept,
      ingestCallsPerRequest: 1,
      callsPerRead: 1,
      callsPerPush: 1,
      assumedCekuraAnswerMs: ASSUMED_CEKURA_ANSWER_MS,
      lambdaPlatformLogBytes: LAMBDA_PLATFORM_LOG_BYTES,
    },
    deployed: { ...stack, accessLogFormat: undefined },
    measured: {
      writeUnitsPerCall,
      readUnitsPerRead,
      tableItemBytes: tableBytes,
      indexItemsBytes: indexBytes,
      callJsonBytes: mean(jsonBytes),
      servedJsonBytes: servedBytes,
      lambdaMs: {
        ingest: mean(ingestSamples.map((s) => lambdaMs(s, stack.memoryMb.ingest))),
        read: mean(readSamples.map((s) => lambdaMs(s, stack.memoryMb.read))),
        push: mean(pushSamples.map((s) => lambdaMs(pushMs(s), stack.memoryMb.forwarder))),
      },
      logBytesPerInvocation: {
        ingest: mean(ingestSamples.map((s) => s.logBytes)),
        read: mean(readSamples.map((s) => s.logBytes)),
        push: mean(pushSamples.map((s) => s.logBytes)),
      },
      cekuraRequestsPerPush,
    },
    monthly,
    floor,
    fixed,
  };

  const label = `${n.toLocaleString('en-US')} calls x ${options.messages} msgs (${fmtBytes(servedBytes)}), read ${options.readsPerCall}x, kept ${options.retentionDays} d, pushed once`;
  const rows: Row[] = [
    infoRow({
      id: '7',
      measurement: `AWS cost a month, ${label} (${p.region} list prices, ${p.asOf})`,
      result: `${dollars(total)}/month`,
      floor: `${dollars(floorTotal)} stored once, read once`,
      ratio: ratio(total, floorTotal),
      details,
    }),
  ];
  for (const [name, cost] of Object.entries(monthly).sort((a, b) => b[1] - a[1])) {
    rows.push(
      infoRow({
        id: '7',
        measurement: `  of which ${name}`,
        result: `${dollars(cost)} (${((cost / total) * 100).toFixed(0)}%)`,
        floor: dollars(floor[name] ?? 0),
      }),
    );
  }
  rows.push(
    infoRow({
      id: '7',
      measurement: `  plus, whatever the traffic: ${stack.secrets} secrets, ${stack.alarms} alarms (${stack.alarmMetrics} metrics), 1 custom metric (push on)`,
      result: `${dollars(fixed)}/month`,
    }),
  );
  return rows;
}
