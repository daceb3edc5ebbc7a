/**
 * Which Cekura test run a pushed call belongs to. Cekura matches a pushed call by `run_id` first
 * (then by numbers, time and text, which is unreliable), so a call is pushed with its run id when
 * it carries one, else with the one run found the way Cekura's own reference agents find it
 * (cekura-bench `reference-agents/gpt-realtime/lib/cekura-transcript.mjs`):
 *
 *   GET {api base}/test_framework/v1/runs/?agent_id=<id>&page_size=100   (X-CEKURA-API-KEY)
 *
 * following `next` for up to 5 pages; a run matches when it is the call's agent's, its status is
 * running or in_progress, its inbound number has the caller's digits and, when the call has an agent
 * number, its agent number has that number's digits. Exactly one match gives the run id; none or
 * several give none: a pooled caller number is reused while older runs still evaluate, and a wrong
 * run id would file the call under another test.
 *
 * The lookup never throws: a timeout, an error status, an unreadable or oversized answer is an
 * outcome the caller logs and pushes without a run id. At most `maxPageBytes` of each page are read
 * (streamed: the rest is not downloaded). `RunLookupCache` keeps one lookup per agent for a short
 * time across pushes, and bounds how many run at once.
 */
import { createHash } from 'node:crypto';
import type { Call } from '../call';
import { readCappedText } from './capped-body';
import { isAllowedCekuraUrl } from './urls';

export const RUN_LOOKUP_DEFAULTS = {
  apiBaseUrl: 'https://api.cekura.ai',
  pageSize: 100,
  /** As Cekura's reference agents: active runs are on the first pages. */
  maxPages: 5,
  /** Per request. */
  timeoutMs: 5_000,
  /** All pages of one agent together: a slow runs API delays a push by at most this. */
  totalTimeoutMs: 10_000,
  /**
   * Per page, read streaming and cut there. 100 runs are tens of KB; 4 MiB leaves room for runs
   * carrying far more than the fields read here, and bounds memory to 5 pages of it.
   */
  maxPageBytes: 4 * 1024 * 1024,
} as const;

export const RUNS_PATH = '/test_framework/v1/runs/';
const ACTIVE_STATUSES = new Set(['running', 'in_progress']);
const MAX_REASON = 300;

/** The run fields the match needs, as read from Cekura's answer. */
export interface CekuraRun {
  id: number;
  agent: number | undefined;
  status: string;
  inboundNumber: string | undefined;
  agentNumber: string | undefined;
}

export type RunsLookup =
  | { ok: true; runs: CekuraRun[]; pages: number /** More pages were left unread (page cap or a `next` elsewhere). */; truncated: boolean }
  | { ok: false; status: number | undefined; reason: string };

export interface FetchRunsOptions {
  apiBaseUrl: string;
  apiKey: string;
  pageSize?: number;
  maxPages?: number;
  timeoutMs?: number;
  totalTimeoutMs?: number;
  /** Bytes read of one page's answer at most; beyond them the lookup stops (see fetchAgentRuns). */
  maxPageBytes?: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export type RunIdSource = 'call' | 'metadata';

/** The run id a call carries: `run_id`, else `metadata.cekura_run_id` (an integer or its digits). */
export function runIdFromCall(call: Pick<Call, 'run_id' | 'metadata'>): { runId: number; from: RunIdSource } | undefined {
  if (call.run_id !== undefined) return { runId: call.run_id, from: 'call' };
  const runId = positiveInteger(call.metadata?.cekura_run_id);
  return runId === undefined ? undefined : { runId, from: 'metadata' };
}

/** The runs API's base URL: https, or http to this machine (a stand-in); no trailing slash. */
export function parseApiBaseUrl(value: unknown): string {
  const url = typeof value === 'string' ? value.trim().replace(/\/+$/, '') : '';
  if (!URL.canParse(url) || !isAllowedCekuraUrl(url) || new URL(url).search !== '' || new URL(url).hash !== '') {
    throw new Error(`The Cekura API base URL must be an https URL without query (e.g. ${RUN_LOOKUP_DEFAULTS.apiBaseUrl}), got ${JSON.stringify(value)}`);
  }
  return url;
}

export function runsUrl(apiBaseUrl: string, agentId: number, pageSize: number = RUN_LOOKUP_DEFAULTS.pageSize): string {
  const url = new URL(`${apiBaseUrl.replace(/\/+$/, '')}${RUNS_PATH}`);
  url.searchParams.set('agent_id', String(agentId));
  url.searchParams.set('page_size', String(pageSize));
  return url.toString();
}

/**
 * Every run of an agent Cekura lists, page by page. Never throws. A page larger than `maxPageBytes`
 * ends the lookup: a failure on the first page; later, the runs of the pages read, `truncated`, as
 * when the page limit is reached.
 */
export async function fetchAgentRuns(agentId: number, options: FetchRunsOptions): Promise<RunsLookup> {
  try {
    return await fetchPages(agentId, options);
  } catch (error) {
    return {
      ok: false,
      status: undefined,
      reason: redact(`unexpected: ${error instanceof Error ? error.message : String(error)}`, options.apiKey).slice(0, MAX_REASON),
    };
  }
}

async function fetchPages(agentId: number, options: FetchRunsOptions): Promise<RunsLookup> {
  const maxPages = options.maxPages ?? RUN_LOOKUP_DEFAULTS.maxPages;
  const maxPageBytes = options.maxPageBytes ?? RUN_LOOKUP_DEFAULTS.maxPageBytes;
  const timeoutMs = options.timeoutMs ?? RUN_LOOKUP_DEFAULTS.timeoutMs;
  const totalTimeoutMs = options.totalTimeoutMs ?? RUN_LOOKUP_DEFAULTS.totalTimeoutMs;
  const overall = AbortSignal.timeout(totalTimeoutMs);
  const origin = new URL(options.apiBaseUrl).origin;
  const runs: CekuraRun[] = [];
  let url: string | undefined = runsUrl(options.apiBaseUrl, agentId, options.pageSize);
  let pages = 0;
  const fail = (status: number | undefined, reason: string): RunsLookup => ({ ok: false, status, reason: redact(reason, options.apiKey).slice(0, MAX_REASON) });

  while (url !== undefined && pages < maxPages) {
    const perRequest = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([perRequest, overall, ...(options.signal ? [options.signal] : [])]);
    let status: number | undefined;
    let body: unknown;
    let oversized = false;
    try {
      // redirect: 'manual': a redirect would carry the key somewhere we did not choose.
      const response = await (options.fetch ?? fetch)(url, {
        headers: { Accept: 'application/json', 'X-CEKURA-API-KEY': options.apiKey },
        signal,
        redirect: 'manual',
      });
      status = response.status;
      const { text, complete } = await readCappedText(response, maxPageBytes);
      if (status < 200 || status >= 300) return fail(status, `HTTP ${status}: ${text}`);
      if (complete) body = JSON.parse(text);
      else oversized = true;
    } catch (error) {
      if (overall.aborted) return fail(status, `no complete answer within ${totalTimeoutMs} ms (all pages)`);
      if (perRequest.aborted) return fail(status, `no answer within ${timeoutMs} ms`);
      if (options.signal?.aborted) return fail(status, 'stopped');
      return fail(
        status,
        error instanceof SyntaxError ? `the answer is not JSON: ${error.message}` : error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      );
    }
    if (oversized) {
      const reason = `the answer is larger than ${maxPageBytes} bytes: not read further`;
      return pages === 0 ? fail(status, reason) : { ok: true, runs, pages, truncated: true };
    }
    pages += 1;
    const page = readPage(body);
    if (!page) return fail(status, 'the answer has no list of runs (expected { results: [...], next })');
    for (const run of page.runs) runs.push(run);
    url = page.next === undefined ? undefined : sameOriginUrl(page.next, url, origin);
    if (page.next !== undefined && url === undefined) return { ok: true, runs, pages, truncated: true };
  }
  return { ok: true, runs, pages, truncated: url !== undefined };
}

export type RunMatch = { kind: 'one'; runId: number } | { kind: 'none' } | { kind: 'several'; runIds: number[] };

/** The call's run among the agent's runs (see the module comment for the rule). Pure. */
export function matchRun(runs: readonly CekuraRun[], agentId: number, call: Pick<Call, 'customer' | 'phoneNumber'>): RunMatch {
  const caller = digits(call.customer.number);
  const agentNumber = call.phoneNumber === undefined ? undefined : digits(call.phoneNumber);
  const runIds = runs
    .filter(
      (run) =>
        run.agent === agentId &&
        ACTIVE_STATUSES.has(run.status.toLowerCase()) &&
        caller !== '' &&
        digits(run.inboundNumber) === caller &&
        (agentNumber === undefined || digits(run.agentNumber) === agentNumber),
    )
    .map((run) => run.id);
  const unique = [...new Set(runIds)];
  if (unique.length === 1) return { kind: 'one', runId: unique[0]! };
  return unique.length === 0 ? { kind: 'none' } : { kind: 'several', runIds: unique };
}

/** Cekura shows numbers formatted ("+1 (650) 555-1234"): compare their digits only. */
export function digits(number: string | undefined): string {
  return (number ?? '').replace(/\D/g, '');
}

function readPage(body: unknown): { runs: CekuraRun[]; next: string | undefined } | undefined {
  // A paginated answer ({ count, next, previous, results }), or a bare list.
  const list = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.results) ? body.results : undefined;
  if (!list) return undefined;
  const next = isRecord(body) && typeof body.next === 'string' && body.next !== '' ? body.next : undefined;
  return { runs: list.flatMap((item) => (readRun(item) ? [readRun(item)!] : [])), next };
}

function readRun(item: unknown): CekuraRun | undefined {
  if (!isRecord(item)) return undefined;
  const id = positiveInteger(item.id);
  if (id === undefined) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    id,
    agent: positiveInteger(item.agent),
    status: text(item.status) ?? '',
    inboundNumber: text(item.inbound_number),
    agentNumber: text(item.agent_number),
  };
}

/** `next` resolved against the page it came from, only when it stays on the API's origin (the key goes with it). */
function sameOriginUrl(next: string, current: string, origin: string): string | undefined {
  try {
    const url = new URL(next, current);
    return url.origin === origin ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

function positiveInteger(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function redact(text: string, apiKey: string): string {
  return apiKey === '' ? text : text.split(apiKey).join('[redacted]');
}

export const RUN_LOOKUP_CACHE_DEFAULTS = {
  /** How long one agent's runs are reused by later pushes. */
  ttlMs: 30_000,
  /** Lookups in flight at once, all agents together; others wait for a slot within their own time budget. */
  maxConcurrent: 4,
  /**
   * A list is reused for a call only when it was asked for at least this long after the call started:
   * Cekura creates a run before it dials, so such a list holds the call's run even when the sender's
   * clock is this much behind ours (`npm run verify` warns from a 60 s difference).
   */
  clockMarginMs: 60_000,
} as const;

export interface RunLookupCacheOptions {
  ttlMs?: number;
  maxConcurrent?: number;
  clockMarginMs?: number;
  /** Epoch ms; Date.now by default. */
  now?: () => number;
}

interface CachedLookup {
  askedAt: number;
  result: Promise<RunsLookup>;
}

/**
 * One lookup per agent (and API, and key), reused by the pushes of the next `ttlMs` when it was asked
 * for after their calls started (see `clockMarginMs`); at most `maxConcurrent` lookups at a time, a
 * lookup waiting for a slot counting that wait in its `totalTimeoutMs`. A failed lookup is not kept.
 * Never throws: like fetchAgentRuns, every outcome is a RunsLookup.
 */
export class RunLookupCache {
  private readonly entries = new Map<string, CachedLookup>();
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  private readonly ttlMs: number;
  private readonly maxConcurrent: number;
  private readonly clockMarginMs: number;
  private readonly now: () => number;

  constructor(options: RunLookupCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? RUN_LOOKUP_CACHE_DEFAULTS.ttlMs;
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? RUN_LOOKUP_CACHE_DEFAULTS.maxConcurrent);
    this.clockMarginMs = options.clockMarginMs ?? RUN_LOOKUP_CACHE_DEFAULTS.clockMarginMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * The agent's runs for calls of which the latest started at `callsStartedAtMs` (epoch ms; undefined:
   * any recent list will do).
   */
  lookup(agentId: number, options: FetchRunsOptions, callsStartedAtMs?: number): Promise<RunsLookup> {
    const now = this.now();
    for (const [key, entry] of this.entries) if (now - entry.askedAt >= this.ttlMs) this.entries.delete(key);
    const key = [options.apiBaseUrl, agentId, createHash('sha256').update(options.apiKey).digest('base64url')].join('\n');
    const cached = this.entries.get(key);
    const notBefore = callsStartedAtMs === undefined ? Number.NEGATIVE_INFINITY : callsStartedAtMs + this.clockMarginMs;
    if (cached && cached.askedAt >= notBefore) return cached.result;
    const entry: CachedLookup = { askedAt: now, result: this.whenSlotFree(agentId, options) };
    if (this.ttlMs > 0) {
      this.entries.set(key, entry);
      void entry.result.then((result) => {
        if (!result.ok && this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    return entry.result;
  }

  private async whenSlotFree(agentId: number, options: FetchRunsOptions): Promise<RunsLookup> {
    const totalTimeoutMs = options.totalTimeoutMs ?? RUN_LOOKUP_DEFAULTS.totalTimeoutMs;
    const started = Date.now();
    if (!(await this.acquire(totalTimeoutMs, options.signal))) {
      return { ok: false, status: undefined, reason: `no lookup slot free within ${totalTimeoutMs} ms (${this.maxConcurrent} lookups at a time)` };
    }
    try {
      return await fetchAgentRuns(agentId, { ...options, totalTimeoutMs: Math.max(1, totalTimeoutMs - (Date.now() - started)) });
    } finally {
      this.release();
    }
  }

  private acquire(timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.active < this.maxConcurrent) {
      this.active += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
        resolve(true);
      };
      const giveUp = () => {
        const index = this.waiting.indexOf(grant);
        if (index !== -1) this.waiting.splice(index, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
        resolve(false);
      };
      const timer = setTimeout(giveUp, timeoutMs);
      signal?.addEventListener('abort', giveUp, { once: true });
      this.waiting.push(grant);
    });
  }

  /** Hands the slot to the next lookup waiting, if any. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}
