import { parseIngestBody, type SourcedCall } from '../../lib/ingest';
import type { SourceName } from '../../lib/sources';

/**
 * The one call a payload becomes with `source` named, checked to come out the same when the source
 * is left to detection (so detection picks that source and no other).
 */
export function ingestedAs(source: SourceName, payload: unknown): SourcedCall {
  const named = parseIngestBody(payload, { source, webCallNumber: undefined });
  const detected = parseIngestBody(payload, { source: undefined, webCallNumber: undefined });
  if (!named.ok) throw new Error(JSON.stringify(named.issues));
  expect(detected).toEqual(named);
  expect(named.calls).toHaveLength(1);
  expect(named.calls[0]!.source).toBe(source);
  return named.calls[0]!;
}
