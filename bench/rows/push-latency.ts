/**
 * Row 8: how long after ingest a call leaves local mode for Cekura. Cekura listens for a test call's
 * webhook for 5 minutes after the call ends, so this is the adapter's share of that budget.
 *
 * The local server (`npm start`'s stack: the API Gateway stand-in, the real ingest handler, DynamoDB
 * Local) pushes each stored call in the background, with the run lookup on, to a stand-in for Cekura
 * on loopback (runs API and webhook). Measured per call, sequentially: from sending POST /calls to
 * the stand-in having received the whole push. The floor is the same request's own answer (ingest
 * stored the call), side by side: the ratio is what pushing adds after storing, on this machine.
 * The deployed path adds what docs/performance.md lists (stream batching window, retries).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startLocalApp } from '../../local/app';
import { benchNumber, rng, typicalCall } from '../lib/data';
import { muteStdout } from '../lib/lambda';
import { type Row, ratioRow } from '../lib/report';
import { percentile } from '../lib/stats';

const INGEST_KEY = 'bench-push-ingest-key';
const CALLS = 60;
/** Cekura's window for a test call's webhook, after the call ends. */
const CEKURA_WINDOW_MS = 5 * 60_000;

interface Receiver {
  url: string;
  apiBaseUrl: string;
  /** Resolves when the push carrying this call id has arrived in full. */
  arrival(id: string): Promise<number>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const waiting = new Map<string, (at: number) => void>();
  const arrived = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"count":0,"next":null,"previous":null,"results":[]}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { calls: Array<{ id: string }> };
      for (const { id } of body.calls) {
        arrived.set(id, at);
        waiting.get(id)?.(at);
      }
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/test_framework/custom-provider-transcript-webhook/`,
    apiBaseUrl: origin,
    arrival: (id) => {
      const at = arrived.get(id);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no push of ${id} within 60 s`)), 60_000);
        waiting.set(id, (when) => {
          clearTimeout(timer);
          resolve(when);
        });
      });
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function pushLatencyRows(options: { endpoint: string; progress: (line: string) => void }): Promise<Row[]> {
  const root = path.join(__dirname, '..', '..');
  const receiver = await startReceiver();
  const app = await startLocalApp({
    port: 0,
    env: {
      DYNAMODB_ENDPOINT: options.endpoint,
      TABLE_NAME: 'bench-push-latency',
      READ_API_KEYS: 'bench-push-read-key',
      INGEST_API_KEYS: INGEST_KEY,
      DATA_DIR: path.join(root, 'bench', '.build', 'push-data'),
      CEKURA_AGENT_ID: '4242',
      CEKURA_API_KEY: 'bench-cekura-key',
      CEKURA_WEBHOOK_URL: receiver.url,
      CEKURA_API_BASE_URL: receiver.apiBaseUrl,
    },
  });
  const unmute = muteStdout();
  try {
    const random = rng(8);
    const toPush: number[] = [];
    const toAnswer: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      // Calls that just ended: inside the push window, as a test call's webhook is.
      const id = `push-${Date.now()}-${i}`;
      const call = typicalCall(random, id, benchNumber(i % 5), Date.now() - 5 * 60_000);
      const sent = performance.now();
      const response = await fetch(`${app.url}/calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(call),
      });
      await response.text();
      const answered = performance.now();
      if (response.status !== 200) throw new Error(`POST /calls answered ${response.status}`);
      const arrived = await receiver.arrival(id);
      // The first calls warm the handlers, the connection pools and DynamoDB Local: not counted.
      if (i >= 10) {
        toPush.push(arrived - sent);
        toAnswer.push(answered - sent);
      }
    }
    // Let the last push read its answer: stopping the server aborts a push still in flight (logged as failed).
    await new Promise((resolve) => setTimeout(resolve, 250));
    const p50 = percentile(toPush, 50);
    const p95 = percentile(toPush, 95);
    const max = Math.max(...toPush);
    const floor = percentile(toAnswer, 95);
    options.progress(`  ingest → push p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
    return [
      ratioRow(
        {
          id: '8',
          measurement: `ingest → push received by Cekura's stand-in, local mode, run lookup on (${toPush.length} calls, p95)`,
          result: `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms (${((max / CEKURA_WINDOW_MS) * 100).toFixed(3)}% of Cekura's 5 min)`,
          floor: `POST /calls answered, p95 ${floor.toFixed(1)} ms`,
          ratio: p95 / floor,
          details: { calls: toPush.length, p50Ms: p50, p95Ms: p95, maxMs: max, ingestAnswerP95Ms: floor, cekuraWindowMs: CEKURA_WINDOW_MS },
        },
        3,
      ),
    ];
  } finally {
    unmute();
    await app.stop();
    await receiver.close();
  }
}
