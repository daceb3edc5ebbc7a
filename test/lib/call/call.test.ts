import * as v from 'valibot';
import { CallSchema } from '../../../lib/call';
import { toFieldIssues } from '../../../lib/validation';
import { sampleCall } from '../../support/fixtures';

const issuesOf = (input: unknown) => {
  const result = v.safeParse(CallSchema, input);
  return result.success ? [] : toFieldIssues(result.issues);
};

describe('CallSchema', () => {
  it('normalises a valid call into the canonical format', () => {
    const call = v.parse(
      CallSchema,
      sampleCall({
        startedAt: '2025-01-01T12:00:00+02:00',
        endedAt: '2025-01-01T10:01:00.5Z',
        customer: { number: '+1 (650) 555-1234' },
        messages: [
          { role: 'user', content: 'second', start_time: 4, end_time: 5 },
          { role: 'function_call', start_time: 2, end_time: 2, data: { id: 't', name: 'lookup', arguments: { zip: '94103' } } },
          { role: 'bot', content: 'first', start_time: 1, end_time: 2 },
          { role: 'function_call_result', start_time: 2, end_time: 3, data: { id: 't', name: 'lookup', result: { ok: true } } },
        ],
      }),
    );
    expect(call.startedAt).toBe('2025-01-01T10:00:00.000Z');
    expect(call.endedAt).toBe('2025-01-01T10:01:00.500Z');
    expect(call.customer).toEqual({ number: '+16505551234' });
    // Sorted by start_time, ties kept in the given order.
    expect(call.messages.map((m) => m.role)).toEqual(['bot', 'function_call', 'function_call_result', 'user']);
    expect(call.messages[1]).toEqual({
      role: 'function_call',
      content: '',
      start_time: 2,
      end_time: 2,
      data: { id: 't', name: 'lookup', arguments: '{"zip":"94103"}' },
    });
    expect((call.messages[2] as { data?: unknown }).data).toEqual({ id: 't', name: 'lookup', result: '{"ok":true}' });
  });

  it('keeps the optional extras unchanged and drops unknown fields', () => {
    const metadata = { campaign: 'spring', nested: { a: [1, 2] } };
    const call = v.parse(CallSchema, {
      ...sampleCall(),
      endedReason: 'customer-ended-call',
      recordingUrl: 'https://example.com/r.wav',
      phoneNumber: '+14155550000',
      metadata,
      somethingElse: 'dropped',
    });
    expect(call).toMatchObject({ endedReason: 'customer-ended-call', recordingUrl: 'https://example.com/r.wav', phoneNumber: '+14155550000', metadata });
    expect(call).not.toHaveProperty('somethingElse');
  });

  it('names every bad field with its path', () => {
    const issues = issuesOf({
      id: 'x'.repeat(256),
      startedAt: '2025-01-01T10:00:00', // no zone
      endedAt: '2025-01-01T10:00:00Z',
      customer: { number: '6505551234' },
      messages: [
        { role: 'agent', content: 'x', start_time: 0, end_time: 1 },
        { role: 'bot', content: 'x', start_time: 3, end_time: 2 },
        { role: 'user', content: 'x', start_time: -1, end_time: 1 },
        { role: 'function_call', content: '', start_time: 1, end_time: 1 },
        { role: 'function_call_result', content: '', start_time: 1, end_time: 1, data: { id: '', name: 'n' } },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual([
      'id',
      'startedAt',
      'customer.number',
      'messages[0].role',
      'messages[1].end_time',
      'messages[2].start_time',
      'messages[3].data',
      'messages[4].data.id',
    ]);
  });

  it('refuses a call that ends before it starts', () => {
    expect(issuesOf(sampleCall({ startedAt: '2025-01-01T10:00:00Z', endedAt: '2025-01-01T09:59:59.999Z' }))).toEqual([
      { path: 'endedAt', message: 'must not be before startedAt' },
    ]);
  });

  it('reports missing required fields as required', () => {
    expect(issuesOf({})).toEqual(['id', 'startedAt', 'endedAt', 'customer', 'messages'].map((path) => ({ path, message: 'is required' })));
  });

  it('accepts an id of exactly 255 characters and an empty transcript', () => {
    expect(issuesOf(sampleCall({ id: 'x'.repeat(255), messages: [] }))).toEqual([]);
  });
});
