/**
 * Valibot schemas of the API's non-call bodies: the error shape every failure answers with and
 * what POST /calls answers on success. The OpenAPI description is generated from these, tests
 * check real responses against them, and `npm run verify` uses them to judge an endpoint.
 */
import * as v from 'valibot';
import { TraceIdSchema } from '../call/recording-url';

export const FieldIssueSchema = v.object({
  path: v.pipe(v.string(), v.description('Where the problem is, e.g. `calls[3].messages[0].start_time`; empty for the whole body')),
  message: v.string(),
});

export const ErrorBodySchema = v.object({
  error: v.object({
    code: v.pipe(
      v.string(),
      v.description(
        'Stable, machine-readable: invalid_request, unauthorized, not_found, method_not_allowed, payload_too_large, unsupported_media_type, unavailable, internal_error',
      ),
    ),
    message: v.pipe(v.string(), v.description('For people')),
    stored: v.optional(v.pipe(v.array(v.string()), v.description('On a 503 from a write that stopped part way: the ids stored'))),
    notStored: v.optional(v.pipe(v.array(v.string()), v.description('On such a 503: the ids not stored'))),
    unknown: v.optional(v.pipe(v.array(v.string()), v.description('On such a 503: the ids whose write timed out, stored or not'))),
    issues: v.optional(v.pipe(v.array(FieldIssueSchema), v.description('Every problem found, on 400s (and 413s naming calls too large to store)'))),
  }),
});

export const StoreResultSchema = v.object({
  stored: v.pipe(v.number(), v.integer(), v.minValue(0)),
  ids: v.pipe(v.array(v.string()), v.description('The ids stored, in request order, each once')),
  ignored: v.optional(v.pipe(v.array(v.string()), v.description('Why payloads carrying no finished call (platform events) were skipped'))),
  expired: v.optional(
    v.pipe(
      v.array(v.object({ id: v.string(), reason: v.string() })),
      v.description(
        'Calls not stored because they started longer ago than the retention period (they would never be served); not counted in stored or ids. ' +
          'A call stored earlier under the same id is left as it was.',
      ),
    ),
  ),
  untimedMessages: v.optional(
    v.pipe(
      v.record(v.string(), v.pipe(v.number(), v.integer(), v.minValue(1))),
      v.description("Per call id, how many messages had no time of their own in the stack's export and took the end of the message before them"),
    ),
  ),
  dropped: v.optional(
    v.pipe(
      v.record(v.string(), v.record(v.string(), v.pipe(v.number(), v.integer(), v.minValue(1)))),
      v.description(
        'Per call id, what the payload held that did not become a message, counted by kind (e.g. `{ "audio_only_turn": 2 }`): nothing is left out silently',
      ),
    ),
  ),
});

export const EraseResultSchema = v.object({
  deleted: v.pipe(v.number(), v.integer(), v.minValue(0), v.description('Calls deleted (0 when nothing matched: deleting again is safe)')),
});

/** The 503 of an erasure that could not finish: the error shape, plus what was already deleted. */
export const ErasureIncompleteSchema = v.object({
  ...ErrorBodySchema.entries,
  deleted: v.pipe(v.number(), v.integer(), v.minValue(0), v.description('Calls deleted before it stopped; repeat the request to delete the rest')),
});

/** Any JSON object (documented with additionalProperties, which a loose object would not say). */
const OpenObject = v.record(v.string(), v.unknown());

const CekuraId = v.pipe(v.number(), v.integer(), v.minValue(1));

/** One call of Cekura's push webhook body, as Cekura's reference agents send it. */
export const CekuraPushCallSchema = v.object({
  id: v.string(),
  startedAt: v.pipe(v.string(), v.description('ISO 8601 with a zone')),
  endedAt: v.pipe(v.string(), v.description('ISO 8601 with a zone')),
  messages: v.optional(
    v.pipe(
      v.array(
        v.objectWithRest(
          { role: v.string(), content: v.optional(v.string()), start_time: v.number(), end_time: v.number(), data: v.optional(OpenObject) },
          v.unknown(),
        ),
      ),
      v.description('As in CallInput; times in seconds from the start or epoch milliseconds (converted). Extra keys are ignored.'),
    ),
  ),
  from_phone_number: v.optional(v.pipe(v.string(), v.description("The caller: the customer (Cekura's testing agent on inbound tests)"))),
  to_phone_number: v.optional(v.pipe(v.string(), v.description('The customer when from_phone_number is absent; else the agent number'))),
  run_id: v.optional(v.pipe(CekuraId, v.description('The Cekura run the call belongs to'))),
  trace_id: v.optional(TraceIdSchema),
  endedReason: v.optional(v.string()),
  metadata: v.optional(
    v.pipe(
      OpenObject,
      v.description('Kept as given; metadata.recording_url also becomes recordingUrl (a URL or an S3 location), metadata.trace_id the trace_id'),
    ),
  ),
});

/** Cekura's push webhook body: `agent_id` may be left out when every call has a run_id. */
export const CekuraPushBodySchema = v.object({
  agent_id: v.optional(v.pipe(CekuraId, v.description('The Cekura agent of every call in the body'))),
  calls: v.pipe(v.array(CekuraPushCallSchema), v.minLength(1), v.maxLength(100)),
});

/** The body a self-built stack sends at the end of a call (`?source=livekit|pipecat|openai-chat|openai-realtime|gemini-live|ultravox`). */
export const StackCallSchema = v.object({
  id: v.string(),
  customer: v.object({ number: v.pipe(v.string(), v.description('E.164')), name: v.optional(v.string()) }),
  phoneNumber: v.optional(v.pipe(v.string(), v.description("The agent's number, E.164"))),
  startedAt: v.optional(v.pipe(v.string(), v.description("ISO 8601; default: the export's earliest instant (required when it has none)"))),
  endedAt: v.optional(v.pipe(v.string(), v.description("ISO 8601; default: the export's latest instant"))),
  endedReason: v.optional(v.string()),
  recordingUrl: v.optional(
    v.pipe(v.string(), v.description('A URL, or an S3 location (s3://bucket/key or bucket/key) in a bucket listed in recordingBuckets')),
  ),
  metadata: v.optional(OpenObject),
  agentId: v.optional(v.pipe(CekuraId, v.description('The Cekura agent id'))),
  runId: v.optional(v.pipe(CekuraId, v.description('The Cekura run id'))),
  traceId: v.optional(TraceIdSchema),
  transcript: v.pipe(
    v.union([v.array(v.unknown()), OpenObject]),
    v.description(
      "The framework's own export, unchanged: a LiveKit session report / chat_history / items / ChatContext JSON, OpenAI chat messages, Pipecat's LLMContext messages or turn events, OpenAI Realtime events, Gemini Live messages, or Ultravox messages",
    ),
  ),
});

export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;
export type StoreResult = v.InferOutput<typeof StoreResultSchema>;
