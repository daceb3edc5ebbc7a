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
 * The lookup never throws: a timeout, an error status or an unreadable answer is an outcome the
 * caller logs and pushes without a run id.
 */
import type { Call } from '../call';
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

/** Every run of an agent Cekura lists, page by page. Never throws. */
export async function fetchAgentRuns(agentId: number, options: FetchRunsOptions): Promise<RunsLookup> {
  const maxPages = options.maxPages ?? RUN_LOOKUP_DEFAULTS.maxPages;
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
    try {
      // redirect: 'manual': a redirect would carry the key somewhere we did not choose.
      const response = await (options.fetch ?? fetch)(url, {
        headers: { Accept: 'application/json', 'X-CEKURA-API-KEY': options.apiKey },
        signal,
        redirect: 'manual',
      });
      status = response.status;
      const text = await response.text();
      if (status < 200 || status >= 300) return fail(status, `HTTP ${status}: ${text}`);
      body = JSON.parse(text);
    } catch (error) {
      if (overall.aborted) return fail(status, `no complete answer within ${totalTimeoutMs} ms (all pages)`);
      if (perRequest.aborted) return fail(status, `no answer within ${timeoutMs} ms`);
      if (options.signal?.aborted) return fail(status, 'stopped');
      return fail(
        status,
        error instanceof SyntaxError ? `the answer is not JSON: ${error.message}` : error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      );
    }
    pages += 1;
    const page = readPage(body);
    if (!page) return fail(status, 'the answer has no list of runs (expected { results: [...], next })');
    runs.push(...page.runs);
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
