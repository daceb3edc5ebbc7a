/**
 * Ingest rules: which body shapes are accepted, all-or-nothing validation, and what is stored
 * for each call (canonical JSON, retention, the byte size it will take in a response).
 */
import * as v from 'valibot';
import { type Call, CallSchema } from './call';
import { type FieldIssue, toFieldIssues } from './validation';

export const MAX_CALLS_PER_REQUEST = 100;

/** Source recorded for calls POSTed in Cekura's own call format. */
export const CUSTOM_SOURCE = 'custom';

export type IngestParseResult = { ok: true; calls: Call[] } | { ok: false; issues: FieldIssue[] };

/**
 * Accepts one call object, an array of calls, or `{ "calls": [...] }`. Every call is validated
 * before anything is returned, so one bad call rejects the whole request.
 */
export function parseIngestBody(body: unknown): IngestParseResult {
  const { items, prefix } = unwrap(body);
  if (items.length === 0) return { ok: false, issues: [{ path: prefix || 'calls', message: 'must contain at least one call' }] };
  if (items.length > MAX_CALLS_PER_REQUEST) {
    return { ok: false, issues: [{ path: prefix || 'calls', message: `must contain at most ${MAX_CALLS_PER_REQUEST} calls per request` }] };
  }
  const calls: Call[] = [];
  const issues: FieldIssue[] = [];
  const single = !Array.isArray(body) && !isEnvelope(body);
  items.forEach((item, index) => {
    const result = v.safeParse(CallSchema, item);
    if (result.success) calls.push(result.output);
    else issues.push(...toFieldIssues(result.issues, single ? '' : `${prefix}[${index}]`));
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, calls: lastWins(calls) };
}

function isEnvelope(body: unknown): body is { calls: unknown } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'calls' in body && !('id' in body);
}

function unwrap(body: unknown): { items: unknown[]; prefix: string } {
  if (Array.isArray(body)) return { items: body, prefix: '' };
  if (isEnvelope(body)) {
    if (!Array.isArray(body.calls)) return { items: [body.calls], prefix: 'calls' };
    return { items: body.calls, prefix: 'calls' };
  }
  return { items: [body], prefix: '' };
}

/** The same id twice in one request: the later one wins, as it would over two requests. */
function lastWins(calls: Call[]): Call[] {
  const byId = new Map<string, Call>();
  for (const call of calls) {
    byId.delete(call.id);
    byId.set(call.id, call);
  }
  return [...byId.values()];
}

/** What the store keeps for one call. */
export interface CallRecord {
  source: string;
  id: string;
  customerNumber: string;
  /** ISO 8601, UTC, millisecond precision. */
  startedAt: string;
  /** Epoch seconds after which the call is never served (DynamoDB TTL). */
  expiresAt: number;
  /** The call exactly as GET returns it. */
  json: string;
  /**
   * Bytes this call adds to a Lambda response: the body is itself a JSON string inside the
   * response envelope, so quotes and backslashes are escaped again. Computed once here so a read
   * can budget its response without re-serialising anything.
   */
  responseBytes: number;
}

export function toCallRecord(call: Call, options: { source: string; retentionDays: number }): CallRecord {
  const json = JSON.stringify(call);
  return {
    source: options.source,
    id: call.id,
    customerNumber: call.customer.number,
    startedAt: call.startedAt,
    expiresAt: Math.floor(Date.parse(call.startedAt) / 1000) + Math.round(options.retentionDays * 86_400),
    json,
    responseBytes: Buffer.byteLength(JSON.stringify(json)) - 2,
  };
}
