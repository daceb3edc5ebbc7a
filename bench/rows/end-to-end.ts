/**
 * Row 6, for information: the local server (`npm start`'s stack: the API Gateway stand-in, the real
 * handlers, DynamoDB Local) under autocannon, GET at concurrency 1 and 32. autocannon runs in its
 * own process so it does not share the server's event loop; on two cores it still shares the CPU
 * with the server and the JVM, so these figures say more about this machine than about Lambda.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startLocalApp } from '../../local/app';
import { benchNumber, rng, typicalCall } from '../lib/data';
import { muteStdout } from '../lib/lambda';
import { checkRow, type Row } from '../lib/report';

const READ_KEY = 'bench-e2e-read-key';
const INGEST_KEY = 'bench-e2e-ingest-key';
const CALLS = 10;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

export async function endToEndRows(options: { endpoint: string; seconds: number; progress: (line: string) => void }): Promise<Row[]> {
  const root = path.join(__dirname, '..', '..');
  const app = await startLocalApp({
    port: 0,
    env: {
      DYNAMODB_ENDPOINT: options.endpoint,
      TABLE_NAME: 'bench-e2e',
      READ_API_KEYS: READ_KEY,
      INGEST_API_KEYS: INGEST_KEY,
      DATA_DIR: path.join(root, 'bench', '.build', 'e2e-data'),
    },
  });
  const unmute = muteStdout(); // the handlers' log lines
  try {
    const random = rng(6);
    const now = Date.now();
    const calls = Array.from({ length: CALLS }, (_, i) => typicalCall(random, `e2e-${i}`, benchNumber(0), now - (i + 1) * 3_600_000));
    const stored = await fetch(`${app.url}/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(calls),
    });
    if (stored.status !== 200) throw new Error(`POST /calls answered ${stored.status}: ${await stored.text()}`);
    const url = `${app.url.replace('localhost', '127.0.0.1')}/calls?number=${encodeURIComponent(benchNumber(0))}`;
    const check = await fetch(url, { headers: { authorization: READ_KEY } });
    const body = (await check.json()) as unknown[];
    if (check.status !== 200 || body.length !== CALLS) throw new Error(`GET answered ${check.status} with ${body.length} calls`);

    const rows: Row[] = [];
    for (const connections of [1, 32]) {
      options.progress(`  autocannon -c ${connections} -d ${options.seconds}…`);
      const result = await autocannon(root, url, connections, options.seconds);
      const failures = result.errors + result.timeouts + result.non2xx;
      rows.push(
        checkRow(
          {
            id: '6',
            measurement: `GET /calls (${CALLS} calls, ${Math.round(Buffer.byteLength(JSON.stringify(body)) / 1024)} KB) on the local server, concurrency ${connections}, ${options.seconds} s`,
            result: `${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${failures} errors`,
            target: '0 errors',
            details: {
              connections,
              seconds: options.seconds,
              requests: result.requests.total,
              rps: result.requests.average,
              p50Ms: result.latency.p50,
              p99Ms: result.latency.p99,
              errors: result.errors,
              timeouts: result.timeouts,
              non2xx: result.non2xx,
            },
          },
          failures === 0 && result['2xx'] > 0,
        ),
      );
    }
    return rows;
  } finally {
    await app.stop();
    unmute();
  }
}

/** autocannon in a child process (it would otherwise share the server's event loop). */
function autocannon(root: string, url: string, connections: number, seconds: number): Promise<AutocannonResult> {
  const bin = path.join(root, 'node_modules', 'autocannon', 'autocannon.js');
  return new Promise((resolve, reject) => {
    // Async spawn: the server answering autocannon lives in this process's event loop.
    const child = spawn(process.execPath, [bin, '--json', '-c', String(connections), '-d', String(seconds), '-H', `authorization=${READ_KEY}`, url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`autocannon exited ${code}: ${err.slice(-500)}`);
        resolve(JSON.parse(out.trim().split('\n').pop()!) as AutocannonResult);
      } catch (error) {
        reject(error);
      }
    });
  });
}
