/**
 * What the corpus cases do not show of the three app-logged stacks: the envelope's fields win over
 * what `setup` says, untimed logs need startedAt, and each unreadable entry is refused by its path.
 */
import { parseIngestBody } from '../../../../lib/ingest';
import type { SourceName } from '../../../../lib/sources';
import { relayInboundFromSetup, relayUnstamped } from '../../../fixtures/sources/stacks/twilio-conversation-relay/calls';
import { ingestedAs } from '../../../support/ingested';

const issuesOf = (source: SourceName, envelope: unknown) => {
  const result = parseIngestBody(envelope, { source, webCallNumber: undefined });
  return result.ok ? undefined : result.issues;
};
const envelope = (transcript: unknown) => ({ id: 'c-1', customer: { number: '+16505550100' }, startedAt: '2025-06-10T15:00:00Z', transcript });

describe('twilio-conversation-relay', () => {
  it("takes the call's id and numbers from setup only where the envelope leaves them out", () => {
    const { call } = ingestedAs('twilio-conversation-relay', { ...relayInboundFromSetup, id: 'my-call-id', phoneNumber: '+14155550999' });
    expect([call.id, call.customer.number, call.phoneNumber]).toEqual(['my-call-id', '+16505550142', '+14155550999']);
    const outbound = ingestedAs('twilio-conversation-relay', {
      startedAt: '2025-06-10T15:00:00Z',
      transcript: [
        { type: 'setup', callSid: 'CA9', from: '+14155550100', to: '+16505550188', direction: 'outbound-api' },
        { type: 'text', token: 'Hi!', last: true },
      ],
    });
    // Outbound: the customer is the number called.
    expect([outbound.call.id, outbound.call.customer.number, outbound.call.phoneNumber]).toEqual(['CA9', '+16505550188', '+14155550100']);
  });

  it('needs startedAt when the log has no stamps, and refuses an entry without a type by its path', () => {
    const { startedAt: _omitted, ...unstamped } = relayUnstamped;
    expect(issuesOf('twilio-conversation-relay', unstamped)).toEqual([{ path: 'startedAt', message: expect.stringContaining('is required') }]);
    expect(issuesOf('twilio-conversation-relay', envelope([{ type: 'prompt', voicePrompt: 'Hi', last: true }, { token: 'x' }]))).toEqual([
      { path: 'transcript[1].type', message: expect.stringContaining('is required') },
    ]);
    expect(issuesOf('twilio-conversation-relay', envelope([{ type: 'dtmf', received_at: 'soon' }]))).toEqual([
      { path: 'transcript[0].received_at', message: expect.stringContaining('must be an instant') },
    ]);
  });
});

describe('deepgram-voice-agent', () => {
  it('refuses a ConversationText role it does not know and a FunctionCallRequest without ids', () => {
    expect(issuesOf('deepgram-voice-agent', envelope([{ type: 'ConversationText', role: 'system', content: 'x' }]))).toEqual([
      { path: 'transcript[0].role', message: 'must be "user" or "assistant"' },
    ]);
    expect(
      issuesOf('deepgram-voice-agent', envelope({ events: [{ type: 'FunctionCallRequest', functions: [{ name: 'f', arguments: '{}', client_side: true }] }] })),
    ).toEqual([{ path: 'transcript.events[0].functions[0].id', message: expect.stringContaining('is required') }]);
  });

  it('starts an agent turn whose text follows AgentStartedSpeaking at the speaking event', () => {
    const { call } = ingestedAs('deepgram-voice-agent', {
      ...envelope([
        { type: 'AgentStartedSpeaking', total_latency: 0.5, tts_latency: 0.2, ttt_latency: 0.3, received_at: Date.parse('2025-06-10T15:00:01Z') },
        { type: 'ConversationText', role: 'assistant', content: 'Hello!', received_at: Date.parse('2025-06-10T15:00:01.200Z') },
        { type: 'AgentAudioDone', received_at: Date.parse('2025-06-10T15:00:02Z') },
      ]),
    });
    expect(call.messages).toEqual([{ role: 'bot', content: 'Hello!', start_time: 1, end_time: 2, total_latency: 0.5, tts_latency: 0.2, ttt_latency: 0.3 }]);
  });
});

describe('nova-sonic', () => {
  it('refuses additionalModelFields that is not JSON, and an entry holding no one event', () => {
    expect(
      issuesOf(
        'nova-sonic',
        envelope([{ event: { contentStart: { contentId: 'a', role: 'ASSISTANT', type: 'TEXT', additionalModelFields: '{generationStage' } } }]),
      ),
    ).toEqual([{ path: 'transcript[0].event.contentStart.additionalModelFields', message: expect.stringContaining('must be JSON text') }]);
    expect(issuesOf('nova-sonic', envelope([{ textOutput: { role: 'USER', content: 'hi' } }, { textOutput: {}, toolUse: {} }]))).toEqual([
      { path: 'transcript[1]', message: expect.stringContaining('must be a Nova Sonic stream event') },
    ]);
  });

  it("reads an app-stamped wrapper around the sample's { event } object", () => {
    const { call } = ingestedAs('nova-sonic', {
      ...envelope([
        { received_at: Date.parse('2025-06-10T15:00:03Z'), event: { event: { textOutput: { role: 'USER', content: 'Is the store open?' } } } },
        { received_at: Date.parse('2025-06-10T15:00:04Z'), event: { event: { textOutput: { role: 'ASSISTANT', content: 'Yes, until nine.' } } } },
      ]),
    });
    expect(call.messages.map((m) => [m.role, m.content, m.start_time])).toEqual([
      ['user', 'Is the store open?', 3],
      ['bot', 'Yes, until nine.', 4],
    ]);
  });
});
