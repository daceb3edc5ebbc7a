import { type IngestOptions, parseIngestBody } from '../../../lib/ingest';
import { detectSource, type SourceName } from '../../../lib/sources';
import { fillMissingTimes } from '../../../lib/sources/timing';
import { cekuraObserve } from '../../fixtures/sources/cekura/observe';
import { elevenlabsAudioEvent, elevenlabsInboundWithTools, elevenlabsWebCall } from '../../fixtures/sources/platforms/elevenlabs';
import { retellCallStarted, retellInboundWithTools, retellNotConnected, retellOutbound, retellWebCall } from '../../fixtures/sources/platforms/retell';
import { vapiInboundWithTools, vapiSipCall, vapiStatusUpdate, vapiWebCall } from '../../fixtures/sources/platforms/vapi';

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
  it('takes the stereo recording when artifact.recording has nothing else (the SIP call itself is a corpus case)', () => {
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
