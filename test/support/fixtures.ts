import type { CallInput } from '../../lib/call';

/** A valid call in Cekura's format, starting at `startedAt`, with tool use; override any field. */
export function sampleCall(overrides: Partial<CallInput> & { id?: string } = {}, startedAt = '2025-01-01T10:00:00.000Z'): CallInput {
  const start = Date.parse(startedAt);
  return {
    id: 'call-1',
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + 60_000).toISOString(),
    customer: { number: '+16505551234', name: 'Ada' },
    messages: [
      { role: 'bot', content: 'Hi, how can I help?', start_time: 1.5, end_time: 3.2 },
      { role: 'user', content: 'Book me for Tuesday.', start_time: 4.1, end_time: 6.8 },
      { role: 'function_call', content: '', start_time: 7, end_time: 7.1, data: { id: 'tool_1', name: 'book', arguments: '{"day":"tuesday"}' } },
      { role: 'function_call_result', content: '', start_time: 7.1, end_time: 7.2, data: { id: 'tool_1', name: 'book', result: 'ok' } },
    ],
    ...overrides,
  };
}

/** Roughly `bytes` of transcript, as realistic-looking words (compresses like real text), within sampleCall's 60 s. */
export function longTranscript(bytes: number): CallInput['messages'] {
  const words = [
    'appointment',
    'Tuesday',
    'insurance',
    'could',
    'you',
    'please',
    'confirm',
    'the',
    'address',
    'thank',
    'yes',
    'morning',
    'doctor',
    'prescription',
    'refill',
  ];
  const messages: CallInput['messages'] = [];
  let size = 0;
  let seed = 7;
  for (let i = 0; size < bytes; i++) {
    const text: string[] = [];
    for (let w = 0; w < 60; w++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      text.push(words[seed % words.length]!);
    }
    const content = `${text.join(' ')} "quoted" \\ ${i}.`;
    const at = Math.round(i * 5) / 1000;
    messages.push({ role: i % 2 ? 'user' : 'bot', content, start_time: at, end_time: at + 0.004 });
    size += content.length + 60;
  }
  return messages;
}
