/**
 * Cekura's custom-provider webhook, played by a real HTTP server on loopback: records every request
 * and answers each with the next scripted reply (200 when the script is empty). The same server
 * plays Cekura's runs API (`GET /test_framework/v1/runs/?agent_id=&page_size=&page=`), paginated like
 * Django REST framework (`{ count, next, previous, results }`, `next` absolute), from the runs given
 * to `setRuns`; those requests are recorded apart, in `runRequests`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply = number | 'timeout' | { status: number; body?: string; headers?: Record<string, string> };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: a pushed body as Cekura received it; tests assert on its fields
  json: any;
}

/** A run as Cekura's runs API lists it (the fields the lookup reads, and any others). */
export interface FakeRun {
  id: number;
  agent: number;
  status: string;
  inbound_number?: string | null;
  agent_number?: string | null;
  [field: string]: unknown;
}

export interface RunsApiBehaviour {
  /** Runs per page, whatever page_size asks: forces pagination with few runs. */
  pageSize?: number;
  /** Each runs answer comes this late. */
  delayMs?: number;
  /** Every runs request gets this instead (401, 500, 'timeout', a body that is not JSON). */
  reply?: Reply;
  /** `next` links name this origin instead of the fake's own. */
  nextOrigin?: string;
}

export const RUNS_API_PATH = '/test_framework/v1/runs/';

export interface FakeCekura {
  url: string;
  /** The API base (`http://127.0.0.1:<port>`), for CEKURA_API_BASE_URL. */
  apiBaseUrl: string;
  /** Requests other than the runs API's (the pushes). */
  requests: RecordedRequest[];
  /** Requests to the runs API. */
  runRequests: RecordedRequest[];
  /** The runs the runs API lists (filtered by agent_id), and how it answers. */
  setRuns(runs: FakeRun[], behaviour?: RunsApiBehaviour): void;
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
  const runRequests: RecordedRequest[] = [];
  const replies: Reply[] = [];
  const hanging = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let decide: ((request: RecordedRequest) => Reply) | undefined;
  let runs: FakeRun[] = [];
  let runsBehaviour: RunsApiBehaviour = {};
  let origin = '';
  const answer = (res: ServerResponse, reply: Reply) => {
    if (reply === 'timeout') {
      hanging.add(res);
      return;
    }
    const {
      status,
      body: text,
      headers,
    } = typeof reply === 'number' ? { status: reply, body: status2xx(reply) ? '' : `{"detail":"status ${reply}"}`, headers: {} } : reply;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text ?? '');
  };
  const runsPage = (path: string): Reply => {
    const query = new URL(path, origin).searchParams;
    const agent = query.get('agent_id');
    const listed = agent === null ? runs : runs.filter((run) => String(run.agent) === agent);
    const size = runsBehaviour.pageSize ?? Number(query.get('page_size') ?? 100);
    const page = Number(query.get('page') ?? 1);
    const results = listed.slice((page - 1) * size, page * size);
    const link = (n: number) => {
      const next = new URL(RUNS_API_PATH, runsBehaviour.nextOrigin ?? origin);
      for (const [key, value] of query) if (key !== 'page') next.searchParams.set(key, value);
      next.searchParams.set('page', String(n));
      return next.toString();
    };
    const body = { count: listed.length, next: page * size < listed.length ? link(page + 1) : null, previous: page > 1 ? link(page - 1) : null, results };
    return { status: 200, body: JSON.stringify(body) };
  };
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
      if (req.method === 'GET' && recorded.path.startsWith(RUNS_API_PATH)) {
        runRequests.push(recorded);
        const reply = runsBehaviour.reply ?? runsPage(recorded.path);
        if (!runsBehaviour.delayMs) return answer(res, reply);
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) answer(res, reply);
        }, runsBehaviour.delayMs);
        timers.add(timer);
        return;
      }
      requests.push(recorded);
      answer(res, decide ? decide(recorded) : (replies.shift() ?? 200));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${path}`,
    apiBaseUrl: origin,
    requests,
    runRequests,
    setRuns: (list, behaviour = {}) => {
      runs = list;
      runsBehaviour = behaviour;
    },
    script: (...r) => void replies.push(...r),
    respondWith: (fn) => {
      decide = fn;
    },
    waitFor: async (n, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} requests to the fake Cekura, got ${requests.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const status2xx = (s: number) => s >= 200 && s < 300;

export { captureOutput } from './capture-output';
