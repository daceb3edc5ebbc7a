/**
 * Local mode's push to Cekura: the forwarder logic the deployed stack runs from DynamoDB Streams,
 * run here after each successful ingest instead. Fire and forget: the ingest response never waits
 * for Cekura, and a failed push is logged (there is no dead-letter queue locally).
 */
import type { Call } from '../lib/call';
import { CEKURA_ENV, cekuraConfigFromEnv, describeCekuraConfig, type ForwardOptions, forwardCalls } from '../lib/cekura-push/forward';
import { RunLookupCache } from '../lib/cekura-push/runs';
import { logger } from '../lib/logger';
import { isSmokeCall } from '../lib/operations/smoke';

export interface LocalPusher {
  /** For the startup notice: agents and run lookup, no key. */
  description: string;
  push(calls: Call[]): void;
  /** Resolves once every push started so far is done. */
  idle(): Promise<void>;
  /** Stops retrying, then waits for what is in flight. */
  stop(): Promise<void>;
}

/** A pusher from CEKURA_* env, or undefined when pushing is off (no CEKURA_AGENT_ID, CEKURA_AGENTS or CEKURA_PUSH=on). */
export function localPusherFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<ForwardOptions> = {}): LocalPusher | undefined {
  const config = cekuraConfigFromEnv(env);
  if (!config) return undefined;
  const apiKey = env[CEKURA_ENV.apiKey]?.trim();
  if (!apiKey) {
    throw new Error(
      `Pushing to Cekura is on (${CEKURA_ENV.agentId}, ${CEKURA_ENV.agents} or ${CEKURA_ENV.push}=on) but ${CEKURA_ENV.apiKey} is not set: set it to push calls to Cekura`,
    );
  }
  return createLocalPusher({ ...config, apiKey, ...overrides }, describeCekuraConfig(config));
}

export function createLocalPusher(options: Omit<ForwardOptions, 'signal'>, description = 'Cekura push'): LocalPusher {
  const abort = new AbortController();
  const pending = new Set<Promise<void>>();
  // One per server: ingests arriving close together share each agent's run lookup.
  const runLookup = options.runLookup && { lookups: new RunLookupCache(), ...options.runLookup };
  const idle = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return {
    description,
    push(stored) {
      // `npm run smoke`'s synthetic call is never pushed to Cekura.
      const calls = stored.filter((call) => !isSmokeCall(call));
      if (abort.signal.aborted || calls.length === 0) return;
      const run = forwardCalls(calls, { ...options, runLookup, signal: abort.signal })
        .then((result) => {
          if (result.failed.length > 0)
            logger.error('cekura push failed (local mode has no dead-letter queue: re-send the calls to push them again)', {
              ids: result.failed.map((f) => f.id),
            });
          // Local mode has no metric: the count is in this line (forwardCalls logged each call's reason).
          if (result.unrouted.length > 0)
            logger.warn('cekura push: calls without an agent', { callsWithoutAgent: result.unrouted.length, ids: result.unrouted });
        })
        .catch((error: unknown) => logger.error('cekura push failed', { error: error instanceof Error ? error.message : String(error) }))
        .finally(() => pending.delete(run));
      pending.add(run);
    },
    idle,
    async stop() {
      abort.abort();
      await idle();
    },
  };
}
