import { type IngestOptions, parseIngestBody } from '../../../lib/ingest';
import { detectSource, type SourceName } from '../../../lib/sources';
import { fillMissingTimes } from '../../../lib/sources/timing';
import { cekuraObserve } from '../../fixtures/sources/cekura/observe';
import {
  elevenlabsAudioEvent,
  elevenlabsInboundWithTools,
  elevenlabsOddDetails,
  elevenlabsOutbound,
  elevenlabsWebCall,
} from '../../fixtures/sources/platforms/elevenlabs';
import {
  retellCallStarted,
  retellInboundWithTools,
  retellNotConnected,
  retellOddDetails,
  retellOutbound,
  retellWebCall,
} from '../../fixtures/sources/platforms/retell';
import {
  vapiInboundWithTools,
  vapiNeverStarted,
  vapiOutboundNoSecondsFromStart,
  vapiSipCall,
  vapiStatusUpdate,
  vapiWebCall,
} from '../../fixtures/sources/platforms/vapi';

const options = (source?: SourceName, webCallNumber?: string): IngestOptions => ({ source, webCallNumber });

/** The one call a payload becomes, checked to come out the same with the source named or detected. */
function normalised(payload: unknown, source: SourceName) {
  const named = parseIngestBody(payload, options(source));
  const detected = parseIngestBody(payload, options());
  if (!named.ok) throw new Error(JSON.stringify(named.issues));
  expect(detected).toEqual(named);
  expect(named.calls).toHaveLength(1);
  expect(named.calls[0]!.source).toBe(source);
  return named.calls[0]!.call;
}

describe('Vapi end-of-call-report', () => {
  it('maps an inbound call with tools and an interruption, field by field', () => {
    const call = normalised(vapiInboundWithTools, 'vapi');
    expect(call).toEqual({
      id: 'vapi-call-1',
      startedAt: '2025-05-20T14:00:00.000Z',
      endedAt: '2025-05-20T14:01:35.250Z',
      customer: { number: '+16505551234', name: 'Ada Lovelace' },
      messages: [
        { role: 'system', content: 'You are a scheduling assistant.', start_time: 0, end_time: 0 },
        { role: 'bot', content: 'Hello, this is Riley. How can I help?', start_time: 0.8, end_time: 3.3 },
        { role: 'user', content: 'I want to book a cleaning on Tuesday.', start_time: 4.1, end_time: 6.9 },
        {
          role: 'function_call',
          content: '',
          start_time: 7.2,
          end_time: 7.2,
          data: { id: 'call_abc', name: 'book_appointment', arguments: '{"day":"tuesday","service":"cleaning"}' },
        },
        {
          role: 'function_call_result',
          content: '',
          start_time: 7.9,
          end_time: 7.9,
          data: { id: 'call_abc', name: 'book_appointment', result: '{"confirmed":true,"time":"10:00"}' },
        },
        { role: 'bot', content: 'You are booked for Tuesday at ten. Is there anything—', start_time: 8.2, end_time: 10.1 },
        { role: 'user', content: 'No, that is all, thanks.', start_time: 9.9, end_time: 11.4 },
      ],
      endedReason: 'customer-ended-call',
      recordingUrl: 'https://storage.vapi.ai/vapi-call-1-mono.wav',
      phoneNumber: '+14155550100',
      metadata: { crmId: 'C-77', adapter: { source: 'vapi', callType: 'inboundPhoneCall', assistantId: 'asst_42' } },
    });
  });

  it('derives relative times from epoch-ms `time` when secondsFromStart is absent (outbound)', () => {
    const call = normalised(vapiOutboundNoSecondsFromStart, 'vapi');
    expect(call.customer.number).toBe('+442079460958');
    expect(call.phoneNumber).toBe('+14155550100');
    expect(call.messages).toEqual([{ role: 'bot', content: 'Hi, this is a reminder call.', start_time: 1.5, end_time: 4 }]);
  });

  it('acknowledges other server messages without a call', () => {
    expect(parseIngestBody(vapiStatusUpdate, options('vapi'))).toEqual({ ok: true, calls: [], ignored: [expect.stringContaining('status-update')] });
  });

  it('acknowledges a report without startedAt (a call that never connected) with the reason, instead of a 400', () => {
    expect(parseIngestBody(vapiNeverStarted, options('vapi'))).toEqual({
      ok: true,
      calls: [],
      ignored: ['Vapi call "vapi-no-answer-1" never started (no startedAt, endedReason "customer-did-not-answer"): nothing to store'],
    });
  });

  it("keeps a SIP call: the customer's number from its sipUri, the agent's SIP address and the recording under artifact.recording", () => {
    const call = normalised(vapiSipCall, 'vapi');
    expect(call.customer).toEqual({ number: '+16505551234', name: 'Grace' });
    expect(call.phoneNumber).toBeUndefined();
    expect(call.recordingUrl).toBe('https://storage.vapi.ai/vapi-sip-1-mono.wav');
    // The call's own metadata.source is the platform's, kept as sent; the adapter's keys sit apart.
    expect(call.metadata).toEqual({
      source: 'crm-campaign',
      crmId: 'C-9',
      adapter: {
        source: 'vapi',
        callType: 'inboundPhoneCall',
        assistantId: 'asst_7',
        agentNumber: 'sip:agent@pbx.example.com',
        customerAddress: 'sip:+16505551234@sip.example.com',
      },
    });
    const stereoOnly = structuredClone(vapiSipCall);
    stereoOnly.message.artifact.recording = { stereoUrl: 'https://storage.vapi.ai/s.wav' } as typeof stereoOnly.message.artifact.recording;
    expect(normalised(stereoOnly, 'vapi').recordingUrl).toBe('https://storage.vapi.ai/s.wav');
  });

  it('files a SIP customer without a number like a web call: refused naming customer.sipUri unless WEB_CALL_NUMBER is set', () => {
    const anonymous = structuredClone(vapiSipCall);
    anonymous.message.customer.sipUri = 'sip:alice@pbx.example.com';
    expect(parseIngestBody(anonymous, options('vapi'))).toEqual({
      ok: false,
      issues: [{ path: 'message.customer.sipUri', message: expect.stringContaining('WEB_CALL_NUMBER') }],
    });
    const accepted = parseIngestBody(anonymous, options('vapi', '+19999999999'));
    expect(
      accepted.ok && [accepted.calls[0]!.call.customer.number, (accepted.calls[0]!.call.metadata!.adapter as { customerAddress: string }).customerAddress],
    ).toEqual(['+19999999999', 'sip:alice@pbx.example.com']);
  });
});

describe('Retell webhooks', () => {
  it('maps an inbound call: caller as customer, word timings, untimed tools placed between their neighbours', () => {
    const call = normalised(retellInboundWithTools, 'retell');
    expect(call).toMatchObject({
      id: 'retell-call-1',
      startedAt: '2025-05-21T09:00:00.000Z',
      endedAt: '2025-05-21T09:02:00.000Z',
      customer: { number: '+16505551234' },
      phoneNumber: '+14155550100',
      endedReason: 'user_hangup',
      recordingUrl: 'https://retell.example/rec/retell-call-1.wav',
      metadata: { campaign: 'spring', adapter: { source: 'retell', agentId: 'agent_9', callType: 'phone_call', direction: 'inbound' } },
    });
    expect(call.messages).toEqual([
      { role: 'bot', content: 'Hi, thanks for calling Acme Dental.', start_time: 0.5, end_time: 2.5 },
      { role: 'user', content: 'Can you check my appointment?', start_time: 3, end_time: 4.6 },
      {
        role: 'function_call',
        content: '',
        start_time: 4.6,
        end_time: 4.6,
        data: { id: 'tc_1', name: 'lookup_appointment', arguments: '{"phone":"+16505551234"}' },
      },
      {
        role: 'function_call_result',
        content: '',
        start_time: 4.6,
        end_time: 4.6,
        data: { id: 'tc_1', name: 'lookup_appointment', result: '{"date":"2025-05-27"}' },
      },
      { role: 'bot', content: 'You are booked for May 27th.', start_time: 5.2, end_time: 7 },
      { role: 'user', content: '[DTMF 1]', start_time: 7, end_time: 7 },
      { role: 'bot', content: 'Anything else I can', start_time: 8, end_time: 9.2 },
      { role: 'user', content: 'No thanks.', start_time: 8.9, end_time: 9.6 },
    ]);
  });

  it('takes the callee as customer on outbound calls and derives the end from duration_ms', () => {
    const call = normalised(retellOutbound, 'retell');
    expect([call.customer.number, call.phoneNumber, call.endedAt]).toEqual(['+16505559999', '+14155550100', '2025-05-21T10:00:15.000Z']);
  });

  it('acknowledges call_started without a call', () => {
    expect(parseIngestBody(retellCallStarted, options('retell'))).toMatchObject({ ok: true, calls: [], ignored: [expect.stringContaining('call_started')] });
  });

  it('acknowledges a call that never connected (not_connected, no start_timestamp) with the reason, instead of a 400', () => {
    expect(parseIngestBody(retellNotConnected, options('retell'))).toEqual({
      ok: true,
      calls: [],
      ignored: ['Retell call "retell-not-connected-1" never connected (call_status "not_connected", disconnection_reason "dial_no_answer"): nothing to store'],
    });
  });

  it('keeps a call with odd details: an orphan tool result, a failed tool, a transfer target, a SIP agent number, metadata keys of its own', () => {
    const call = normalised(retellOddDetails, 'retell');
    expect(call.messages).toEqual([
      { role: 'bot', content: 'Let me check.', start_time: 0.5, end_time: 1.5 },
      { role: 'function_call_result', content: '', start_time: 1.5, end_time: 1.5, data: { id: 'tc_lost', name: 'unknown_tool', result: 'ok' } },
      { role: 'function_call', content: '', start_time: 1.5, end_time: 1.5, data: { id: 'tc_2', name: 'transfer_call', arguments: '{"to":"billing"}' } },
      {
        role: 'function_call_result',
        content: '',
        start_time: 1.5,
        end_time: 1.5,
        data: { id: 'tc_2', name: 'transfer_call', result: '{"error":"busy"}' },
        is_error: true,
      },
      { role: 'bot', content: '[transfer target] Billing, this is Sam.', start_time: 20, end_time: 21.5 },
      { role: 'user', content: 'Hi Sam.', start_time: 22, end_time: 22.8 },
    ]);
    expect(call.phoneNumber).toBeUndefined();
    // The platform's `source` and `adapter` keys are kept as sent; the adapter's go to `_adapter`.
    expect(call.metadata).toEqual({
      source: 'crm',
      adapter: 'twilio-bridge',
      _adapter: {
        source: 'retell',
        agentId: 'agent_9',
        callType: 'phone_call',
        direction: 'inbound',
        agentNumber: 'sip:agent@pbx.example.com',
        unnamedToolResults: ['tc_lost'],
      },
    });
  });

  it('still refuses an ended call without start_timestamp, and keeps an agent number without a country code out of phoneNumber', () => {
    const ended = { event: 'call_ended', call: { ...retellNotConnected.call, call_status: 'ended' } };
    expect(parseIngestBody(ended, options('retell'))).toEqual({
      ok: false,
      issues: [{ path: 'call.start_timestamp', message: expect.stringContaining('required') }],
    });
    const local = { ...retellOutbound, call: { ...retellOutbound.call, from_number: '4155550100' } };
    const call = normalised(local, 'retell');
    expect([call.phoneNumber, (call.metadata!.adapter as { agentNumber: string }).agentNumber]).toEqual([undefined, '4155550100']);
  });
});

describe('ElevenLabs post_call_transcription', () => {
  it('maps turns, tool calls and results on a turn without text, one timestamp per turn', () => {
    const call = normalised(elevenlabsInboundWithTools, 'elevenlabs');
    expect(call).toEqual({
      id: 'conv_el_1',
      startedAt: '2025-05-21T10:00:00.000Z',
      endedAt: '2025-05-21T10:00:42.000Z',
      customer: { number: '+16505551234' },
      messages: [
        { role: 'bot', content: 'Hello! How can I help you today?', start_time: 0, end_time: 0 },
        { role: 'user', content: 'What is the weather in Paris?', start_time: 3, end_time: 3 },
        { role: 'function_call', content: '', start_time: 5, end_time: 5, data: { id: 'req_1', name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { role: 'function_call_result', content: '', start_time: 5, end_time: 5, data: { id: 'req_1', name: 'get_weather', result: '{"temp_c":18}' } },
        { role: 'bot', content: 'It is 18 degrees in Paris.', start_time: 6, end_time: 6, interrupted: true },
        { role: 'user', content: 'Thanks!', start_time: 8, end_time: 8 },
      ],
      endedReason: 'end_call tool was called.',
      phoneNumber: '+14155550100',
      metadata: { adapter: { source: 'elevenlabs', agentId: 'agent_el_1', status: 'done', direction: 'inbound' } },
    });
  });

  it('takes external_number as the customer on outbound calls too', () => {
    const call = normalised(elevenlabsOutbound, 'elevenlabs');
    expect([call.customer.number, call.phoneNumber, call.endedReason, call.endedAt]).toEqual([
      '+16505559999',
      '+14155550100',
      'Call ended by remote party',
      '2025-05-21T11:00:20.000Z',
    ]);
  });

  it('acknowledges audio events without a call', () => {
    expect(parseIngestBody(elevenlabsAudioEvent, options('elevenlabs'))).toMatchObject({
      ok: true,
      calls: [],
      ignored: [expect.stringContaining('post_call_audio')],
    });
  });

  it('keeps keypad turns, interruptions, failed tools and an agent number that is not E.164', () => {
    const call = normalised(elevenlabsOddDetails, 'elevenlabs');
    expect(call.messages).toEqual([
      { role: 'bot', content: 'Press 1 for sales, or tell me what you', start_time: 1, end_time: 1, interrupted: true },
      { role: 'user', content: '[DTMF 1]', start_time: 4, end_time: 4 },
      { role: 'function_call', content: '', start_time: 6, end_time: 6, data: { id: 'req_9', name: 'route_call', arguments: '{"queue":"sales"}' } },
      { role: 'function_call_result', content: '', start_time: 6, end_time: 6, data: { id: 'req_9', name: 'route_call', result: 'timeout' }, is_error: true },
    ]);
    expect(call.phoneNumber).toBeUndefined();
    expect(call.metadata).toEqual({
      adapter: { source: 'elevenlabs', agentId: 'agent_el_1', status: 'done', direction: 'inbound', agentNumber: '4155550100' },
    });
  });
});

describe('web calls (no phone number)', () => {
  it.each([
    ['vapi', vapiWebCall, 'message.customer.number'],
    ['retell', retellWebCall, 'call.from_number'],
    ['elevenlabs', elevenlabsWebCall, 'data.metadata.phone_call.external_number'],
  ] as const)('%s: refused with the reason unless WEB_CALL_NUMBER is set', (source, payload, path) => {
    expect(parseIngestBody(payload, options(source))).toEqual({ ok: false, issues: [{ path, message: expect.stringContaining('WEB_CALL_NUMBER') }] });
    const accepted = parseIngestBody(payload, options(source, '+19999999999'));
    expect(accepted.ok && accepted.calls[0]!.call.customer.number).toBe('+19999999999');
  });
});

describe('format detection', () => {
  it('tells the formats apart', () => {
    const cases: Array<[unknown, SourceName]> = [
      [vapiInboundWithTools, 'vapi'],
      [vapiStatusUpdate, 'vapi'],
      [retellInboundWithTools, 'retell'],
      [retellCallStarted, 'retell'],
      [elevenlabsInboundWithTools, 'elevenlabs'],
      [elevenlabsAudioEvent, 'elevenlabs'],
      [cekuraObserve, 'cekura'],
      [{ id: 'x', startedAt: 'x', messages: [] }, 'custom'],
    ];
    for (const [payload, source] of cases) expect(detectSource(payload)?.name).toBe(source);
    expect(detectSource({ foo: 1 })).toBeUndefined();
  });

  it('reports a payload of the named source that is malformed, with its path', () => {
    const broken = { event: 'call_ended', call: { call_id: 'x', direction: 'inbound', from_number: '+16505551234' } };
    expect(parseIngestBody([broken], options('retell'))).toEqual({
      ok: false,
      issues: [{ path: '[0].call.start_timestamp', message: expect.stringContaining('required') }],
    });
  });

  it('keeps one call per id across sources: the later payload wins (issue 11.4)', () => {
    const vapiCall = { ...vapiInboundWithTools, message: { ...vapiInboundWithTools.message, call: { ...vapiInboundWithTools.message.call, id: 'same' } } };
    const retellCall = { ...retellOutbound, call: { ...retellOutbound.call, call_id: 'same' } };
    const result = parseIngestBody([vapiCall, retellCall]);
    expect(result.ok && result.calls.map((c) => `${c.source}#${c.call.id}`)).toEqual(['retell#same']);
  });
});

describe('fillMissingTimes', () => {
  it('places untimed entries at the end of the message before, or the start of the next', () => {
    expect(
      fillMissingTimes([
        { role: 'function_call', content: '', data: { id: 'a', name: 'n', arguments: '{}' } },
        { role: 'bot', content: 'x', start_time: 2, end_time: 5 },
        { role: 'function_call', content: '', data: { id: 'b', name: 'n', arguments: '{}' } },
        { role: 'user', content: 'y', start_time: 4, end_time: 6 },
      ]).map((m) => [m.start_time, m.end_time]),
    ).toEqual([
      [2, 2],
      [2, 5],
      [4, 4], // capped by the next message's start so the order survives sorting
      [4, 6],
    ]);
  });
});
