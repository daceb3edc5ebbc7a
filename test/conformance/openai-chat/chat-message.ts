/**
 * The types the openai-chat corpus inputs are checked against: the `openai` package's own message
 * definitions, plus the per-message times and interruption flag an app adds when it logs them.
 */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ResponseInputItem } from 'openai/resources/responses/responses';

export type LoggedTimes = { timestamp?: string | number; start_time?: number; end_time?: number; interrupted?: boolean };

/** One chat-completions message as an app logs it. */
export type LoggedChatMessage = ChatCompletionMessageParam & LoggedTimes;

/** One Responses API input item as an app logs it (OpenAI Agents' `to_input_list()`). */
export type LoggedResponsesItem = ResponseInputItem & LoggedTimes;

export interface StackEnvelope<T> {
  id: string;
  customer: { number: string };
  phoneNumber?: string;
  startedAt?: string;
  endedAt?: string;
  endedReason?: string;
  transcript: T;
}
