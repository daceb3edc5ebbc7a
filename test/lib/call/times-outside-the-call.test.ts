/**
 * README's promise "a time outside the call is a 400 naming the message" (and SECURITY.md's "times
 * outside the call are refused"), for Cekura's own call format: message times after the end, before
 * the start, or epoch values of another moment are refused by path, never clamped; and the call
 * itself cannot start in the server's future (issue 22).
 */
import { parseIngestBody } from '../../../lib/ingest';
import { sampleCall } from '../../support/fixtures';

const STARTED = '2026-12-04T10:00:00.000Z';
const NOW = Date.parse('2026-12-04T11:00:00.000Z');
const options = { source: undefined, webCallNumber: undefined, now: NOW };
const call = (messages: unknown[]) => sampleCall({ id: 'c', messages: messages as never }, STARTED); // 60 s long

describe('times outside the call are refused', () => {
  it('names a message timed after the end, before the start, or at an epoch instant of another moment', () => {
    const start = Date.parse(STARTED);
    const refused = (message: unknown) => {
      const result = parseIngestBody(call([{ role: 'bot', content: 'ok', start_time: 1, end_time: 2 }, message]), options);
      return result.ok ? [] : result.issues.map((issue) => issue.path);
    };
    expect(refused({ role: 'bot', content: 'late', start_time: 30, end_time: 75 })).toEqual(['messages[1].end_time']);
    expect(refused({ role: 'user', content: 'before', start_time: -2, end_time: 1 })).toEqual(['messages[1].start_time']);
    expect(refused({ role: 'bot', content: 'a day later', start_time: start + 86_400_000, end_time: start + 86_400_500 })).toEqual([
      'messages[1].start_time',
      'messages[1].end_time',
    ]);
  });

  it('accepts times inside the call, a second of clock difference at its end, and epoch instants inside it', () => {
    const start = Date.parse(STARTED);
    const result = parseIngestBody(
      call([
        { role: 'bot', content: 'end', start_time: 59, end_time: 60.9 },
        { role: 'user', content: 'epoch ms', start_time: start + 10_000, end_time: start + 12_000 },
      ]),
      options,
    );
    expect(result.ok && result.calls[0]!.call.messages.map((m) => [m.start_time, m.end_time])).toEqual([
      [10, 12],
      [59, 60.9],
    ]);
  });

  it('refuses a call starting more than 5 minutes after the server clock', () => {
    const ahead = parseIngestBody(sampleCall({ id: 'future' }, new Date(NOW + 6 * 60_000).toISOString()), options);
    expect(ahead).toMatchObject({ ok: false, issues: [{ path: 'startedAt', message: expect.stringContaining('cannot start in the future') }] });
  });
});
