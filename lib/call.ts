/**
 * Cekura's custom-provider call format, defined once. `CallSchema` validates what ingest accepts
 * and transforms it into the canonical `Call` that GET returns: UTC timestamps with millisecond
 * precision, E.164 numbers, tool arguments/results as JSON strings, messages sorted by start_time.
 */
import * as v from 'valibot';
import { E164_MESSAGE, normalisePhoneNumber } from './phone';
import { ISO_INSTANT_MESSAGE, parseIsoInstant, toIsoMillis } from './timestamps';

export const MESSAGE_ROLES = ['system', 'bot', 'user', 'function_call', 'function_call_result'] as const;

const PhoneNumberSchema = v.pipe(
  v.string('must be a string'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const normalised = normalisePhoneNumber(dataset.value);
    if (normalised === undefined) {
      addIssue({ message: E164_MESSAGE });
      return NEVER;
    }
    return normalised;
  }),
);

const TimestampSchema = v.pipe(
  v.string('must be a string'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const ms = parseIsoInstant(dataset.value);
    if (ms === undefined) {
      addIssue({ message: ISO_INSTANT_MESSAGE });
      return NEVER;
    }
    return toIsoMillis(ms);
  }),
);

const SecondsSchema = v.pipe(
  v.number('must be a number of seconds from the start of the call'),
  v.finite('must be a finite number'),
  v.minValue(0, 'must be >= 0 (seconds from the start of the call)'),
);

/** Cekura expects strings; an object or array given on ingest is kept as its JSON text. */
const JsonTextSchema = v.pipe(
  v.union([v.string(), v.record(v.string(), v.unknown()), v.array(v.unknown())], 'must be a string or a JSON object'),
  v.transform((value): string => (typeof value === 'string' ? value : JSON.stringify(value))),
);

const ToolIdSchema = v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'));

const timing = {
  start_time: SecondsSchema,
  end_time: SecondsSchema,
};

type Timed = { start_time: number; end_time: number };

/** Reported on end_time, where the fix belongs. */
function endNotBeforeStart<T extends Timed>() {
  return v.forward<T, v.CheckIssue<T>, ['end_time']>(
    v.check<T, string>((m) => m.end_time >= m.start_time, 'must be >= start_time'),
    ['end_time'] as never,
  );
}

const TextMessageSchema = v.pipe(
  v.object({
    role: v.picklist(['system', 'bot', 'user']),
    content: v.string('must be a string'),
    ...timing,
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
  }),
  endNotBeforeStart(),
);

export const MessageSchema = v.variant(
  'role',
  [TextMessageSchema, FunctionCallMessageSchema, FunctionResultMessageSchema],
  `must be one of ${MESSAGE_ROLES.join(', ')}`,
);

export const CallSchema = v.pipe(
  v.object(
    {
      id: v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'), v.maxLength(255, 'must be at most 255 characters')),
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
      recordingUrl: v.optional(v.pipe(v.string('must be a string'), v.url('must be a URL'))),
      phoneNumber: v.optional(PhoneNumberSchema),
      metadata: v.optional(v.record(v.string(), v.unknown(), 'must be an object')),
    },
    'must be a call object',
  ),
  v.forward(
    v.partialCheck([['startedAt'], ['endedAt']], (call) => call.endedAt >= call.startedAt, 'must not be before startedAt'),
    ['endedAt'],
  ),
  // Array.prototype.sort is stable, so messages with equal start_time keep their given order.
  v.transform((call) => ({ ...call, messages: [...call.messages].sort((a, b) => a.start_time - b.start_time) })),
);

export type CallInput = v.InferInput<typeof CallSchema>;
export type Call = v.InferOutput<typeof CallSchema>;
export type Message = Call['messages'][number];
export type MessageRole = Message['role'];
