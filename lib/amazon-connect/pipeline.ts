/**
 * One Contact Lens analysis file, from the S3 event that says it was written to the stored call:
 * read the file, ask Connect for the contact, and store the call through the same ingest path as
 * every other source (parseIngestBody, the retention rule, the store). Idempotent by contact id:
 * the call's id is the contact's, and storing replaces by id, so S3 delivering an event twice or a
 * file being rewritten stores one call (an unchanged item writes no stream record, so it is not
 * pushed to Cekura again either). Only the configured twin (raw or redacted) is stored; the other
 * one is skipped.
 *
 * Returns what happened; throws when the file cannot be read or stored (the Lambda then fails, is
 * retried, and ends in its dead-letter queue): an S3 or KMS access denial, a file that is not JSON or
 * that ingest refuses, a store failure.
 */

import { parseIngestBody, toCallRecord, withoutExpired } from '../ingest';
import type { RecordingBucket } from '../recordings/location';
import type { Json } from '../sources/read';
import type { CallStore } from '../store/call-store';
import { analysisObjectOf } from './analysis-object';

export interface ConnectAnalysisPorts {
  /** The object's text (S3 GetObject). */
  readObject(bucket: string, key: string): Promise<string>;
  /** DescribeContact's `Contact` as JSON, or undefined when Connect does not know the contact (ResourceNotFoundException). */
  describeContact(contactId: string): Promise<Json | undefined>;
  store: CallStore;
}

export interface ConnectAnalysisOptions {
  bucket: string;
  redacted: boolean;
  retentionDays: number;
  webCallNumber: string | undefined;
  /** Where recording links may be signed (RECORDING_BUCKETS): the contact's recording outside them is not linked. */
  recordingBuckets?: readonly RecordingBucket[] | undefined;
  /** Epoch milliseconds; Date.now by default. */
  now?: () => number;
}

export type ConnectAnalysisOutcome =
  | { status: 'stored'; id: string; messages: number; untimedMessages?: number; dropped?: Record<string, number> }
  /** Nothing to store, and retrying would not change that. */
  | { status: 'skipped'; reason: string };

export class UnreadableAnalysisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableAnalysisError';
  }
}

export async function ingestAnalysisObject(
  object: { bucket: string; key: string },
  ports: ConnectAnalysisPorts,
  options: ConnectAnalysisOptions,
): Promise<ConnectAnalysisOutcome> {
  if (object.bucket !== options.bucket) return { status: 'skipped', reason: `object of bucket ${object.bucket}, not the instance's bucket` };
  const analysis = analysisObjectOf(object.key);
  if (!analysis) return { status: 'skipped', reason: 'not a Contact Lens voice analysis file' };
  if (analysis.redacted !== options.redacted) {
    return {
      status: 'skipped',
      reason: `the ${analysis.redacted ? 'redacted' : 'raw'} twin; this deployment stores the ${options.redacted ? 'redacted' : 'raw'} one`,
    };
  }

  const text = await ports.readObject(object.bucket, object.key);
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    throw new UnreadableAnalysisError('the analysis file is not JSON');
  }
  const channel = typeof file === 'object' && file !== null ? (file as Json).Channel : undefined;
  if (channel !== undefined && channel !== 'VOICE') return { status: 'skipped', reason: `a ${String(channel)} analysis file, not a voice call` };

  const contact = await ports.describeContact(analysis.contactId);
  if (!contact) {
    // Connect keeps contact records for 24 months; the adapter keeps calls for far less. Without the
    // contact there is no caller number or start time to file the call under, so there is no call.
    return { status: 'skipped', reason: 'DescribeContact does not know this contact (older than its 24-month retention, or of another instance)' };
  }

  const parsed = parseIngestBody(
    { contact, transcript: file },
    {
      source: 'amazon-connect',
      webCallNumber: options.webCallNumber,
      recordingBuckets: options.recordingBuckets,
    },
  );
  if (!parsed.ok) {
    throw new UnreadableAnalysisError(`ingest refused the call: ${parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
  }
  const sourced = parsed.calls[0];
  if (!sourced) return { status: 'skipped', reason: parsed.ignored.join('; ') || 'no call in the file' };
  const { records, expired } = withoutExpired(
    [toCallRecord(sourced, { retentionDays: options.retentionDays })],
    Math.floor((options.now ?? Date.now)() / 1000),
    options.retentionDays,
  );
  if (records.length === 0) return { status: 'skipped', reason: expired[0]?.reason ?? 'expired' };
  await ports.store.putCalls(records);
  return {
    status: 'stored',
    id: sourced.call.id,
    messages: sourced.call.messages.length,
    ...(sourced.untimedMessages ? { untimedMessages: sourced.untimedMessages } : {}),
    ...(sourced.dropped ? { dropped: sourced.dropped } : {}),
  };
}
