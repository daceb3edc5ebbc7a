/**
 * `npm run bench`: the product measured against its physical floor (see docs/performance.md).
 *
 *   npm run bench                       every row, full size; writes bench/results/last-run.json (not tracked)
 *   npm run bench -- --record           the same, and records a full run as bench/results/latest.json, the
 *                                       published figures docs/performance.md quotes (commit it with the page)
 *   npm run bench -- --rows 1,2,5       only some rows (row 8: ingest to the push leaving local mode)
 *   npm run bench -- --calls 20000      row 3's large table at 20,000 calls instead of 100,000
 *   npm run bench -- --rows 7 --cost-calls 50000 --cost-reads 3 --cost-days 30
 *                                       row 7's monthly cost for another use (calls a month, reads of
 *                                       each, days kept, messages per call with --cost-messages)
 *
 * Every figure is a ratio of two things measured side by side in this run, or a count. Exits 1 when
 * a row with a target misses it (or a row could not be measured). A plain run leaves every tracked
 * file as it was; only --record, on a full run, replaces the published results.
 */
import path from 'node:path';
import { withDynamo } from './lib/dynamo';
import { muteStdout } from './lib/lambda';
import { errorRow, formatTable, machine, type Row, writeResults } from './lib/report';
import { coldStartRows } from './rows/cold-start';
import { COST_DEFAULTS, costRows } from './rows/cost';
import { endToEndRows } from './rows/end-to-end';
import { compressionRow, ingestHandlerRows, readHandlerRows } from './rows/handlers';
import { pushLatencyRows } from './rows/push-latency';
import { queryScaleRows } from './rows/query-scale';
import { readUnitsRows } from './rows/read-units';
import { viewerRows } from './rows/viewer';

interface Args {
  rows: Set<number>;
  largeCalls: number;
  rounds: number;
  coldRuns: number;
  seconds: number;
  cost: { calls: number; readsPerCall: number; retentionDays: number; messages: number };
  /** Also write the published results (bench/results/latest.json); full runs only. */
  record: boolean;
}

const ALL_ROWS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const FULL = { largeCalls: 100_000, rounds: 400, coldRuns: 25, seconds: 10 };

function parseArgs(argv: string[]): Args {
  const args: Args = { rows: new Set(ALL_ROWS), ...FULL, cost: { ...COST_DEFAULTS }, record: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const positive = (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive whole number, got ${v}`);
      return n;
    };
    if (flag === '--rows')
      args.rows = new Set(
        value()
          .split(',')
          .map((r) => positive(r.trim())),
      );
    else if (flag === '--calls') args.largeCalls = positive(value());
    else if (flag === '--rounds') args.rounds = positive(value());
    else if (flag === '--cold-runs') args.coldRuns = Math.max(20, positive(value()));
    else if (flag === '--seconds') args.seconds = positive(value());
    else if (flag === '--cost-calls') args.cost.calls = positive(value());
    else if (flag === '--cost-reads') args.cost.readsPerCall = positive(value());
    else if (flag === '--cost-days') args.cost.retentionDays = positive(value());
    else if (flag === '--cost-messages') args.cost.messages = positive(value());
    else if (flag === '--record') args.record = true;
    else if (flag === '--help' || flag === '-h') {
      console.log(
        'usage: npm run bench -- [--record (a full run only: also write bench/results/latest.json)] [--rows 1,2,3,4,5,6,7,8,9] [--calls N (row 3, default 100000)] [--rounds N (rows 1-2)] [--cold-runs N >= 20 (row 5)] [--seconds N (row 6)]\n' +
          '         [--cost-calls N] [--cost-reads N] [--cost-days N] [--cost-messages N] (row 7; defaults 10000 calls a month, 10 reads each, 90 days, 40 messages)',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${flag} (try --help)`);
  }
  for (const r of args.rows) if (!ALL_ROWS.includes(r)) throw new Error(`there is no row ${r}`);
  return args;
}

const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function guarded(id: string, name: string, run: () => Promise<Row[]>): Promise<Row[]> {
  progress(`row ${id}: ${name}…`);
  const started = Date.now();
  try {
    const rows = await run();
    progress(`row ${id}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return rows;
  } catch (error) {
    progress(`row ${id}: failed: ${error instanceof Error ? error.stack : String(error)}`);
    return [errorRow(id, name, error)];
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const rows: Row[] = [];
  const want = (r: number) => args.rows.has(r);
  // The handlers log a line per request, as in Lambda: formatted, not printed over the table.
  const unmute = muteStdout();

  // In-process timings first, in a process nothing else has warmed or filled yet.
  if (want(1)) rows.push(...(await guarded('1', 'read handler overhead', () => readHandlerRows({ rounds: args.rounds }))));
  if (want(2)) rows.push(...(await guarded('2', 'ingest handler overhead', () => ingestHandlerRows({ rounds: Math.ceil(args.rounds / 2) }))));
  if (want(2)) rows.push(...(await guarded('2', 'gzip level', async () => [await compressionRow()])));

  if (want(9)) rows.push(...(await guarded('9', 'viewer: opening a large call', viewerRows)));

  if (want(3) || want(4) || want(5) || want(6) || want(7) || want(8)) {
    await withDynamo(progress, async (endpoint) => {
      // Fresh processes while DynamoDB Local is still idle; they need it only for a first answer.
      if (want(5)) rows.push(...(await guarded('5', 'cold start proxies', () => coldStartRows({ runs: args.coldRuns, endpoint, progress }))));
      if (want(3)) rows.push(...(await guarded('3', 'query cost vs table size', () => queryScaleRows({ endpoint, largeCalls: args.largeCalls, progress }))));
      if (want(4)) rows.push(...(await guarded('4', 'read units per call', () => readUnitsRows({ endpoint }))));
      if (want(6)) rows.push(...(await guarded('6', 'end to end on the local server', () => endToEndRows({ endpoint, seconds: args.seconds, progress }))));
      if (want(7)) rows.push(...(await guarded('7', 'AWS cost a month', () => costRows({ endpoint, ...args.cost }))));
      if (want(8)) rows.push(...(await guarded('8', 'ingest to push, local mode', () => pushLatencyRows({ endpoint, progress }))));
    }).catch((error: unknown) => rows.push(errorRow([3, 4, 5, 6, 7, 8].filter(want).join(','), 'DynamoDB Local', error)));
  }

  unmute();
  const order = (row: Row) => Number.parseInt(row.id, 10);
  rows.sort((a, b) => order(a) - order(b));
  const table = formatTable(rows);
  const failed = rows.filter((r) => r.status === 'FAIL' || r.status === 'ERROR');
  const elapsedSeconds = Math.round((Date.now() - started) / 1000);

  const defaultCost = Object.entries(COST_DEFAULTS).every(([key, value]) => args.cost[key as keyof typeof COST_DEFAULTS] === value);
  const full = ALL_ROWS.every(want) && args.largeCalls === FULL.largeCalls && args.rounds >= FULL.rounds && args.seconds >= FULL.seconds && defaultCost;
  const results = { date: new Date().toISOString(), elapsedSeconds, args: { ...args, rows: [...args.rows] }, machine: machine(), table, rows };
  const files = [path.join(__dirname, 'results', 'last-run.json')];
  if (args.record && full) files.push(path.join(__dirname, 'results', 'latest.json'));
  for (const file of files) writeResults(file, results);

  console.log(`\n${table}\n`);
  console.log(
    `${rows.length - failed.length} of ${rows.length} rows passed or informational; ${failed.length} failed. ${elapsedSeconds} s. Written to ${files.map((f) => path.relative(process.cwd(), f)).join(' and ')}`,
  );
  if (args.record && !full) console.log('--record: not recorded, this was not a full run (every row, full size, the default cost inputs).');
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
