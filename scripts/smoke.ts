/**
 * After a deploy, one command that proves the deployment works:
 *
 *   npm run -s smoke -- --stack <name> [--region <region>]
 *       reads the stack's outputs (CloudFormation) and its keys (Secrets Manager) with your AWS credentials;
 *   SMOKE_READ_KEY=… SMOKE_INGEST_KEY=… npm run -s smoke -- --url <api url>
 *       any endpoint, the local server included (--read-key / --ingest-key also work, and the
 *       READ_KEY / INGEST_KEY that `npm start` prints are used when nothing else is given).
 *
 * Checks, one line each: the OpenAPI description answers; missing and wrong keys get 401; a
 * synthetic call under a reserved test number (lib/operations/smoke.ts) is stored, read back exactly through
 * `GET /calls?number=` and `GET /calls/{number}`, and erased; the viewer page loads (skipped when the
 * endpoint has none); with push to Cekura on, its dead-letter queue is empty, and with Amazon Connect on,
 * the Connect Lambda's (--stack only). The
 * synthetic call is erased whatever else failed. Exit 0 only when no check failed; 2 on a usage
 * error. No key is ever printed.
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import * as v from 'valibot';
import { type CallInput, CallSchema } from '../lib/call';
import { SMOKE_ID_PREFIX, SMOKE_NUMBER } from '../lib/operations/smoke';
import { adapterFetch, adapterUrls, describeNetworkError, RedirectError, UnreachableError, UsageError } from './adapter-url';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  status: CheckStatus;
  detail: string;
}

export interface SmokeTarget {
  /** The API's base URL (`ApiUrl`). */
  url: string;
  readKey: string;
  ingestKey: string;
  /** Set with --stack when push to Cekura is on. */
  deadLetterQueueUrl?: string | undefined;
  /** Set with --stack when the Amazon Connect pipeline is on (context amazonConnect). */
  connectDeadLetterQueueUrl?: string | undefined;
  /** Where the target came from: the DLQ check needs the stack. */
  from: 'stack' | 'url';
}

export interface SmokeOptions {
  /** Messages waiting in a queue (SQS ApproximateNumberOfMessages + NotVisible); only for the DLQ check. */
  queueDepth?: (queueUrl: string) => Promise<number>;
  /** Per request. */
  timeoutMs?: number;
  /** How long a read waits for the index to catch up with a write (deployed GSIs lag a little). */
  settleMs?: number;
  now?: () => number;
}

// ---------- the stack's outputs ----------

export interface StackOutput {
  OutputKey?: string | undefined;
  OutputValue?: string | undefined;
}

export interface StackOutputs {
  url: string;
  readKeysSecretName: string;
  ingestKeysSecretName: string;
  deadLetterQueueUrl: string | undefined;
  /** Only when the stack has one. */
  connectDeadLetterQueueUrl?: string;
}

/** The outputs `cdk deploy` prints (cdk/stack.ts), by name; a missing one is named in the error. */
export function mapStackOutputs(outputs: readonly StackOutput[], stackName = 'the stack'): StackOutputs {
  const byKey = new Map(outputs.flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue] as const] : [])));
  const required = ['ApiUrl', 'ReadKeysSecretName', 'IngestKeysSecretName'] as const;
  const missing = required.filter((key) => !byKey.has(key));
  if (missing.length > 0) throw new Error(`${stackName} has no output ${missing.join(', ')}: is it a Cekura call adapter stack, deployed completely?`);
  return {
    url: byKey.get('ApiUrl')!,
    readKeysSecretName: byKey.get('ReadKeysSecretName')!,
    ingestKeysSecretName: byKey.get('IngestKeysSecretName')!,
    deadLetterQueueUrl: byKey.get('CekuraDeadLetterQueueUrl'),
    ...(byKey.has('ConnectDeadLetterQueueUrl') ? { connectDeadLetterQueueUrl: byKey.get('ConnectDeadLetterQueueUrl')! } : {}),
  };
}

/** A key secret holds one key or several, comma-separated, the newest last (`npm run keys -- rotate`). */
export function newestKey(secretString: string | undefined, secretName: string): string {
  const keys = (secretString ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (keys.length === 0) throw new Error(`the secret ${secretName} holds no key`);
  return keys[keys.length - 1]!;
}

/** What `--stack` needs from AWS: the SDK clients' `send`, narrowed so a test can stand in for them. */
export interface StackClients {
  describeStackOutputs(stackName: string): Promise<readonly StackOutput[]>;
  secretString(secretId: string): Promise<string | undefined>;
}

export async function targetFromStack(stackName: string, clients: StackClients): Promise<SmokeTarget> {
  const outputs = mapStackOutputs(await clients.describeStackOutputs(stackName), `stack ${stackName}`);
  const [read, ingest] = await Promise.all([clients.secretString(outputs.readKeysSecretName), clients.secretString(outputs.ingestKeysSecretName)]);
  return {
    url: outputs.url,
    readKey: newestKey(read, outputs.readKeysSecretName),
    ingestKey: newestKey(ingest, outputs.ingestKeysSecretName),
    deadLetterQueueUrl: outputs.deadLetterQueueUrl,
    ...(outputs.connectDeadLetterQueueUrl ? { connectDeadLetterQueueUrl: outputs.connectDeadLetterQueueUrl } : {}),
    from: 'stack',
  };
}

/** The real AWS clients, loaded only for --stack. */
async function awsClients(region: string | undefined): Promise<StackClients & { queueDepth: (url: string) => Promise<number> }> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const { SQSClient, GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const config = region ? { region } : {};
  const cloudFormation = new CloudFormationClient(config);
  const secrets = new SecretsManagerClient(config);
  const sqs = new SQSClient(config);
  return {
    describeStackOutputs: async (stackName) => {
      const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
      return Stacks?.[0]?.Outputs ?? [];
    },
    secretString: async (secretId) => (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString,
    queueDepth: async (queueUrl) => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    },
  };
}

// ---------- the checks ----------

/** The synthetic call: every kind of message, times already as served, under the reserved number. */
export function smokeCall(now: number): CallInput {
  const start = now - 90_000;
  return {
    id: `${SMOKE_ID_PREFIX}${new Date(now).toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`,
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + 60_000).toISOString(),
    customer: { number: SMOKE_NUMBER, name: 'Smoke Test' },
    messages: [
      { role: 'bot', content: 'Hi, this is the smoke test. How can I help?', start_time: 0.5, end_time: 2.25 },
      { role: 'user', content: 'Book me for Tuesday, please.', start_time: 3, end_time: 4.5 },
      { role: 'function_call', content: '', start_time: 5, end_time: 5.1, data: { id: 'smoke_tool_1', name: 'book', arguments: '{"day":"tuesday"}' } },
      { role: 'function_call_result', content: '', start_time: 5.1, end_time: 5.3, data: { id: 'smoke_tool_1', name: 'book', result: 'ok' } },
      { role: 'bot', content: 'Booked for Tuesday. Goodbye!', start_time: 6, end_time: 7.5 },
    ],
    endedReason: 'smoke-test',
    metadata: { smokeTest: true },
  };
}

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

function client(baseUrl: string, timeoutMs: number) {
  const { base } = adapterUrls(baseUrl);
  return async (method: string, path: string, options: { key?: string; body?: unknown } = {}): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await adapterFetch(`${base}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      timeoutMs,
    });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    let body: unknown = text;
    if (/json/.test(contentType)) {
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the check says what it got.
      }
    }
    return { status: response.status, contentType, body };
  };
}

const errorText = (error: unknown) => (error instanceof RedirectError || error instanceof UnreachableError ? error.message : describeNetworkError(error));
const short = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 160);

type Outcome = Omit<CheckResult, 'id'>;

/** Runs `attempt` until it passes or `settleMs` is over (a deployed index answers a write a little later). */
async function settled(settleMs: number, attempt: () => Promise<Outcome>): Promise<Outcome> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const result = await attempt();
    if (result.status === 'pass' || Date.now() >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

export async function runSmoke(target: SmokeTarget, options: SmokeOptions = {}): Promise<CheckResult[]> {
  const request = client(target.url, options.timeoutMs ?? 10_000);
  const settleMs = options.settleMs ?? 5_000;
  const results: CheckResult[] = [];
  // Once the endpoint cannot be reached at all (nothing there, or a redirect), every other check would fail the same way.
  let unreachable: string | undefined;
  const check = async (id: string, run: () => Promise<Outcome>): Promise<CheckResult> => {
    let result: CheckResult;
    if (unreachable !== undefined) {
      result = { id, status: 'skip', detail: `not run: ${unreachable}` };
    } else {
      try {
        result = { id, ...(await run()) };
      } catch (error) {
        result = { id, status: 'fail', detail: errorText(error) };
        if (error instanceof RedirectError || error instanceof UnreachableError)
          unreachable = error instanceof RedirectError ? 'the endpoint redirects' : 'the endpoint cannot be reached';
      }
    }
    results.push(result);
    return result;
  };
  const pass = (detail: string) => ({ status: 'pass' as const, detail });
  const fail = (detail: string) => ({ status: 'fail' as const, detail });
  const skip = (detail: string) => ({ status: 'skip' as const, detail });

  await check('openapi', async () => {
    const answer = await request('GET', '/openapi.json');
    const version = (answer.body as { openapi?: unknown } | undefined)?.openapi;
    if (answer.status === 200 && typeof version === 'string') return pass(`GET /openapi.json: 200, OpenAPI ${version}`);
    return fail(`GET /openapi.json answered ${answer.status} ${short(answer.body)}`);
  });

  await check('auth', async () => {
    const wrong = `smoke-wrong-${randomBytes(12).toString('hex')}`;
    const probes: Array<[string, string, string, string | undefined]> = [
      ['GET /calls, no key', 'GET', '/calls', undefined],
      ['GET /calls, a wrong key', 'GET', '/calls', wrong],
      ['GET /calls, the ingest key', 'GET', '/calls', target.ingestKey],
      ['POST /calls, no key', 'POST', '/calls', undefined],
      ['POST /calls, the read key', 'POST', '/calls', target.readKey],
      ['DELETE /calls, the read key', 'DELETE', `/calls?id=${SMOKE_ID_PREFIX}none`, target.readKey],
    ];
    const wrongAnswers: string[] = [];
    for (const [name, method, path, key] of probes) {
      const answer = await request(method, path, { key, ...(method === 'POST' ? { body: [] } : {}) });
      if (answer.status !== 401) wrongAnswers.push(`${name}: ${answer.status}`);
    }
    return wrongAnswers.length === 0
      ? pass(`${probes.length} requests with a missing or wrong key: all 401`)
      : fail(`expected 401: ${wrongAnswers.join('; ')}`);
  });

  const call = smokeCall((options.now ?? Date.now)());
  const expected = v.parse(CallSchema, call);
  const stored = await check('store', async () => {
    const answer = await request('POST', '/calls', { key: target.ingestKey, body: call });
    const body = answer.body as { stored?: unknown; ids?: unknown };
    if (answer.status === 200 && body.stored === 1 && isDeepStrictEqual(body.ids, [call.id]))
      return pass(`POST /calls: 200, stored ${call.id} under ${SMOKE_NUMBER}`);
    return fail(`POST /calls answered ${answer.status} ${short(answer.body)}`);
  });

  const window = `from=${encodeURIComponent(new Date(Date.parse(call.startedAt) - 60_000).toISOString())}&to=${encodeURIComponent(new Date(Date.parse(call.endedAt) + 10 * 60_000).toISOString())}`;
  const readBack = (route: string, path: string) =>
    check(`read ${route}`, async () => {
      if (stored.status !== 'pass') return skip('nothing was stored to read');
      return settled(settleMs, async () => {
        const answer = await request('GET', path, { key: target.readKey });
        if (answer.status !== 200 || !Array.isArray(answer.body)) return fail(`GET ${route} answered ${answer.status} ${short(answer.body)}`);
        const found = (answer.body as Array<{ id?: unknown }>).filter((c) => c.id === call.id);
        if (found.length !== 1) return fail(`GET ${route}: the stored call is ${found.length === 0 ? 'not served' : 'served twice'}`);
        if (!isDeepStrictEqual(found[0], expected)) return fail(`GET ${route}: the call served differs from the call stored: ${short(found[0])}`);
        return pass(`GET ${route}: 200, the call exactly as stored`);
      });
    });
  await readBack('/calls?number=', `/calls?number=${encodeURIComponent(SMOKE_NUMBER)}&${window}`);
  await readBack('/calls/{number}', `/calls/${encodeURIComponent(SMOKE_NUMBER)}?${window}`);

  // Always, when something may have been stored: the synthetic call must not stay behind.
  await check('erase', async () => {
    if (stored.status === 'skip') return skip('nothing was stored to erase');
    const answer = await request('DELETE', `/calls?id=${encodeURIComponent(call.id)}`, { key: target.ingestKey });
    const deleted = (answer.body as { deleted?: unknown } | undefined)?.deleted;
    if (stored.status === 'fail') {
      // Erased in case the store answered wrongly but stored it anyway; nothing else to check.
      return answer.status === 200
        ? skip(`nothing was stored (DELETE /calls?id= answered 200, deleted ${String(deleted)})`)
        : skip('nothing was stored to erase');
    }
    if (answer.status !== 200 || deleted !== 1) return fail(`DELETE /calls?id= answered ${answer.status} ${short(answer.body)}`);
    const gone = await settled(settleMs, async () => {
      const after = await request('GET', `/calls?number=${encodeURIComponent(SMOKE_NUMBER)}&${window}`, { key: target.readKey });
      const still = Array.isArray(after.body) && (after.body as Array<{ id?: unknown }>).some((c) => c.id === call.id);
      return after.status === 200 && !still ? pass('') : fail(after.status === 200 ? 'still served after it was deleted' : `GET answered ${after.status}`);
    });
    return gone.status === 'pass'
      ? pass('DELETE /calls?id=: 200, deleted 1; no longer served')
      : fail(`DELETE /calls?id= answered 200, deleted 1, but the call is ${gone.detail}`);
  });

  await check('viewer', async () => {
    const answer = await request('GET', '/');
    if (answer.status === 404) return skip('GET / answered 404: this endpoint has no viewer page');
    if (answer.status === 200 && answer.contentType.startsWith('text/html')) return pass('GET /: 200 text/html');
    return fail(`GET / answered ${answer.status} ${answer.contentType || '(no content type)'}`);
  });

  await check('dead-letter queue', async () => {
    if (target.from === 'url') return skip('--url: the queue is looked at with --stack only');
    if (!target.deadLetterQueueUrl) return skip('push to Cekura is off: no dead-letter queue');
    if (!options.queueDepth) return skip('no way to read the queue');
    const depth = await options.queueDepth(target.deadLetterQueueUrl);
    return depth === 0 ? pass('empty') : fail(`${depth} message(s) waiting: calls that could not be pushed to Cekura (see npm run cekura -- redrive)`);
  });

  // Only on a stack with the Amazon Connect pipeline: other deployments print no line for it.
  const connectQueue = target.connectDeadLetterQueueUrl;
  if (connectQueue) {
    await check('connect dead-letter queue', async () => {
      if (!options.queueDepth) return skip('no way to read the queue');
      const depth = await options.queueDepth(connectQueue);
      return depth === 0
        ? pass('empty')
        : fail(`${depth} message(s) waiting: Amazon Connect analysis files not stored (the Lambda's log says why; docs/amazon-connect.md)`);
    });
  }

  return results;
}

/** One line per check, then a summary line. */
export function formatResults(results: readonly CheckResult[]): string {
  const width = results.reduce((widest, r) => Math.max(widest, r.id.length), 0);
  const lines = results.map((r) => `${r.status.toUpperCase().padEnd(4)}  ${r.id.padEnd(width)}  ${r.detail}`);
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  const failed = count('fail');
  lines.push(`smoke: ${count('pass')} passed, ${failed} failed, ${count('skip')} skipped: ${failed === 0 ? 'OK' : 'FAILED'}`);
  return lines.join('\n');
}

const USAGE =
  'usage: npm run -s smoke -- --stack <stack name> [--region <region>]\n' +
  '       SMOKE_READ_KEY=<read key> SMOKE_INGEST_KEY=<ingest key> npm run -s smoke -- --url <ApiUrl>\n' +
  '  --stack       a deployed stack (CekuraCallAdapter by default in cdk/bin/app.ts): its outputs and keys are read\n' +
  '                with your AWS credentials (cloudformation:DescribeStacks, secretsmanager:GetSecretValue,\n' +
  '                sqs:GetQueueAttributes when push is on)\n' +
  "  --url         any adapter: the stack's ApiUrl output, with or without /calls (http://localhost:3000 for npm start)\n" +
  '  --read-key / --ingest-key  also work, and READ_KEY / INGEST_KEY as `npm start` prints them\n' +
  'It stores a synthetic call under +12015550199, reads it back, erases it. exit code: 0 no check failed, 1 one did, 2 usage error';

export interface MainDependencies {
  /** Stands in for the AWS clients (tests). */
  stackClients?: (region: string | undefined) => Promise<StackClients & { queueDepth?: (url: string) => Promise<number> }>;
  out?: (text: string) => void;
  settleMs?: number;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, deps: MainDependencies = {}): Promise<number> {
  const out = deps.out ?? ((text: string) => process.stdout.write(`${text}\n`));
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        options: {
          stack: { type: 'string' },
          region: { type: 'string' },
          url: { type: 'string' },
          'read-key': { type: 'string' },
          'ingest-key': { type: 'string' },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
      });
    } catch (error) {
      return error as Error;
    }
  })();
  if (parsed instanceof Error) {
    out(`${parsed.message}\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if ((values.stack === undefined) === (values.url === undefined)) {
    out(`give either --stack or --url\n${USAGE}`);
    return 2;
  }

  let target: SmokeTarget;
  let queueDepth: ((url: string) => Promise<number>) | undefined;
  if (values.stack !== undefined) {
    try {
      const clients = await (deps.stackClients ?? awsClients)(values.region);
      queueDepth = clients.queueDepth;
      target = await targetFromStack(values.stack, clients);
    } catch (error) {
      out(formatResults([{ id: 'stack', status: 'fail', detail: `could not read stack ${values.stack}: ${errorText(error)}` }]));
      return 1;
    }
  } else {
    const readKey = values['read-key'] ?? env.SMOKE_READ_KEY ?? env.READ_KEY;
    const ingestKey = values['ingest-key'] ?? env.SMOKE_INGEST_KEY ?? env.INGEST_KEY;
    if (!readKey || !ingestKey) {
      out(`--url needs both keys (--read-key and --ingest-key, or SMOKE_READ_KEY and SMOKE_INGEST_KEY)\n${USAGE}`);
      return 2;
    }
    try {
      adapterUrls(values.url!);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      out(`${error.message}\n${USAGE}`);
      return 2;
    }
    target = { url: values.url!, readKey, ingestKey, from: 'url' };
  }

  const results = await runSmoke(target, { queueDepth, settleMs: deps.settleMs });
  out(formatResults(results));
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`smoke: ${errorText(error)}\n`);
      process.exitCode = 2;
    },
  );
}
