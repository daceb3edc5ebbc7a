/**
 * `recordingUrl` and `trace_id`, the call fields that reach Cekura as links and correlation keys.
 * Kept apart from the rest of the call schema (index.ts) so their rules read in one place.
 */
import * as v from 'valibot';
import { wireShape } from '../openapi/wire-shape';
import { isS3Location } from '../recordings/location';

/**
 * A URL, or an S3 location (`s3://bucket/key`, or `bucket/key` as Amazon Connect gives it), stored as
 * given. Whether an S3 location's bucket may be signed for is ingest's rule (lib/ingest.ts), since it
 * depends on the deployment's RECORDING_BUCKETS; handing the call to Cekura signs it.
 */
export const RecordingUrlSchema = v.pipe(
  v.string('must be a string'),
  v.check((value) => isS3Location(value) || URL.canParse(value), 'must be a URL, or an S3 location (s3://bucket/key or bucket/key)'),
  wireShape({
    served: {
      type: 'string',
      description:
        'The recording. A recording stored as an S3 location is served as a pre-signed https GET link, valid for the configured time (recordingLinkMinutes, 60 by default)',
    },
    accepted: {
      type: 'string',
      description:
        'A URL, or an S3 location in a bucket the adapter may sign for (recordingBuckets): s3://bucket/key, or bucket/key as Amazon Connect gives it',
      // No https example: the viewer bundles this schema and carries no URL of another origin.
      examples: ['s3://my-recordings/calls/call-1.wav'],
    },
  }),
);

/** Cekura's per-call correlation key (an OpenTelemetry trace id is 32 hex characters). */
export const TRACE_ID_MAX_LENGTH = 32;
export const TRACE_ID_MESSAGE = `must be 1-${TRACE_ID_MAX_LENGTH} characters (Cekura's limit; an OpenTelemetry trace id is 32 hex characters, a UUID without its dashes)`;

export const TraceIdSchema = v.pipe(
  v.string('must be a string'),
  v.minLength(1, TRACE_ID_MESSAGE),
  v.maxLength(TRACE_ID_MAX_LENGTH, TRACE_ID_MESSAGE),
  v.description("Cekura's trace id of the call, linking it to its trace (at most 32 characters); pushed to Cekura with the call"),
);

/**
 * `metadata.trace_id` as the call's trace id, when the call has none of its own: the one place every
 * source can carry it. A value that is not a trace id, or differs from the call's own, is a
 * problem named at `metadata.trace_id` (never dropped silently, never guessed between).
 */
export function traceIdFromMetadata(call: { trace_id?: unknown; metadata?: unknown }): { traceId: string | undefined } | { problem: string } {
  const metadata = call.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) || !('trace_id' in metadata)) return { traceId: undefined };
  const value = (metadata as Record<string, unknown>).trace_id;
  if (value === undefined || value === null) return { traceId: undefined };
  if (typeof value !== 'string' || value.length === 0 || value.length > TRACE_ID_MAX_LENGTH) return { problem: TRACE_ID_MESSAGE };
  if (call.trace_id !== undefined && call.trace_id !== value)
    return { problem: `differs from the call's trace_id (${JSON.stringify(call.trace_id)}): give one` };
  return { traceId: value };
}
