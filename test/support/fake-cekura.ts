/**
 * Cekura's custom-provider webhook, played by a real HTTP server on loopback: records every request
 * and answers each with the next scripted reply (200 when the script is empty). The same server
 * plays Cekura's runs API (`GET /test_framework/v1/runs/?agent_id=&page_size=&page=`), paginated like
 * Django REST framework (`{ count, next, previous, results }`, `next` absolute), from the runs given
 * to `setRuns`; those requests are recorded apart, in `runRequests`. And it plays Cekura Observe
 * (`POST /observability/v1/observe/`), recorded in `observeRequests`: each body is checked the way
 * Cekura's API reference and its observability skill describe it (required `call_id` of at most 100
 * characters, an `agent`, `transcript_type`, Title Case roles, tool entries with `data`, times in
 * seconds from the start, optional keys absent rather than empty) and refused with a 400 naming the
 * field as Django REST framework does; a valid call is answered 201, and 409 when its call_id was
 * seen before (Cekura already has it).
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
export const OBSERVE_API_PATH = '/observability/v1/observe/';

export interface FakeCekura {
  url: string;
  /** The API base (`http://127.0.0.1:<port>`), for CEKURA_API_BASE_URL. */
  apiBaseUrl: string;
  /** Requests other than the runs API's (the pushes). */
  requests: RecordedRequest[];
  /** Requests to the runs API. */
  runRequests: RecordedRequest[];
  /** Requests to Observe (valid or not). */
  observeRequests: RecordedRequest[];
  /** Replies for the next Observe requests, in order, before the body is checked (empty: check it, then 201 or 409). */
  scriptObserve(...replies: Reply[]): void;
  /** Resolves once `n` Observe requests have arrived. */
  waitForObserve(n: number, timeoutMs?: number): Promise<void>;
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
  const observeRequests: RecordedRequest[] = [];
  const observeReplies: Reply[] = [];
  const observedCallIds = new Set<string>();
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
      if (recorded.path.split('?')[0] === OBSERVE_API_PATH) {
        observeRequests.push(recorded);
        const scripted = observeReplies.shift();
        if (scripted !== undefined) return answer(res, scripted);
        const problems = recorded.method === 'POST' ? observeBodyProblems(recorded) : { detail: ['Method not allowed.'] };
        if (problems) return answer(res, { status: 400, body: JSON.stringify(problems) });
        const callId = (recorded.json as { call_id: string }).call_id;
        if (observedCallIds.has(callId)) return answer(res, { status: 409, body: JSON.stringify({ detail: 'Call log with this call_id already exists.' }) });
        observedCallIds.add(callId);
        return answer(res, { status: 201, body: JSON.stringify({ id: observedCallIds.size, call_id: callId }) });
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
    observeRequests,
    scriptObserve: (...r) => void observeReplies.push(...r),
    waitForObserve: async (n, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (observeRequests.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} Observe requests to the fake Cekura, got ${observeRequests.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
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

const OBSERVE_TRANSCRIPT_TYPES = new Set(['cekura', 'vapi', 'retell', 'deepgram', 'pipecat', 'livekit', 'elevenlabs', 'none-mono']);
const OBSERVE_ROLES = new Set(['Main Agent', 'Testing Agent', 'Function Call', 'Function Call Result']);

/** What Cekura Observe would refuse in a body, as DRF names it (`{ field: [message] }`), or undefined. */
export function observeBodyProblems(request: Pick<RecordedRequest, 'headers' | 'json'>): Record<string, unknown> | undefined {
  if (!request.headers['x-cekura-api-key']) return { detail: ['Authentication credentials were not provided.'] };
  const body: unknown = request.json;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { non_field_errors: ['Invalid data. Expected a dictionary.'] };
  const b = body as Record<string, unknown>;
  const problems: Record<string, unknown> = {};
  const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
  if (!isText(b.call_id)) problems.call_id = ['This field is required.'];
  else if ([...b.call_id].length > 100) problems.call_id = ['Ensure this field has no more than 100 characters.'];
  if (b.agent === undefined && b.assistant_id === undefined) problems.agent = ['Either agent or assistant_id is required.'];
  if (b.agent !== undefined && !(typeof b.agent === 'number' && Number.isSafeInteger(b.agent) && b.agent > 0))
    problems.agent = ['A valid integer is required.'];
  if (!OBSERVE_TRANSCRIPT_TYPES.has(String(b.transcript_type))) problems.transcript_type = [`"${String(b.transcript_type)}" is not a valid choice.`];
  if (b.timestamp !== undefined && !(isText(b.timestamp) && !Number.isNaN(Date.parse(b.timestamp)))) problems.timestamp = ['Datetime has wrong format.'];
  // Optional keys are left out when there is nothing to send, never sent empty.
  for (const key of ['voice_recording_url', 'trace_id', 'call_ended_reason', 'customer_number'] as const) {
    if (key in b && !isText(b[key])) problems[key] = ['This field may not be blank.'];
  }
  if (isText(b.voice_recording_url) && !/^https?:\/\//.test(b.voice_recording_url)) problems.voice_recording_url = ['Enter a valid URL.'];
  if (isText(b.trace_id) && b.trace_id.length > 32) problems.trace_id = ['Ensure this field has no more than 32 characters.'];
  if (b.metadata !== undefined && (typeof b.metadata !== 'object' || b.metadata === null || Array.isArray(b.metadata)))
    problems.metadata = ['Expected a dictionary.'];
  if (b.redact_fields !== undefined && !(Array.isArray(b.redact_fields) && b.redact_fields.every(isText)))
    problems.redact_fields = ['Expected a list of items.'];
  if (b.transcript_type === 'cekura') {
    if (!Array.isArray(b.transcript_json)) problems.transcript_json = ['Expected a list of items.'];
    else {
      const entries: Record<number, string[]> = {};
      b.transcript_json.forEach((entry: unknown, i: number) => {
        const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
        const wrong: string[] = [];
        if (!OBSERVE_ROLES.has(String(e.role)))
          wrong.push(`role "${String(e.role)}" is not one of Main Agent, Testing Agent, Function Call, Function Call Result`);
        if (typeof e.content !== 'string') wrong.push('content must be a string');
        for (const t of ['start_time', 'end_time'] as const) {
          // Seconds from the start: an epoch value (seconds or milliseconds) gives "astronomically wrong" durations.
          if (typeof e[t] !== 'number' || !Number.isFinite(e[t]) || (e[t] as number) < 0 || (e[t] as number) > 1e6)
            wrong.push(`${t} must be seconds from the start`);
        }
        if (e.role === 'Function Call' || e.role === 'Function Call Result') {
          const data = e.data as Record<string, unknown> | undefined;
          if (typeof data !== 'object' || data === null || !isText(data.id) || !isText(data.name)) wrong.push('a tool entry needs data with id and name');
        }
        if (wrong.length > 0) entries[i] = wrong;
      });
      if (Object.keys(entries).length > 0) problems.transcript_json = entries;
    }
  }
  return Object.keys(problems).length > 0 ? problems : undefined;
}

export { captureOutput } from './capture-output';
