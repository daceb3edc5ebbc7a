/**
 * Ingest rules: which body shapes are accepted, all-or-nothing validation, and what is stored
 * for each call (canonical JSON, retention, the byte size it will take in a response).
 */

import * as v from 'valibot';
import { type Call, CallSchema } from './call';
import { traceIdFromMetadata } from './call/recording-url';
import { parseS3Location, type RecordingBucket, recordingLocationProblem, signedLinkAllowanceBytes } from './recordings/location';
import { detectSource, type NormaliseOptions, SOURCE_NAMES, SOURCES, type SourceName } from './sources';
import { PUSH_ONLY_KEYS } from './sources/cekura/push';
import { record } from './sources/read';
import type { DroppedCounts } from './sources/source';
import { isStackEnvelope } from './sources/stacks/envelope';
import { type FieldIssue, toFieldIssues } from './validation';

export const MAX_CALLS_PER_REQUEST = 100;

/**
 * How far ahead of the server's clock a call's `startedAt` may be. A call cannot have started in the
 * future, but the clock that stamped it (a platform's, a phone system's, the sender's) is not ours:
 * 5 minutes is the tolerance HTTP APIs give a client's clock (AWS SigV4 signatures, the Vapi signature
 * timestamps this adapter checks), far above NTP-synchronised drift, far below a time zone written as
 * UTC (an hour or more). A call dated later would outlive retention (its TTL counts from startedAt):
 * a year-9999 call would never expire.
 */
export const MAX_START_AHEAD_MS = 5 * 60_000;

/** Sources whose fields keep their names in the converted call, so an issue's path points into the payload as sent. */
const SAME_FIELD_NAMES: ReadonlySet<SourceName> = new Set(['custom', 'cekura-push']);

export interface SourcedCall {
  source: SourceName;
  call: Call;
  /** Messages the source gave no time of their own (self-built stacks' exports). */
  untimedMessages?: number;
  /** What the payload held that did not become a message, by kind. */
  dropped?: DroppedCounts;
}

export type IngestParseResult =
  | { ok: true; calls: SourcedCall[] /** Why payloads carrying no finished call were skipped. */; ignored: string[] }
  | { ok: false; issues: FieldIssue[] };

export interface IngestOptions extends NormaliseOptions {
  /** The format of every payload; undefined to detect it per payload. */
  source: SourceName | undefined;
  /** The server's clock (epoch ms), against which a `startedAt` in the future is refused; Date.now() by default. */
  now?: number;
  /** Buckets (and prefixes) a recording stored as an S3 location may be in (RECORDING_BUCKETS); none: S3 locations are refused. */
  recordingBuckets?: readonly RecordingBucket[] | undefined;
}

/** Where a source's recording is in its payload, for the 400 that refuses its S3 location. */
const RECORDING_FIELD: Partial<Record<SourceName, string>> = { 'cekura-push': 'metadata.recording_url', cekura: 'voice_recording_url' };

const DEFAULT_OPTIONS: IngestOptions = { source: undefined, webCallNumber: undefined };

/**
 * Accepts one payload, an array of them, or `{ "calls": [...] }`. A payload is a call in Cekura's
 * format or a platform's post-call payload (see lib/sources). Every payload is normalised and
 * validated before anything is returned, so one bad payload rejects the whole request.
 */
export function parseIngestBody(body: unknown, options: IngestOptions = DEFAULT_OPTIONS): IngestParseResult {
  const { items, prefix } = unwrap(body);
  if (items.length === 0) return { ok: false, issues: [{ path: prefix || 'calls', message: 'must contain at least one call' }] };
  if (items.length > MAX_CALLS_PER_REQUEST) {
    return { ok: false, issues: [{ path: prefix || 'calls', message: `must contain at most ${MAX_CALLS_PER_REQUEST} calls per request` }] };
  }
  const calls: SourcedCall[] = [];
  const ignored: string[] = [];
  const issues: FieldIssue[] = [];
  const single = !Array.isArray(body) && !isEnvelope(body);
  const envelopeAgent = envelopeAgentId(body);
  if (!envelopeAgent.ok) return { ok: false, issues: [{ path: 'agent_id', message: envelopeAgent.message }] };
  const normaliseOptions = { ...options, envelopeAgentId: envelopeAgent.agentId };
  items.forEach((item, index) => {
    const at = single ? '' : `${prefix}[${index}]`;
    const detected = options.source === undefined ? detectIn(item, envelopeAgent.agentId !== undefined) : SOURCES[options.source];
    // A stack's envelope whose export no stack recognises: its 400 is about the export, not about
    // the custom format its startedAt / endedAt keys would otherwise suggest.
    if (!detected && isStackEnvelope(record(item))) {
      issues.push({
        path: joinPath(at, 'transcript'),
        message: `is in no known format (tried ${SOURCE_NAMES.join(', ')}); add ?source=<name> to say which export it is`,
      });
      return;
    }
    const source = detected ?? clearlyMeant(item);
    if (!source) {
      issues.push({ path: at, message: `is in no known format (tried ${SOURCE_NAMES.join(', ')}); add ?source=<name> to say which it is` });
      return;
    }
    const normalised = source.normalise(item, normaliseOptions);
    if (normalised.kind === 'ignored') {
      ignored.push(normalised.reason);
    } else if (normalised.kind === 'refused') {
      issues.push({ path: joinPath(at, normalised.path), message: normalised.message });
    } else {
      const traced = traceIdFromMetadata(normalised.call);
      if ('problem' in traced) {
        issues.push({ path: joinPath(at, 'metadata.trace_id'), message: traced.problem });
        return;
      }
      const input = traced.traceId === undefined ? normalised.call : { ...normalised.call, trace_id: traced.traceId };
      const result = v.safeParse(CallSchema, input);
      const startsIn = result.success ? Date.parse(result.output.startedAt) - (options.now ?? Date.now()) : 0;
      const recordingProblem =
        result.success && result.output.recordingUrl !== undefined
          ? recordingLocationProblem(result.output.recordingUrl, options.recordingBuckets ?? [])
          : undefined;
      if (startsIn > MAX_START_AHEAD_MS) {
        const converted = SAME_FIELD_NAMES.has(source.name) ? '' : ` (in the call converted from ${source.name})`;
        issues.push({
          path: joinPath(at, 'startedAt'),
          message: `is ${describeAhead(startsIn)} ahead of the server's clock: a call cannot start in the future (at most ${MAX_START_AHEAD_MS / 60_000} minutes of clock difference are accepted); check the sender's clock and time zone${converted}`,
        });
      } else if (recordingProblem !== undefined) issues.push({ path: joinPath(at, RECORDING_FIELD[source.name] ?? 'recordingUrl'), message: recordingProblem });
      else if (result.success)
        calls.push({
          source: source.name,
          call: result.output,
          ...(normalised.untimedMessages ? { untimedMessages: normalised.untimedMessages } : {}),
          ...(normalised.dropped && Object.keys(normalised.dropped).length > 0 ? { dropped: normalised.dropped } : {}),
        });
      // Issues of a converted payload point into the converted call, so name the source.
      else
        for (const issue of toFieldIssues(result.issues, at))
          issues.push(SAME_FIELD_NAMES.has(source.name) ? issue : { ...issue, message: `${issue.message} (in the call converted from ${source.name})` });
    }
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, calls: lastWins(calls), ignored };
}

/**
 * Cekura's push body `{ agent_id, calls }`: the agent applies to every call in it. Without a
 * source named, a call there without a `customer` is in Cekura's push format.
 */
function envelopeAgentId(body: unknown): { ok: true; agentId: number | undefined } | { ok: false; message: string } {
  if (!isEnvelope(body) || !('agent_id' in body) || body.agent_id === undefined || body.agent_id === null) return { ok: true, agentId: undefined };
  const value = body.agent_id;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    return { ok: false, message: 'must be a positive integer (the Cekura agent id)' };
  return { ok: true, agentId: value };
}

function detectIn(item: unknown, inPushEnvelope: boolean) {
  const detected = detectSource(item);
  if (inPushEnvelope && (detected === undefined || detected.name === 'custom') && typeof item === 'object' && item !== null && !('customer' in item))
    return SOURCES['cekura-push'];
  return detected;
}

/** Keys of Cekura's call format: a payload with most of them is a custom call missing something. */
const CUSTOM_CALL_KEYS = ['id', 'startedAt', 'endedAt', 'customer', 'messages'] as const;

/**
 * The format a payload no source recognised was clearly meant to be in, so its 400 names the
 * missing or wrong fields instead of "in no known format": a custom call with at least three of
 * its five keys, or a push-body call (it has a key only that format has).
 */
function clearlyMeant(item: unknown) {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  if (PUSH_ONLY_KEYS.some((key) => key in item) && !('customer' in item)) return SOURCES['cekura-push'];
  return CUSTOM_CALL_KEYS.filter((key) => key in item).length >= 3 ? SOURCES.custom : undefined;
}

function describeAhead(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 120) return `${Math.round(minutes)} minutes`;
  const hours = minutes / 60;
  return hours < 48 ? `${Math.round(hours)} hours` : `${Math.round(hours / 24)} days`;
}

function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  return path === '' ? prefix : `${prefix}.${path}`;
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

/**
 * The same call twice in one request, in the same format or not: the later one wins, as it would
 * over two requests (a call is identified by its id alone).
 */
function lastWins(calls: SourcedCall[]): SourcedCall[] {
  const byId = new Map<string, SourcedCall>();
  for (const sourced of calls) {
    byId.delete(sourced.call.id);
    byId.set(sourced.call.id, sourced);
  }
  return [...byId.values()];
}

/** What the store keeps for one call. */
export interface CallRecord {
  /** The format the call came in; not part of its identity. */
  source: string;
  /** What identifies the call: one stored call per id. */
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

export function toCallRecord({ source, call }: SourcedCall, options: { retentionDays: number }): CallRecord {
  const json = JSON.stringify(call);
  return {
    source,
    id: call.id,
    customerNumber: call.customer.number,
    startedAt: call.startedAt,
    expiresAt: Math.floor(Date.parse(call.startedAt) / 1000) + Math.round(options.retentionDays * 86_400),
    json,
    responseBytes: bytesAsJsonString(json) + recordingLinkAllowance(call),
  };
}

/** A recording stored as an S3 location is served as a longer signed link: its page budget counts that. */
function recordingLinkAllowance(call: Call): number {
  const location = call.recordingUrl === undefined ? undefined : parseS3Location(call.recordingUrl);
  return location === undefined ? 0 : signedLinkAllowanceBytes(location);
}

/** A call not stored because its retention had already ended when it arrived. */
export interface ExpiredCall {
  id: string;
  reason: string;
}

/**
 * Splits off the calls whose retention has already ended (`expiresAt` at or before `nowSeconds`):
 * reads never serve those, so storing them would answer "stored" for a call no one can read. They
 * are reported instead, with the reason, and not stored.
 */
export function withoutExpired(records: readonly CallRecord[], nowSeconds: number, retentionDays: number): { records: CallRecord[]; expired: ExpiredCall[] } {
  const kept: CallRecord[] = [];
  const expired: ExpiredCall[] = [];
  for (const record of records) {
    if (record.expiresAt > nowSeconds) kept.push(record);
    else {
      expired.push({
        id: record.id,
        reason: `started ${record.startedAt}, more than the retention period (${retentionDays} days) ago: not stored, as it would never be served`,
      });
    }
  }
  return { records: kept, expired };
}

/**
 * UTF-8 bytes of `json` once escaped inside another JSON string (as a Lambda response body is),
 * without serialising it a second time. JSON.stringify already escaped every control character and
 * lone surrogate, so only `"` and `\\` are escaped again, one extra byte each.
 */
export function bytesAsJsonString(json: string): number {
  let escapes = 0;
  for (let i = json.indexOf('"'); i !== -1; i = json.indexOf('"', i + 1)) escapes++;
  for (let i = json.indexOf('\\'); i !== -1; i = json.indexOf('\\', i + 1)) escapes++;
  return Buffer.byteLength(json) + escapes;
}
