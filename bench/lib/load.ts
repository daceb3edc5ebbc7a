/** Stores calls through the product's own ingest handler (its validation, encoding and store). */
import { createIngestHandler } from '../../functions/ingest-calls';
import { keyCheck } from '../../lib/auth';
import type { DynamoCallStore } from '../../lib/store/dynamodb-call-store';
import { type Handler, httpEvent, invoke, muteStdout } from './lambda';

const INGEST_KEY = 'bench-load-key';
const MAX_BODY_BYTES = 5 * 1024 * 1024;

export function ingestInto(store: DynamoCallStore): Handler {
  return createIngestHandler({ store, keys: async () => keyCheck([INGEST_KEY]), retentionDays: 3650, maxBodyBytes: MAX_BODY_BYTES }) as unknown as Handler;
}

/**
 * POSTs `calls` in requests of up to 100 calls (and under the body limit), `concurrency` requests
 * in flight. Throws on the first refusal.
 */
export async function loadCalls(
  handler: Handler,
  calls: Iterable<Record<string, unknown>>,
  options: { concurrency?: number; onProgress?: ((stored: number) => void) | undefined } = {},
): Promise<number> {
  const concurrency = options.concurrency ?? 4;
  let reported = 0;
  let batch: string[] = [];
  let bytes = 0;
  let stored = 0;
  const inFlight = new Set<Promise<void>>();
  const unmute = muteStdout();
  const send = async (parts: string[]) => {
    const result = await invoke(
      handler,
      httpEvent({
        method: 'POST',
        routeKey: 'POST /calls',
        path: '/calls',
        headers: { authorization: INGEST_KEY, 'content-type': 'application/json' },
        body: `[${parts.join(',')}]`,
      }),
    );
    if (result.statusCode !== 200) throw new Error(`ingest answered ${result.statusCode}: ${String(result.body).slice(0, 300)}`);
    stored += parts.length;
    if (options.onProgress && stored - reported >= 10_000) {
      reported = stored;
      options.onProgress(stored);
    }
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const parts = batch;
    batch = [];
    bytes = 0;
    const p: Promise<void> = send(parts).finally(() => inFlight.delete(p));
    p.catch(() => undefined); // observed by race/all below; never an unhandled rejection
    inFlight.add(p);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };
  try {
    for (const call of calls) {
      const json = JSON.stringify(call);
      if (batch.length === 100 || bytes + json.length + 2 > MAX_BODY_BYTES - 1024) await flush();
      batch.push(json);
      bytes += json.length + 1;
    }
    await flush();
    await Promise.all(inFlight);
  } finally {
    unmute();
  }
  return stored;
}
