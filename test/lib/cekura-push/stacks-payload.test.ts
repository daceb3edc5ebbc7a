/**
 * The push built from every self-built stack's fixture is what Cekura's reference agent sends
 * (cekura-bench, reference-agents/gpt-realtime/lib/cekura-transcript.mjs): one call with
 * `{ id, startedAt, endedAt, endedReason, messages, metadata, from_phone_number, run_id? }`, the
 * caller in from_phone_number, messages `{ role, content, start_time, end_time, data? }` in seconds
 * from the start, sorted by start, end >= start, inside the call.
 */
import * as v from 'valibot';
import { buildWebhookPayload } from '../../../lib/cekura-push/payload';
import { parseIngestBody } from '../../../lib/ingest';
import { deepgramRefillWithTool } from '../../fixtures/sources/stacks/deepgram-voice-agent/calls';
import { STACKS, stackFixtures } from '../../support/stack-fixtures';

const ReferenceMessage = v.looseObject({
  role: v.picklist(['system', 'bot', 'user', 'function_call', 'function_call_result']),
  content: v.string(),
  start_time: v.pipe(v.number(), v.minValue(0)),
  end_time: v.pipe(v.number(), v.minValue(0)),
  data: v.optional(
    v.union([
      v.strictObject({ id: v.string(), name: v.string(), arguments: v.string() }),
      v.strictObject({ id: v.string(), name: v.string(), result: v.string() }),
    ]),
  ),
});
const ReferencePush = v.strictObject({
  agent_id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  calls: v.pipe(
    v.array(
      v.strictObject({
        id: v.string(),
        startedAt: v.pipe(v.string(), v.isoTimestamp()),
        endedAt: v.pipe(v.string(), v.isoTimestamp()),
        endedReason: v.string(),
        messages: v.array(ReferenceMessage),
        metadata: v.record(v.string(), v.unknown()),
        from_phone_number: v.pipe(v.string(), v.regex(/^\+[1-9]\d{1,14}$/)),
        to_phone_number: v.optional(v.pipe(v.string(), v.regex(/^\+[1-9]\d{1,14}$/))),
        run_id: v.optional(v.pipe(v.number(), v.integer())),
      }),
    ),
    v.length(1),
  ),
});

describe("the push built from each stack's fixtures", () => {
  // The fixtures the source stores (the ones it refuses on purpose are tested with their source).
  const fixtures = stackFixtures().filter(([, source, envelope]) => parseIngestBody(envelope, { source, webCallNumber: undefined }).ok);

  it('covers every stack', () => {
    expect(new Set(fixtures.map(([, source]) => source))).toEqual(new Set(STACKS));
  });

  it.each(fixtures)('%s: the shape of the reference agent, times in the call and in order', (_, source, envelope) => {
    const parsed = parseIngestBody(envelope, { source, webCallNumber: undefined });
    if (!parsed.ok) throw new Error('filtered out above');
    const { call } = parsed.calls[0]!;
    const payload = buildWebhookPayload([call], { agentId: 4321 });
    const result = v.safeParse(ReferencePush, payload);
    expect(result.success ? [] : v.flatten(result.issues)).toEqual([]);
    const [sent] = payload.calls;
    expect(sent!.from_phone_number).toBe(call.customer.number);
    expect(sent!.run_id).toBe(envelope.runId);
    const duration = (Date.parse(sent!.endedAt) - Date.parse(sent!.startedAt)) / 1000;
    const starts = sent!.messages.map((m) => m.start_time);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    for (const m of sent!.messages) {
      expect(m.end_time).toBeGreaterThanOrEqual(m.start_time);
      expect(m.end_time).toBeLessThanOrEqual(duration + 1);
    }
    // Every tool result answers a call that came before it.
    const called = new Set<string>();
    for (const m of sent!.messages) {
      if (m.role === 'function_call') called.add(m.data!.id);
      if (m.role === 'function_call_result') expect([m.data!.id, called.has(m.data!.id)]).toEqual([m.data!.id, true]);
    }
  });
});

describe('latencies a stack measured', () => {
  it("are pushed on the agent's messages as the source stored them (Deepgram's AgentStartedSpeaking)", () => {
    const parsed = parseIngestBody(deepgramRefillWithTool, { source: 'deepgram-voice-agent', webCallNumber: undefined });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const [sent] = buildWebhookPayload([parsed.calls[0]!.call], { agentId: 4321 }).calls;
    expect(sent!.messages.filter((m) => m.total_latency !== undefined).map((m) => [m.role, m.total_latency, m.tts_latency, m.ttt_latency])).toEqual([
      ['bot', 0.41, 0.18, 0.23],
      ['bot', 1.65, 0.2, 1.45],
      ['bot', 0.43, 0.17, 0.26],
    ]);
  });
});
