/**
 * Redrive of the forwarder's dead-letter queue: each letter names a stored call (its table key);
 * the call is read again as it is stored now, pushed with the same routing and run-id rules, and its
 * message deleted only once Cekura accepted it. Anything else stays in the queue, reported:
 * - the event source mapping's on-failure records: they hold a stream position, not a call (the
 *   stream keeps records 24 hours; re-send the calls of that time with `npm run cekura -- push`);
 * - letters whose call is no longer stored (expired or deleted), or had no readable key;
 * - calls no agent takes, and calls Cekura refused again.
 * The queue, the store and the push are injected: this module does no I/O of its own.
 */
import type { Call } from '../call';
import type { DeadLetter, DeadLetterQueue, QueuedMessage } from './dead-letters';
import { type CallRoute, type ForwardOptions, forwardCalls, planPush } from './forward';

/** Reads a stored call by its table key (`<source>#<call id>`); undefined when it is not stored (any more). */
export type StoredCallReader = (pk: string) => Promise<Call | undefined>;

export type RedriveOutcome =
  | { kind: 'redriven' | 'would-redrive'; messageId: string; callId: string; route: CallRoute }
  | { kind: 'not-redrivable'; messageId: string; why: string }
  | { kind: 'unrouted'; messageId: string; callId: string }
  | { kind: 'failed'; messageId: string; callId: string | undefined; reason: string };

export interface RedriveOptions {
  queue: DeadLetterQueue;
  readCall: StoredCallReader;
  forward: ForwardOptions;
  /** Read and plan only: push nothing, delete nothing. */
  dryRun?: boolean;
  onMessage?: (outcome: RedriveOutcome, handled: number) => void;
}

type Letter = { kind: 'call'; letter: DeadLetter & { pk: string } } | { kind: 'other'; why: string };

/** What a dead-letter message holds: one of the forwarder's letters, or something it cannot redrive. */
export function readLetter(body: string): Letter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'other', why: 'not JSON: not a message the forwarder wrote' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { kind: 'other', why: 'not a JSON object: not a message the forwarder wrote' };
  const message = parsed as Record<string, unknown>;
  const batch = message.DDBStreamBatchInfo;
  if (typeof batch === 'object' && batch !== null) {
    const info = batch as Record<string, unknown>;
    const when = [info.approximateArrivalOfFirstRecord, info.approximateArrivalOfLastRecord].filter((v) => typeof v === 'string').join(' .. ');
    return {
      kind: 'other',
      why:
        `a stream position, not a call (the event source mapping's on-failure record: shard ${String(info.shardId)}, ` +
        `sequence ${String(info.startSequenceNumber)}..${String(info.endSequenceNumber)}${when ? `, records from ${when}` : ''}): ` +
        're-send the calls of that time with `npm run cekura -- push --from ... --to ...`, then delete this message',
    };
  }
  if (typeof message.pk === 'string' && message.pk !== '' && 'reason' in message)
    return { kind: 'call', letter: message as unknown as DeadLetter & { pk: string } };
  if ('reason' in message) return { kind: 'other', why: `the stored item had no readable key (${String(message.reason).slice(0, 200)})` };
  return { kind: 'other', why: 'neither a forwarder letter nor an on-failure record' };
}

export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveOutcome[]> {
  const outcomes: RedriveOutcome[] = [];
  const seen = new Set<string>();
  // The same call dead-lettered twice is pushed once; each of its messages follows that outcome.
  const byPk = new Map<string, Promise<{ accepted: boolean; outcome: (messageId: string) => RedriveOutcome }>>();
  const record = (outcome: RedriveOutcome) => {
    outcomes.push(outcome);
    options.onMessage?.(outcome, outcomes.length);
  };
  for (;;) {
    // Messages left in the queue turn visible again after their visibility timeout: seen once is enough.
    const messages = (await options.queue.receive()).filter((m) => !seen.has(m.messageId));
    if (messages.length === 0) break;
    for (const message of messages) {
      seen.add(message.messageId);
      const letter = readLetter(message.body);
      if (letter.kind === 'other') {
        record({ kind: 'not-redrivable', messageId: message.messageId, why: letter.why });
        continue;
      }
      const { pk } = letter.letter;
      if (!byPk.has(pk)) byPk.set(pk, redriveCall(letter.letter, options));
      const { accepted, outcome } = await byPk.get(pk)!;
      if (accepted) {
        try {
          await options.queue.remove(message);
        } catch (error) {
          const reason = `pushed, but the message could not be deleted (a redrive will push it again): ${error instanceof Error ? error.message : String(error)}`;
          record({ kind: 'failed', messageId: message.messageId, callId: letter.letter.callId, reason });
          continue;
        }
      }
      record(outcome(message.messageId));
    }
  }
  return outcomes;
}

async function redriveCall(
  letter: DeadLetter & { pk: string },
  options: RedriveOptions,
): Promise<{ accepted: boolean; outcome: (messageId: string) => RedriveOutcome }> {
  const { pk } = letter;
  const failed = (callId: string | undefined, reason: string) => ({
    accepted: false,
    outcome: (messageId: string): RedriveOutcome => ({ kind: 'failed', messageId, callId, reason }),
  });
  let call: Call | undefined;
  try {
    call = await options.readCall(pk);
  } catch (error) {
    return failed(undefined, `could not read stored call ${pk}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!call) {
    return {
      accepted: false,
      outcome: (messageId) => ({
        kind: 'not-redrivable',
        messageId,
        why: `call ${pk} is no longer stored (expired or deleted): nothing to push; delete the message`,
      }),
    };
  }
  const id = call.id;
  // A letter of one way is redriven that way only: the other way has its own queue and forwarder.
  const channels = letter.channel === undefined ? options.forward.channels : [letter.channel];
  const forward: ForwardOptions = { ...options.forward, ignorePushWindow: true, channels };
  if (options.dryRun) {
    const plan = await planPush([call], forward);
    const route = plan.batches[0]?.routes[0] ?? plan.observe[0]?.route;
    if (!route) return { accepted: false, outcome: (messageId) => ({ kind: 'unrouted', messageId, callId: id }) };
    return { accepted: false, outcome: (messageId) => ({ kind: 'would-redrive', messageId, callId: id, route }) };
  }
  let result: Awaited<ReturnType<typeof forwardCalls>>;
  try {
    result = await forwardCalls([call], forward);
  } catch (error) {
    return failed(id, error instanceof Error ? error.message : String(error));
  }
  const route = result.routes[0];
  if (result.unrouted.length > 0) return { accepted: false, outcome: (messageId) => ({ kind: 'unrouted', messageId, callId: id }) };
  if (result.elsewhere.length > 0)
    return failed(
      id,
      `it is now a ${letter.channel === 'observe' ? 'test call (webhook)' : 'production call (Observe)'}: push it that way with npm run cekura -- push`,
    );
  if (route && result.sent.includes(id)) return { accepted: true, outcome: (messageId) => ({ kind: 'redriven', messageId, callId: id, route }) };
  const failure = result.failed[0];
  return failed(id, failure ? `${failure.status ? `HTTP ${failure.status}` : 'no answer'}: ${failure.reason}` : 'not sent');
}

export type { QueuedMessage };
