/**
 * Cekura's custom-provider call format, defined once. `CallSchema` validates what ingest accepts
 * and transforms it into the canonical `Call` that GET returns: UTC timestamps with millisecond
 * precision, E.164 numbers, tool arguments/results as JSON strings, messages sorted by start_time.
 */
import * as v from 'valibot';
import { wireShape } from '../openapi/wire-shape';
import { parsedString } from '../validation';
import { MESSAGE_TIME_RULE, readMessageTime } from './message-times';
import { ACCEPTED_PHONE_PATTERN, E164_MESSAGE, E164_PATTERN, normalisePhoneNumber } from './phone';
import { RecordingUrlSchema, TraceIdSchema } from './recording-url';
import { ACCEPTED_INSTANT_PATTERN, ISO_INSTANT_MESSAGE, parseIsoInstant, toIsoMillis } from './timestamps';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const MESSAGE_ROLES = ['system', 'bot', 'user', 'function_call', 'function_call_result'] as const;

const PhoneNumberSchema = v.pipe(
  parsedString(normalisePhoneNumber, E164_MESSAGE),
  wireShape({
    served: { type: 'string', pattern: E164_PATTERN.source, examples: ['+16505551234'] },
    accepted: {
      type: 'string',
      pattern: ACCEPTED_PHONE_PATTERN.source,
      description: 'E.164; spaces, dashes, dots, parentheses and a leading %2B are removed',
      examples: ['+16505551234', '+1 (650) 555-1234'],
    },
  }),
);

const TimestampSchema = v.pipe(
  parsedString((value) => {
    const ms = parseIsoInstant(value);
    return ms === undefined ? undefined : toIsoMillis(ms);
  }, ISO_INSTANT_MESSAGE),
  wireShape({
    served: { type: 'string', format: 'date-time', description: 'UTC, millisecond precision', examples: ['2025-01-01T10:00:00.000Z'] },
    accepted: {
      type: 'string',
      pattern: ACCEPTED_INSTANT_PATTERN,
      description: 'ISO 8601 with a time zone (Z or an offset); also a space for T, without seconds',
      examples: ['2025-01-01T10:00:00Z', '2025-01-01T12:00:00+02:00'],
    },
  }),
);

/** Checked against the call's bounds once the call is known: see placeMessageTimes. */
const SecondsSchema = v.pipe(
  v.number('must be a number of seconds from the start of the call'),
  v.finite('must be a finite number'),
  v.minValue(0, 'must be >= 0 (seconds from the start of the call)'),
  wireShape({
    served: { type: 'number', minimum: 0, description: 'Seconds from the start of the call' },
    accepted: { type: 'number', minimum: 0, description: 'Seconds from the start of the call; epoch seconds or milliseconds inside the call are converted' },
  }),
);

/** A JSON object, kept whole: valibot's object and record schemas take an array for one. */
const PlainObjectSchema = v.pipe(
  // Checked before any object schema runs: those copy an array's entries into a new object.
  v.unknown(),
  v.check((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'must be a JSON object (not an array)'),
  v.transform((value) => value as Record<string, unknown>),
  wireShape({ served: { type: 'object', additionalProperties: true }, accepted: { type: 'object', additionalProperties: true } }),
);

/** Cekura expects strings; an object or array given on ingest is kept as its JSON text. */
const JsonTextSchema = v.pipe(
  // The array first: an array is an object too, and must keep its JSON text as an array.
  v.union([v.string(), v.array(v.unknown()), PlainObjectSchema], 'must be a string, a JSON object or an array'),
  v.transform((value): string => (typeof value === 'string' ? value : JSON.stringify(value))),
  wireShape({
    served: { type: 'string', description: 'JSON text' },
    accepted: {
      oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }, { type: 'array', items: {} }],
      description: 'JSON text, or an object or array (stored as its JSON text)',
    },
  }),
);

/** Cekura's agent and run ids are positive integers; Cekura refuses a string. */
const CekuraIdSchema = v.pipe(v.number('must be an integer'), v.safeInteger('must be an integer'), v.minValue(1, 'must be a positive integer'));

const ToolIdSchema = v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'));

const timing = {
  start_time: SecondsSchema,
  end_time: SecondsSchema,
};

type Timed = { start_time: number; end_time: number };

/**
 * Reported on end_time, where the fix belongs. Checked here so it is named with the message's
 * other problems, and again once epoch times are converted (placeMessageTimes).
 */
function endNotBeforeStart<T extends Timed>() {
  return v.forward<T, v.CheckIssue<T>, ['end_time']>(
    v.check<T, string>((m) => m.end_time >= m.start_time, 'must be >= start_time'),
    ['end_time'] as never,
  );
}

/**
 * How long the agent took to answer a turn, in seconds, as the stack measured it (Deepgram's
 * `AgentStartedSpeaking`): extra keys on an agent message, which Cekura ignores.
 */
export const LATENCY_KEYS = ['total_latency', 'tts_latency', 'ttt_latency'] as const;
const LatencySchema = v.optional(v.pipe(v.number('must be a number of seconds'), v.finite('must be a finite number'), v.minValue(0, 'must be >= 0')));

const TextMessageSchema = v.pipe(
  v.object({
    role: v.picklist(['system', 'bot', 'user']),
    content: v.string('must be a string'),
    ...timing,
    /** The speaker was cut off (an extra key: Cekura ignores keys it does not know). */
    interrupted: v.optional(v.boolean('must be true or false')),
    total_latency: LatencySchema,
    tts_latency: LatencySchema,
    ttt_latency: LatencySchema,
  }),
  endNotBeforeStart(),
);

const FunctionCallMessageSchema = v.pipe(
  v.object({
    role: v.literal('function_call'),
    content: v.optional(v.string('must be a string'), ''),
    ...timing,
    data: v.object(
      {
        id: ToolIdSchema,
        name: ToolIdSchema,
        arguments: v.optional(JsonTextSchema, '{}'),
      },
      'a function_call needs data: { id, name, arguments }',
    ),
  }),
  endNotBeforeStart(),
);

const FunctionResultMessageSchema = v.pipe(
  v.object({
    role: v.literal('function_call_result'),
    content: v.optional(v.string('must be a string'), ''),
    ...timing,
    data: v.object(
      {
        id: ToolIdSchema,
        name: ToolIdSchema,
        result: v.optional(JsonTextSchema, ''),
      },
      'a function_call_result needs data: { id, name, result }',
    ),
    /** The tool failed (an extra key: Cekura ignores keys it does not know). */
    is_error: v.optional(v.boolean('must be true or false')),
  }),
  endNotBeforeStart(),
);

export const MessageSchema = v.variant(
  'role',
  [TextMessageSchema, FunctionCallMessageSchema, FunctionResultMessageSchema],
  `must be one of ${MESSAGE_ROLES.join(', ')}`,
);

/**
 * Every message time read by the shared rule (lib/call/message-times.ts): seconds from the start as
 * they are, epoch times inside the call converted, anything outside the call refused with the
 * message's path. Then end_time >= start_time.
 */
function placeMessageTimes<T extends { startedAt: string; endedAt: string; messages: Timed[] }>() {
  return v.rawTransform<T, T>(({ dataset, addIssue, NEVER }) => {
    const call = dataset.value;
    const startMs = Date.parse(call.startedAt);
    const bounds = { startMs, durationS: (Date.parse(call.endedAt) - startMs) / 1000 };
    let failed = false;
    const fail = (index: number, field: 'start_time' | 'end_time', message: string) => {
      failed = true;
      const messages = call.messages as unknown[];
      addIssue({
        message,
        path: [
          { type: 'object', origin: 'value', input: call as unknown as Record<string, unknown>, key: 'messages', value: messages },
          { type: 'array', origin: 'value', input: messages, key: index, value: messages[index] },
          { type: 'object', origin: 'value', input: messages[index] as Record<string, unknown>, key: field, value: call.messages[index]![field] },
        ],
      });
    };
    const latest = bounds.durationS + MESSAGE_TIME_RULE.toleranceS;
    // The messages are this schema's own output objects, not the caller's input: converting in place is safe.
    call.messages.forEach((message, index) => {
      // Fast path, nearly every message: seconds from the start, inside the call, in order.
      if (message.start_time <= message.end_time && message.end_time <= latest && message.end_time < MESSAGE_TIME_RULE.epochSeconds) return;
      const start = readMessageTime(message.start_time, bounds);
      const end = readMessageTime(message.end_time, bounds);
      if (!start.ok) fail(index, 'start_time', start.message);
      if (!end.ok) fail(index, 'end_time', end.message);
      if (start.ok && end.ok && end.seconds < start.seconds) fail(index, 'end_time', 'must be >= start_time');
      if (start.ok && end.ok) {
        message.start_time = start.seconds;
        message.end_time = end.seconds;
      }
    });
    return failed ? NEVER : call;
  });
}

export const CallSchema = v.pipe(
  v.object(
    {
      id: v.pipe(
        v.string('must be a string'),
        v.minLength(1, 'must not be empty'),
        v.maxLength(255, 'must be at most 255 characters'),
        // The id is part of the table key, stored as UTF-8: a lone surrogate (legal in a JSON escape,
        // not in UTF-8) cannot be stored faithfully there.
        v.check((id) => !LONE_SURROGATE.test(id), 'must be valid Unicode text (it has a lone surrogate)'),
      ),
      startedAt: TimestampSchema,
      endedAt: TimestampSchema,
      customer: v.object(
        {
          number: PhoneNumberSchema,
          name: v.optional(v.string('must be a string')),
        },
        'must be an object with number (E.164)',
      ),
      messages: v.array(MessageSchema, 'must be an array of messages'),
      endedReason: v.optional(v.string('must be a string')),
      recordingUrl: v.optional(RecordingUrlSchema),
      phoneNumber: v.optional(PhoneNumberSchema),
      metadata: v.optional(PlainObjectSchema),
      /** The Cekura agent this call belongs to (Cekura's push body `agent_id`). */
      agent_id: v.optional(CekuraIdSchema),
      /** The Cekura test run this call belongs to: Cekura matches a pushed call by it first. */
      run_id: v.optional(CekuraIdSchema),
      trace_id: v.optional(TraceIdSchema),
    },
    'must be a call object',
  ),
  v.forward(
    v.partialCheck([['startedAt'], ['endedAt']], (call) => Date.parse(call.endedAt) >= Date.parse(call.startedAt), 'must not be before startedAt'),
    ['endedAt'],
  ),
  placeMessageTimes(),
  // Array.prototype.sort is stable, so messages with equal start_time keep their given order.
  v.transform((call) => ({ ...call, messages: [...call.messages].sort((a, b) => a.start_time - b.start_time) })),
);

export type CallInput = v.InferInput<typeof CallSchema>;
export type Call = v.InferOutput<typeof CallSchema>;
export type Message = Call['messages'][number];
export type MessageRole = Message['role'];
