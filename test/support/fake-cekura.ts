/**
 * Cekura's custom-provider webhook, played by a real HTTP server on loopback: records every request
 * and answers each with the next scripted reply (200 when the script is empty).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply = number | 'timeout' | { status: number; body?: string; headers?: Record<string, string> };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface FakeCekura {
  url: string;
  requests: RecordedRequest[];
  /** Replies for the next requests, in order. */
  script(...replies: Reply[]): void;
  /** Or decide per request (wins over the script). */
  respondWith(fn: ((request: RecordedRequest) => Reply) | undefined): void;
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeCekura(path = '/test_framework/custom-provider-transcript-webhook/'): Promise<FakeCekura> {
  const requests: RecordedRequest[] = [];
  const replies: Reply[] = [];
  const hanging = new Set<ServerResponse>();
  let decide: ((request: RecordedRequest) => Reply) | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json };
      requests.push(recorded);
      const reply = decide ? decide(recorded) : (replies.shift() ?? 200);
      if (reply === 'timeout') {
        hanging.add(res);
        return;
      }
      const { status, body: text, headers } = typeof reply === 'number' ? { status: reply, body: status2xx(reply) ? '' : `{"detail":"status ${reply}"}`, headers: {} } : reply;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(text ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    script: (...r) => void replies.push(...r),
    respondWith: (fn) => void (decide = fn),
    waitFor: async (n, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} requests to the fake Cekura, got ${requests.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const status2xx = (s: number) => s >= 200 && s < 300;

/** Everything written to stdout/stderr or through console.* while active (the Powertools logger included). */
export function captureOutput(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const record = (chunk: unknown) => void chunks.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((chunk: unknown) => (record(chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => (record(chunk), true)) as typeof process.stderr.write;
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) console[m] = (...args: unknown[]) => record(`${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`);
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stdout.write = out;
      process.stderr.write = err;
      methods.forEach((m, i) => (console[m] = saved[i]!));
    },
  };
}
