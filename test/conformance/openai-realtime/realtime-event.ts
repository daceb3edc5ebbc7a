/**
 * The types the openai-realtime corpus inputs are checked against: the `openai` package's own GA
 * Realtime events (server and client), as an app logs them, stamped with its receipt (`received_at`)
 * or sending (`sent_at`) time beside the event's fields, or wrapping the event.
 */

import type * as BetaRealtime from 'openai/resources/beta/realtime/realtime';
import type {
  ConversationItem,
  RealtimeClientEvent,
  RealtimeConversationItemAssistantMessage,
  RealtimeResponse,
  RealtimeServerEvent,
} from 'openai/resources/realtime/realtime';

type Stamp = { received_at?: number | string; sent_at?: number | string };

/** An event logged flat, the app's stamp beside its fields. */
export type FlatLoggedEvent = (RealtimeServerEvent | RealtimeClientEvent) & Stamp;

/** An event wrapped with the app's stamp: the only way to stamp an event that has a `received_at` of its own. */
export type WrappedLoggedEvent = Stamp & { event: RealtimeServerEvent | RealtimeClientEvent };

export type LoggedRealtimeEvent = FlatLoggedEvent | WrappedLoggedEvent;

export interface StackEnvelope<T> {
  id: string;
  customer: { number: string };
  phoneNumber?: string;
  startedAt?: string;
  endedAt?: string;
  endedReason?: string;
  transcript: T;
}

/** A response as `response.created` / `response.done` carry it (the fields a log keeps). */
export const realtimeResponse = (id: string, status: 'in_progress' | 'completed' | 'cancelled', output: ConversationItem[] = []): RealtimeResponse => ({
  object: 'realtime.response',
  id,
  status,
  ...(status === 'cancelled' ? { status_details: { type: 'cancelled', reason: 'turn_detected' } } : {}),
  output,
});

/** A finished assistant audio message item with its transcript. */
export const assistantAudio = (id: string, transcript: string): RealtimeConversationItemAssistantMessage => ({
  id,
  object: 'realtime.item',
  type: 'message',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_audio', transcript }],
});

/** A beta Realtime event (`conversation.item.created`, `response.audio_transcript.done`, ...) as an app logs it. */
export type LoggedBetaRealtimeEvent = (BetaRealtime.RealtimeServerEvent | BetaRealtime.RealtimeClientEvent) & Stamp;
