/**
 * The viewer's warnings are verify's rules applied to one call: each problem the issue names is
 * found on a call alone, worded as `npm run verify` words it, with paths relative to the call.
 */
import { callTimeProblems, checkTimes, checkToolPairs, toolPairProblems } from '../../lib/verify/checks';
import { callWarnings } from '../../lib/viewer/warnings';
import { sampleCall } from '../support/fixtures';

const served = () =>
  JSON.parse(JSON.stringify(sampleCall())) as { messages: Array<Record<string, unknown>>; customer: { number: string }; [key: string]: unknown };
const START_MS = Date.parse('2025-01-01T10:00:00.000Z');

describe('callWarnings', () => {
  it('has none for a call verify passes', () => {
    expect(callWarnings(served(), START_MS + 120_000)).toEqual([]);
  });

  it('names epoch-looking message times once per call, failing', () => {
    const call = served();
    call.messages = call.messages.map((m) => ({
      ...m,
      start_time: START_MS + (m.start_time as number) * 1000,
      end_time: START_MS + (m.end_time as number) * 1000,
    }));
    const warnings = callWarnings(call);
    expect(warnings.filter((w) => /epoch/.test(w.text))).toEqual([
      { level: 'fail', text: 'messages[0].start_time is 1735725601500: looks like epoch milliseconds; message times are seconds from the start of the call' },
    ]);
    expect(warnings.every((w) => w.level === 'fail')).toBe(true);
  });

  it('warns on out-of-order messages and a start in the future by the server clock', () => {
    const call = served();
    call.messages = [call.messages[1]!, call.messages[0]!];
    expect(callWarnings(call, START_MS - 3_600_000)).toEqual([
      { level: 'warn', text: "startedAt is 3600 s in the future by the server's clock (a time zone written as UTC?)" },
      { level: 'warn', text: 'messages[1] starts before the message before it: messages should be ordered by start_time' },
    ]);
  });

  it('fails a time past the end of the call once, with the time rule wording at the schema level', () => {
    const call = served();
    call.messages[1] = { ...call.messages[1], end_time: 90 };
    expect(callWarnings(call)).toEqual([{ level: 'fail', text: "messages[1].end_time is 90 s, after the call's 60 s duration" }]);
  });

  it('warns on a message after the end even within the second ingest tolerates (a 0:00 call with a message at 0.5 s)', () => {
    const call = { ...served(), endedAt: served().startedAt, messages: [{ role: 'bot', content: 'Hello!', start_time: 0.5, end_time: 0.5 }] };
    const after = "after the call's 0 s duration (ingest accepts up to 1 s over; check endedAt)";
    expect(callWarnings(call)).toEqual([
      { level: 'warn', text: `messages[0].start_time is 0.5 s, ${after}` },
      { level: 'warn', text: `messages[0].end_time is 0.5 s, ${after}` },
    ]);
    // At the end exactly, to the millisecond, is not after it.
    expect(callWarnings({ ...call, messages: [{ role: 'bot', content: 'Hello!', start_time: 0, end_time: 0 }] })).toEqual([]);
  });

  it('fails a number that is not E.164, naming the field', () => {
    const call = served();
    call.customer.number = '16505551234';
    expect(callWarnings(call)).toEqual([{ level: 'fail', text: expect.stringMatching(/^customer\.number: must be an E\.164 phone number/) }]);
  });

  it('warns on a tool call without its result, and a result without its call', () => {
    const call = served();
    (call.messages[3]!.data as { id: string }).id = 'other';
    expect(callWarnings(call)).toEqual([
      { level: 'warn', text: 'messages[2] calls tool "book" (id "tool_1") but no function_call_result has that id' },
      { level: 'warn', text: 'messages[3] is a result of tool "book" (id "other") but no function_call has that id' },
    ]);
  });

  it('reads anything without throwing', () => {
    for (const odd of [null, 42, 'x', [], {}]) expect(callWarnings(odd).length).toBeGreaterThan(0);
  });
});

describe('the verify rules behind them', () => {
  it('word a problem the same for a call alone and for the nth call of an answer', () => {
    const call = served();
    call.messages[1] = { ...call.messages[1], end_time: 90 };
    expect(callTimeProblems(call, '', undefined).warnings).toEqual(["messages[1].end_time is 90 s, after the call's 60 s duration"]);
    expect(checkTimes([served(), call], undefined).details).toEqual(['call "call-1": [1].messages[1].end_time is 90 s, after the call\'s 60 s duration']);
  });

  it('checkToolPairs warns (never fails) with the path of each unpaired message, and passes paired ones', () => {
    const unpaired = served();
    unpaired.messages = unpaired.messages.slice(0, 3);
    expect(checkToolPairs([served(), unpaired])).toEqual({
      id: 'tools',
      title: 'tool calls paired with their results',
      status: 'warn',
      details: ['call "call-1": [1].messages[2] calls tool "book" (id "tool_1") but no function_call_result has that id'],
    });
    expect(checkToolPairs([served()]).status).toBe('pass');
    expect(toolPairProblems({ messages: [{ role: 'function_call', data: {} }, { role: 'function_call_result' }] }, '')).toEqual([]);
  });
});
