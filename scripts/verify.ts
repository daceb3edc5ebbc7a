/**
 * VERIFY_API_KEY=<key> npm run -s verify -- --url <endpoint> [--number +1...] [--json] [--strict]
 *
 * Calls a transcript endpoint exactly as Cekura does and names each problem. Exit code 0 when no
 * check failed (warnings allowed unless --strict), 1 when one did, 2 for a usage error. The key
 * comes from VERIFY_API_KEY (or --key): npm echoes a script's arguments in its banner, and `-s`
 * drops that banner, so `--json` output is JSON alone, ready for `| jq`. The key is never printed.
 */
import { parseArgs } from 'node:util';
import { formatReport, verifyEndpoint } from '../lib/verify/run';
import { UsageError, verifyUrl } from './adapter-url';

const USAGE =
  'usage: VERIFY_API_KEY=<read key> npm run -s verify -- --url <endpoint> [--number +16505551234] [--json] [--strict] [--timeout-ms 30000]\n' +
  "  --url         the stack's ApiUrl output, with or without /calls (http://localhost:3000 for npm start),\n" +
  '                or any other transcript endpoint, called exactly as given (its query string included)\n' +
  '  --number      also check that calls for this customer number (E.164) are served\n' +
  '  --json        print the report as JSON (with -s, stdout is the JSON alone)\n' +
  '  --strict      exit 1 on a warning too\n' +
  '  --timeout-ms  per request (default 30000)\n' +
  '  --key         the read key (VERIFY_API_KEY is better: npm prints --key in its banner unless -s is given)\n' +
  'exit code: 0 nothing failed, 1 a check failed, 2 usage error';

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (text: string) => void = (t) => process.stdout.write(`${t}\n`),
): Promise<number> {
  const options = {
    url: { type: 'string' },
    key: { type: 'string' },
    number: { type: 'string' },
    json: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    'timeout-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  } as const;
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({
      args: argv,
      options,
      strict: true,
    }));
  } catch (error) {
    out(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const key = values.key ?? env.VERIFY_API_KEY;
  if (!values.url || !key) {
    out(`--url and --key (or VERIFY_API_KEY) are required\n${USAGE}`);
    return 2;
  }
  let url: URL;
  try {
    url = verifyUrl(values.url);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out(`${error.message}\n${USAGE}`);
    return 2;
  }
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    out(`--timeout-ms must be a whole number of milliseconds, got ${JSON.stringify(values['timeout-ms'])}\n${USAGE}`);
    return 2;
  }
  const report = await verifyEndpoint({ url: url.href, key, number: values.number, timeoutMs });
  out(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  const failed = report.counts.fail > 0 || (values.strict && report.counts.warn > 0);
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`verify: ${(error as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
