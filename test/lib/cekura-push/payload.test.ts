/** The payload pushed to Cekura's custom-provider webhook, from stored calls. */
import * as v from 'valibot';
import { CallSchema } from '../../../lib/call';
import {
  buildWebhookPayload,
  CEKURA_API_KEY_HEADER,
  CEKURA_WEBHOOK_DEFAULT_URL,
  describeRequest,
  parseAgentId,
  webhookRequest,
} from '../../../lib/cekura-push/payload';
import { sampleCall } from '../../support/fixtures';

const stored = (overrides = {}) => v.parse(CallSchema, sampleCall(overrides));

describe('Cekura webhook payload', () => {
  it('maps a stored call to the webhook call format', () => {
    const payload = buildWebhookPayload([stored({ phoneNumber: '+14155550100', recordingUrl: 'https://r.example.com/1.wav', metadata: { campaign: 'x' } })], {
      agentId: 42,
    });
    expect(payload).toEqual({
      agent_id: 42,
      calls: [
        {
          id: 'call-1',
          startedAt: '2025-01-01T10:00:00.000Z',
          endedAt: '2025-01-01T10:01:00.000Z',
          to_phone_number: '+14155550100',
          from_phone_number: '+16505551234',
          endedReason: 'unknown',
          metadata: { campaign: 'x', recording_url: 'https://r.example.com/1.wav' },
          messages: [
            { role: 'bot', content: 'Hi, how can I help?', start_time: 1.5, end_time: 3.2 },
            { role: 'user', content: 'Book me for Tuesday.', start_time: 4.1, end_time: 6.8 },
            { role: 'function_call', content: '', start_time: 7, end_time: 7.1, data: { id: 'tool_1', name: 'book', arguments: '{"day":"tuesday"}' } },
            { role: 'function_call_result', content: '', start_time: 7.1, end_time: 7.2, data: { id: 'tool_1', name: 'book', result: 'ok' } },
          ],
        },
      ],
    });
  });

  it('leaves out to_phone_number without an agent number, and keeps a given endedReason', () => {
    const [call] = buildWebhookPayload([stored({ endedReason: 'customer-ended-call' })], { agentId: 1 }).calls;
    expect(call).not.toHaveProperty('to_phone_number');
    expect(call!.endedReason).toBe('customer-ended-call');
    expect(call!.metadata).toEqual({});
  });

  it("sends the call's run id (run_id, else metadata.cekura_run_id), else one found for it, else none", () => {
    const calls = [
      stored({ id: 'own', run_id: 5 }),
      stored({ id: 'meta', metadata: { cekura_run_id: '6' } }),
      stored({ id: 'found' }),
      stored({ id: 'none' }),
      stored({ id: 'own-wins', run_id: 8 }),
    ];
    const payload = buildWebhookPayload(calls, {
      agentId: 1,
      runIds: new Map([
        ['found', 7],
        ['own-wins', 99],
      ]),
    });
    expect(payload.calls.map((c) => [c.id, c.run_id])).toEqual([
      ['own', 5],
      ['meta', 6],
      ['found', 7],
      ['none', undefined],
      ['own-wins', 8],
    ]);
    expect(payload.calls[3]).not.toHaveProperty('run_id');
    // The customer is the caller; the agent's number is the number dialled.
    const [call] = buildWebhookPayload([stored({ phoneNumber: '+14155550100', run_id: 5 })], { agentId: 1 }).calls;
    expect(call).toMatchObject({ from_phone_number: '+16505551234', to_phone_number: '+14155550100', run_id: 5 });
  });

  it('can send message times as epoch milliseconds', () => {
    const [call] = buildWebhookPayload([stored()], { agentId: 1, messageTimes: 'epoch-ms' }).calls;
    expect(call!.messages[0]).toMatchObject({ start_time: Date.parse('2025-01-01T10:00:01.500Z'), end_time: Date.parse('2025-01-01T10:00:03.200Z') });
  });

  it('requires an integer agent id', () => {
    expect(parseAgentId('123')).toBe(123);
    expect(parseAgentId(7)).toBe(7);
    for (const bad of ['abc', '', '1.5', 0, -3, 1.5, undefined]) expect(() => parseAgentId(bad)).toThrow(/positive integer/);
  });

  it('builds the request with the key in X-CEKURA-API-KEY, and describes it without the key', () => {
    const request = webhookRequest(buildWebhookPayload([stored()], { agentId: 5 }), 'secret-key');
    expect(request).toMatchObject({
      url: CEKURA_WEBHOOK_DEFAULT_URL,
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [CEKURA_API_KEY_HEADER]: 'secret-key' },
    });
    expect(JSON.parse(request.body)).toMatchObject({ agent_id: 5 });
    const described = describeRequest(request);
    expect(described).toEqual({ url: CEKURA_WEBHOOK_DEFAULT_URL, calls: 1, bytes: expect.any(Number), ids: ['call-1'] });
    expect(JSON.stringify(described)).not.toContain('secret-key');
    expect(() => webhookRequest({ agent_id: 1, calls: [] }, 'k', 'http://api.cekura.ai/x')).toThrow(/https/);
  });
});
