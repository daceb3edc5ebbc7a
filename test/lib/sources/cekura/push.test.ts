import { buildWebhookPayload } from '../../../../lib/cekura-push/payload';
import { parseIngestBody } from '../../../../lib/ingest';
import { pushFromReferenceAgent, pushWithEpochMillis } from '../../../fixtures/sources/cekura/push';

const parse = (body: unknown, source?: 'cekura-push', webCallNumber?: string) => parseIngestBody(body, { source, webCallNumber });

describe("Cekura's push body", () => {
  it('is detected as the push format in its envelope, and reads the same named', () => {
    const result = parse(pushFromReferenceAgent);
    expect(result).toEqual(parse(pushFromReferenceAgent, 'cekura-push'));
    expect(result.ok && result.calls.map((c) => c.source)).toEqual(['cekura-push']);
  });

  it('takes to_phone_number as the customer when it is the only number', () => {
    const [call] = pushWithEpochMillis.calls;
    const { from_phone_number: _, ...onlyTo } = call!;
    const result = parse({ agent_id: 1, calls: [onlyTo] });
    expect(result.ok && result.calls[0]!.call).toMatchObject({ customer: { number: '+14155550100' } });
    expect(result.ok && result.calls[0]!.call.phoneNumber).toBeUndefined();
  });

  it('refuses a call without either number, naming both fields, unless WEB_CALL_NUMBER is set', () => {
    const [call] = pushFromReferenceAgent.calls;
    const { from_phone_number: _, ...noNumber } = call!;
    expect(parse({ agent_id: 4321, calls: [noNumber] })).toEqual({
      ok: false,
      issues: [{ path: 'calls[0].from_phone_number', message: expect.stringContaining('to_phone_number') }],
    });
    const web = parse({ agent_id: 4321, calls: [noNumber] }, 'cekura-push', '+15550000000');
    expect(web.ok && web.calls[0]!.call.customer.number).toBe('+15550000000');
  });

  it('refuses message times outside the call, naming the message, and stores nothing', () => {
    const [call] = pushWithEpochMillis.calls;
    const late = {
      ...call!,
      messages: [{ role: 'bot', content: 'x', start_time: Date.parse('2025-06-02T11:00:00Z'), end_time: Date.parse('2025-06-02T11:00:01Z') }],
    };
    const result = parse({ agent_id: 1, calls: [late] });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((i) => i.path)).toEqual(['calls[0].messages[0].start_time', 'calls[0].messages[0].end_time']);
    expect(!result.ok && result.issues[0]!.message).toContain('epoch milliseconds');
  });

  it('refuses an agent_id that is not a positive integer, naming it', () => {
    expect(parse({ ...pushFromReferenceAgent, agent_id: '4321' })).toEqual({
      ok: false,
      issues: [{ path: 'agent_id', message: expect.stringContaining('positive integer') }],
    });
    const [call] = pushFromReferenceAgent.calls;
    const result = parse({ agent_id: 4321, calls: [{ ...call!, run_id: 'r-1' }] });
    expect(!result.ok && result.issues).toEqual([{ path: 'calls[0].run_id', message: 'must be an integer' }]);
  });

  it('accepts a body without agent_id when the call has a run_id', () => {
    const { agent_id: _, ...noAgent } = pushFromReferenceAgent;
    const result = parse(noAgent);
    expect(result.ok && result.calls[0]!.call).toMatchObject({ run_id: 98765 });
    expect(result.ok && result.calls[0]!.call.agent_id).toBeUndefined();
  });

  it("builds the push Cekura's reference agent sends: from the stored call back to the same body", () => {
    const result = parse(pushFromReferenceAgent);
    if (!result.ok) throw new Error('refused');
    const payload = buildWebhookPayload([result.calls[0]!.call], { agentId: 4321 });
    const [sent] = pushFromReferenceAgent.calls;
    expect(payload.agent_id).toBe(4321);
    expect(payload.calls[0]).toMatchObject({
      id: sent!.id,
      startedAt: sent!.startedAt,
      endedAt: sent!.endedAt,
      endedReason: sent!.endedReason,
      from_phone_number: sent!.from_phone_number,
      metadata: sent!.metadata,
    });
    // Message by message, what the reference agent sent, minus its private `type` keys and with tool data as JSON text.
    expect(payload.calls[0]!.messages).toEqual(
      sent!.messages.map(({ type: _, data, ...m }) => ({
        ...m,
        ...(data
          ? { data: { ...data, ...('arguments' in data ? { arguments: JSON.stringify(data.arguments) } : { result: JSON.stringify(data.result) }) } }
          : {}),
      })),
    );
  });
});
