/**
 * The ingest step shared by POST /calls and the platform webhooks: normalise and validate every
 * payload, store all of them or none, and answer `{ stored, ids, ignored?, expired? }`. A call that
 * started longer ago than the retention period is not stored (it would never be served) and is
 * listed in `expired` with the reason: still a 200, so a platform does not retry it and a batch
 * with one old call stores the others.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Call } from '../call';
import { parseIngestBody, toCallRecord, withoutExpired } from '../ingest';
import { logger } from '../logger';
import { MAX_RESPONSE_BYTES } from '../query';
import type { RecordingBucket } from '../recordings/location';
import type { SourceName } from '../sources';
import { type CallStore, CallTooLargeError, PartialWriteError } from '../store/call-store';
import { errors } from './errors';
import { jsonResponse } from './middleware';

export const NOTHING_STORED = 'No call was stored: fix the listed fields and resend the whole request.';

export interface StorePayloadsOptions {
  store: CallStore;
  source: SourceName | undefined;
  retentionDays: number;
  webCallNumber: string | undefined;
  /** See IngestOptions.recordingBuckets. */
  recordingBuckets?: readonly RecordingBucket[] | undefined;
  /**
   * Called with the calls just stored, after the write succeeded (local mode pushes them to Cekura).
   * Must not block: the response does not wait for it, and what it throws is logged, not answered.
   */
  onStored?: ((calls: Call[]) => void) | undefined;
  /** Epoch milliseconds; Date.now by default. */
  now?: () => number;
}

export async function storePayloads(body: unknown, options: StorePayloadsOptions): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = parseIngestBody(body, {
    source: options.source,
    webCallNumber: options.webCallNumber,
    now: (options.now ?? Date.now)(),
    recordingBuckets: options.recordingBuckets,
  });
  if (!parsed.ok) throw errors.validation(parsed.issues, NOTHING_STORED);

  const { records, expired } = withoutExpired(
    parsed.calls.map((sourced) => toCallRecord(sourced, { retentionDays: options.retentionDays })),
    Math.floor((options.now ?? Date.now)() / 1000),
    options.retentionDays,
  );
  const storedIds = new Set(records.map((record) => record.id));
  const storedCalls = parsed.calls.filter((sourced) => storedIds.has(sourced.call.id));
  const unservable = records.filter((record) => record.responseBytes > MAX_RESPONSE_BYTES).map((record) => record.id);
  try {
    if (unservable.length > 0) throw new CallTooLargeError(unservable, MAX_RESPONSE_BYTES);
    if (records.length > 0) await options.store.putCalls(records);
  } catch (error) {
    if (error instanceof PartialWriteError) {
      logger.warn('store stopped part way', { stored: error.stored.length, notStored: error.notStored.length, unknown: error.unknown.length });
      throw errors.partlyStored(error);
    }
    if (!(error instanceof CallTooLargeError)) throw error;
    const issues = error.ids.map((id) => ({ path: `id=${id}`, message: `call "${id}" is too large to store, even compressed` }));
    throw errors.payloadTooLarge('No call was stored: some calls are too large.', issues);
  }

  if (options.onStored) {
    try {
      if (storedCalls.length > 0) options.onStored(storedCalls.map((sourced) => sourced.call));
    } catch (error) {
      logger.error('after-store hook failed', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  logger.info('calls stored', { stored: records.length, ignored: parsed.ignored.length, expired: expired.length, source: options.source ?? 'detected' });
  const ignored = parsed.ignored.length > 0 ? { ignored: parsed.ignored } : {};
  const expiredCalls = expired.length > 0 ? { expired } : {};
  // Per call, how many messages had no time of their own and took their neighbour's.
  const untimedEntries = storedCalls.filter((sourced) => sourced.untimedMessages).map((sourced) => [sourced.call.id, sourced.untimedMessages]);
  const untimed = untimedEntries.length > 0 ? { untimedMessages: Object.fromEntries(untimedEntries) } : {};
  // Per call, what the payload held that did not become a message, by kind.
  const droppedEntries = storedCalls.filter((sourced) => sourced.dropped).map((sourced) => [sourced.call.id, sourced.dropped]);
  const dropped = droppedEntries.length > 0 ? { dropped: Object.fromEntries(droppedEntries) } : {};
  return jsonResponse(
    200,
    JSON.stringify({ stored: records.length, ids: records.map((record) => record.id), ...untimed, ...dropped, ...ignored, ...expiredCalls }),
  );
}
