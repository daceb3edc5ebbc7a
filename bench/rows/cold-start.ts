/**
 * Row 5: cold start proxies from the bundles `cdk synth` produces: bytes per Lambda, and the time a
 * fresh Node process takes to load each bundle (Node start-up included), as a ratio to an empty
 * handler bundled the same way. The AWS SDK question is settled here too: the read and ingest
 * Lambdas are also bundled with the SDK left out (loaded unbundled from node_modules, as Lambda
 * loads its own copy) and with the SDK bundled from its CommonJS build, and all are timed side by
 * side, to module load and to a first answer from DynamoDB Local.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { createTable, recordingClient } from '../lib/dynamo';
import { checkRow, infoRow, type Row, ratioRow } from '../lib/report';
import { fmtBytes, fmtMs, median, nowMs, ratio } from '../lib/stats';

const ROOT = path.join(__dirname, '..', '..');
const BUILD = path.join(ROOT, 'bench', '.build');
const STACK = 'CekuraCallAdapter';

/**
 * How NodejsFunction runs esbuild for these Lambdas (cdk/constructs/functions.ts): `esbuild --bundle
 * <entry> --target=node22 --platform=node --format=cjs --minify [--external:…] [--main-fields=…]`
 * from the project root. `SHIPPED` must match the construct's bundling options; the row says so when
 * a rebuild with it differs from what `cdk synth` made.
 */
const BASE: esbuild.BuildOptions = { bundle: true, target: 'node22', platform: 'node', format: 'cjs', minify: true, absWorkingDir: ROOT, logLevel: 'error' };
const SHIPPED: esbuild.BuildOptions = { external: [], mainFields: ['module', 'main'] };
const VARIANTS: Record<string, { label: string; options: esbuild.BuildOptions }> = {
  'sdk-esm': { label: 'SDK bundled, tree-shaken from its ES modules', options: { external: [], mainFields: ['module', 'main'] } },
  'sdk-cjs': { label: 'SDK bundled from its CommonJS build', options: { external: [] } },
  'runtime-sdk': { label: "SDK left out: Lambda runtime's copy, unbundled", options: { external: ['@aws-sdk/*'] } },
};
/** Lambdas built both ways, with the request that makes their first answer. */
const COMPARED = ['ReadCalls', 'IngestCalls'] as const;

const READ_KEY = 'cold-read-key';
const INGEST_KEY = 'cold-ingest-key';

interface Bundle {
  lambda: string;
  variant: string;
  file: string;
  bytes: number;
}

interface Timing {
  /** Wall time of `node loader.js bundle`, spawn to exit. */
  process: number[];
  /** Time to require() the bundle, measured inside the process. */
  require: number[];
  /** Wall time of a fresh process that loads the bundle and answers one request (DynamoDB Local here). */
  first: number[];
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `-${c.toLowerCase()}`));

function synth(progress: (line: string) => void): Map<string, { file: string; memory: number; architecture: string }> {
  const out = path.join(BUILD, 'cdk.out');
  rmSync(out, { recursive: true, force: true });
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '-q', '-o', out], {
    cwd: ROOT,
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.status !== 0) throw new Error(`cdk synth failed (${result.status}): ${(result.stderr || result.stdout).slice(-2000)}`);
  progress(`cdk synth done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const template = JSON.parse(readFileSync(path.join(out, `${STACK}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string>; Properties: { MemorySize?: number; Architectures?: string[] } }>;
  };
  const lambdas = new Map<string, { file: string; memory: number; architecture: string }>();
  for (const resource of Object.values(template.Resources)) {
    const cdkPath = resource.Metadata?.['aws:cdk:path'] ?? '';
    const asset = resource.Metadata?.['aws:asset:path'];
    const match = /\/Functions\/(\w+)\/Resource$/.exec(cdkPath);
    if (resource.Type !== 'AWS::Lambda::Function' || !match || !asset) continue;
    lambdas.set(match[1]!, {
      file: path.join(out, asset, 'index.js'),
      memory: resource.Properties.MemorySize ?? 128,
      architecture: resource.Properties.Architectures?.[0] ?? 'x86_64',
    });
  }
  if (!lambdas.has('ReadCalls')) throw new Error('the synthesized template has no ReadCalls Lambda');
  return lambdas;
}

async function build(entry: string, dir: string, options: esbuild.BuildOptions): Promise<string> {
  const outfile = path.join(BUILD, 'bundles', dir, 'index.js');
  await esbuild.build({ ...BASE, ...options, entryPoints: [entry], outfile });
  return outfile;
}

/** The script each fresh process runs: require the bundle, optionally answer one request. */
const LOADER = `
const { performance } = require('node:perf_hooks');
const t0 = performance.now();
const mod = require(process.argv[2]);
const required = performance.now() - t0;
const done = (extra) => { process.stderr.write('BENCH ' + JSON.stringify({ required, ...extra }) + '\\n'); process.exit(0); };
if (!process.argv[3]) done({});
else {
  const context = { awsRequestId: 'cold', functionName: 'cold', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cold', memoryLimitInMB: '512', logGroupName: 'cold', logStreamName: 'cold', getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: false };
  Promise.resolve(mod.handler(JSON.parse(process.argv[3]), context)).then((r) => done({ first: performance.now() - t0, status: r && r.statusCode }), (e) => done({ error: String(e) }));
}
`;

function event(method: string, routeKey: string, rawPath: string, headers: Record<string, string>, query?: Record<string, string>, body?: string) {
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(query ?? {}).toString(),
    headers: { host: 'abc123.execute-api.us-east-1.amazonaws.com', ...headers },
    queryStringParameters: query,
    body,
    isBase64Encoded: false,
    requestContext: {
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'bench' },
      requestId: 'cold',
      routeKey,
      stage: '$default',
      timeEpoch: 0,
    },
  };
}

const FIRST_REQUEST: Record<(typeof COMPARED)[number], ReturnType<typeof event>> = {
  ReadCalls: event('GET', 'GET /calls', '/calls', { authorization: READ_KEY }, { number: '+14155550000' }),
  IngestCalls: event(
    'POST',
    'POST /calls',
    '/calls',
    { authorization: INGEST_KEY, 'content-type': 'application/json' },
    undefined,
    JSON.stringify({
      id: 'cold-1',
      startedAt: '2025-03-11T10:00:00Z',
      endedAt: '2025-03-11T10:01:00Z',
      customer: { number: '+14155550000' },
      messages: [{ role: 'bot', content: 'Hi', start_time: 0.5, end_time: 1 }],
    }),
  ),
};

export interface ColdStartOptions {
  runs: number;
  endpoint: string;
  progress: (line: string) => void;
}

export async function coldStartRows(options: ColdStartOptions): Promise<Row[]> {
  const { progress } = options;
  mkdirSync(BUILD, { recursive: true });
  const shipped = synth(progress);

  const bundles: Bundle[] = [];
  const add = (lambda: string, variant: string, file: string) => bundles.push({ lambda, variant, file, bytes: statSync(file).size });
  const emptyEntry = path.join(BUILD, 'empty-handler.ts');
  writeFileSync(emptyEntry, 'export const handler = async () => ({ statusCode: 200, body: "" });\n');
  add('Empty', 'shipped', await build(emptyEntry, 'empty', SHIPPED));
  for (const [lambda, info] of shipped) add(lambda, 'shipped', info.file);

  // Is the shipped config the one this row rebuilds? Then the variants below compare like with like.
  const drift: string[] = [];
  for (const lambda of shipped.keys()) {
    const entry = path.join(ROOT, 'functions', `${kebab(lambda)}.ts`);
    if (!existsSync(entry)) continue;
    const rebuilt = await build(entry, `check/${lambda}`, SHIPPED);
    if (readFileSync(rebuilt).compare(readFileSync(shipped.get(lambda)!.file)) !== 0) drift.push(lambda);
  }
  const shippedVariant = Object.entries(VARIANTS).find(([, v]) => JSON.stringify(v.options) === JSON.stringify(SHIPPED))![0];
  for (const lambda of COMPARED) {
    for (const [variant, { options: opts }] of Object.entries(VARIANTS)) {
      if (variant === shippedVariant) continue;
      add(lambda, variant, await build(path.join(ROOT, 'functions', `${kebab(lambda)}.ts`), `${variant}/${lambda}`, opts));
    }
  }
  const loader = path.join(BUILD, 'load.js');
  writeFileSync(loader, LOADER);

  // A table for the first requests, and an environment like Lambda's (credentials in env vars).
  const table = 'bench-cold-start';
  const { client } = recordingClient(options.endpoint);
  await createTable(client, table);
  client.destroy();
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: 'cold',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    POWERTOOLS_SERVICE_NAME: 'cekura-call-adapter',
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: options.endpoint,
    READ_API_KEYS: READ_KEY,
    INGEST_API_KEYS: INGEST_KEY,
  };

  type Task = { bundle: Bundle; request?: string };
  const tasks: Task[] = bundles.flatMap((bundle) => {
    const request = (COMPARED as readonly string[]).includes(bundle.lambda)
      ? JSON.stringify(FIRST_REQUEST[bundle.lambda as (typeof COMPARED)[number]])
      : undefined;
    return request ? [{ bundle }, { bundle, request }] : [{ bundle }];
  });
  const timings = new Map<Bundle, Timing>(bundles.map((b) => [b, { process: [], require: [], first: [] }]));
  const runOnce = (task: Task) => {
    const args = ['--no-warnings', loader, task.bundle.file, ...(task.request ? [task.request] : [])];
    const start = nowMs();
    const result = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 30_000, cwd: path.dirname(task.bundle.file) });
    const elapsed = nowMs() - start;
    const line = /BENCH (\{.*\})/.exec(result.stderr ?? '')?.[1];
    if (result.status !== 0 || !line) throw new Error(`loading ${task.bundle.lambda} (${task.bundle.variant}) failed: ${(result.stderr ?? '').slice(-1500)}`);
    const report = JSON.parse(line) as { required: number; first?: number; status?: number; error?: string };
    if (report.error || (task.request && report.status !== 200))
      throw new Error(`${task.bundle.lambda} (${task.bundle.variant}) answered ${report.status ?? report.error}`);
    const timing = timings.get(task.bundle)!;
    if (task.request) timing.first.push(elapsed);
    else {
      timing.process.push(elapsed);
      timing.require.push(report.required);
    }
  };
  for (const task of tasks) runOnce(task); // warm the page cache and DynamoDB Local's JIT
  progress(`timing ${bundles.length} bundles x ${options.runs} fresh processes…`);
  for (let round = 0; round < options.runs; round++) {
    for (let k = 0; k < tasks.length; k++) runOnce(tasks[(round + k) % tasks.length]!);
  }

  const m = (bundle: Bundle) => {
    const t = timings.get(bundle)!;
    return { process: median(t.process), require: median(t.require), first: t.first.length ? median(t.first) : undefined };
  };
  const empty = bundles.find((b) => b.lambda === 'Empty')!;
  const emptyMs = m(empty).process;
  const rows: Row[] = [];
  for (const bundle of bundles.filter((b) => b.variant === 'shipped' && b.lambda !== 'Empty')) {
    const info = shipped.get(bundle.lambda)!;
    const t = m(bundle);
    const row = {
      id: '5',
      measurement: `${bundle.lambda} bundle as synthesized (${fmtBytes(bundle.bytes)}): load in a fresh node`,
      result: fmtMs(t.process),
      floor: `${fmtMs(emptyMs)} empty bundle`,
      ratio: ratio(t.process, emptyMs),
      details: {
        bytes: bundle.bytes,
        requireMs: t.require,
        firstAnswerMs: t.first,
        emptyBundleBytes: empty.bytes,
        emptyRequireMs: m(empty).require,
        memoryMB: info.memory,
        architecture: info.architecture,
        runs: options.runs,
      },
    };
    rows.push(bundle.lambda === 'ReadCalls' ? ratioRow(row, 2.5) : infoRow(row));
  }

  for (const lambda of COMPARED) {
    const candidates = bundles.filter((b) => b.lambda === lambda);
    for (const bundle of candidates) {
      const t = m(bundle);
      const variant = bundle.variant === 'shipped' ? shippedVariant : bundle.variant;
      rows.push(
        infoRow({
          id: '5',
          measurement: `${lambda}, ${VARIANTS[variant]!.label}${bundle.variant === 'shipped' ? ' (shipped)' : ''}: ${fmtBytes(bundle.bytes)}`,
          result: `load ${fmtMs(t.process)}; to first answer ${fmtMs(t.first!)}`,
          floor: `${fmtMs(emptyMs)} empty bundle`,
          ratio: ratio(t.process, emptyMs),
          details: { variant, bytes: bundle.bytes, processMs: t.process, requireMs: t.require, firstAnswerMs: t.first },
        }),
      );
    }
    const fastest = (key: 'process' | 'first') => Math.min(...candidates.map((b) => m(b)[key]!));
    const ship = candidates.find((b) => b.variant === 'shipped')!;
    // A cold start is the load and the first answer: decided on that, within 5% (closer than that,
    // this noisy machine cannot tell them apart).
    const pass = m(ship).first! <= fastest('first') * 1.05;
    rows.push(
      checkRow(
        {
          id: '5',
          measurement: `${lambda}: the shipped bundling is the fastest to a first answer`,
          result: `shipped ${VARIANTS[shippedVariant]!.label.split(',')[0]}`,
          target: 'fastest (5%)',
          details: Object.fromEntries(candidates.map((b) => [b.variant === 'shipped' ? shippedVariant : b.variant, m(b)])),
        },
        pass,
      ),
    );
  }
  if (drift.length > 0) {
    rows.push(
      checkRow(
        {
          id: '5',
          measurement: `bench rebuild matches cdk synth's bundles`,
          result: `differs for ${drift.join(', ')}: update SHIPPED in bench/rows/cold-start.ts`,
          target: 'identical',
        },
        false,
      ),
    );
  }
  return rows;
}
