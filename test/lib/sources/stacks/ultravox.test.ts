import { type IngestOptions, parseIngestBody } from '../../../../lib/ingest';
import type { SourceName } from '../../../../lib/sources';
import { ultravoxFormat } from '../../../../lib/sources/stacks/ultravox';
import { openaiChatInboundWithTools, openaiChatInterrupted, openaiChatLateTranscript } from '../../../fixtures/sources/stacks/openai-chat/calls';
import {
  junk,
  livekitChatContextNode,
  livekitItems,
  livekitSessionReport,
  openaiRealtimeEvents,
} from '../../../fixtures/sources/stacks/openai-chat/other-stacks';
import {
  ultravoxFirstPage,
  ultravoxInboundWithTools,
  ultravoxInterrupted,
  ultravoxLowercaseRoles,
  ultravoxToolWithoutInvocation,
} from '../../../fixtures/sources/stacks/ultravox/calls';
import { ingestedAs } from '../../../support/ingested';

const options = (source?: SourceName): IngestOptions => ({ source, webCallNumber: undefined });

const ingested = (envelope: unknown) => ingestedAs('ultravox', envelope);

const issuesOf = (envelope: unknown) => {
  const result = parseIngestBody(envelope, options('ultravox'));
  return result.ok ? undefined : result.issues;
};

describe('ultravox: call messages list', () => {
  it('keeps an interrupted agent turn overlapping the caller, skips empty text, ends at the last message', () => {
    const { call, untimedMessages } = ingested(ultravoxInterrupted);
    expect(call).toEqual({
      id: 'a4d1e8f2-77aa-4c1b-9d1e-5f0e2b7c9a10',
      startedAt: '2025-06-05T13:00:00.000Z',
      endedAt: '2025-06-05T13:00:09.800Z',
      customer: { number: '+16505559999' },
      messages: [
        { role: 'bot', content: 'Our hours are nine to five on weekdays and', start_time: 2, end_time: 5.4 },
        { role: 'user', content: 'Are you open Saturday?', start_time: 4.9, end_time: 6.3 },
        { role: 'bot', content: 'Yes, Saturdays from ten to two.', start_time: 7, end_time: 9 },
        { role: 'user', content: 'thanks', start_time: 9.8, end_time: 9.8 },
      ],
    });
    expect(untimedMessages).toBeUndefined();
  });

  it('reads lowercase role names; an untimed first message is at the start', () => {
    const { call, untimedMessages } = ingested(ultravoxLowercaseRoles);
    expect(call).toEqual({
      id: 'uv-lower-1',
      startedAt: '2025-06-05T14:00:00.000Z',
      endedAt: '2025-06-05T14:00:02.250Z',
      customer: { number: '+16505559999' },
      messages: [
        { role: 'bot', content: 'Hello from Ultravox.', start_time: 0, end_time: 0 },
        { role: 'user', content: 'Hi there.', start_time: 1.5, end_time: 2.25 },
      ],
    });
    expect(untimedMessages).toBe(1);
  });

  it('refuses a tool message without invocationId, naming its path in the transcript', () => {
    expect(issuesOf(ultravoxToolWithoutInvocation)).toEqual([{ path: 'transcript.results[1].invocationId', message: expect.stringContaining('is required') }]);
  });

  it('refuses one page of a longer list rather than store a call cut short', () => {
    expect(issuesOf(ultravoxFirstPage)).toEqual([{ path: 'transcript.next', message: expect.stringContaining('one page') }]);
  });

  it('refuses a timespan that is no duration, a result paired with no call, and no list at all', () => {
    const envelope = (transcript: unknown) => ({ id: 'c', customer: { number: '+16505559999' }, startedAt: '2025-06-05T14:00:00Z', transcript });
    const paths = (transcript: unknown) => issuesOf(envelope(transcript))?.map((issue) => issue.path);
    expect(paths([{ role: 'MESSAGE_ROLE_USER', text: 'Hi', timespan: { start: 'soon', end: '2s' } }])).toEqual(['transcript[0].timespan.start']);
    expect(paths({ results: [{ role: 'MESSAGE_ROLE_AGENT', text: 'Hi', wallClockTimespan: { start: '1s', end: 'later' } }] })).toEqual([
      'transcript.results[0].wallClockTimespan.end',
    ]);
    expect(paths([{ role: 'MESSAGE_ROLE_TOOL_RESULT', invocationId: 'x', text: 'ok' }])).toEqual(['transcript[0].invocationId']);
    expect(paths({ messages: [] })).toEqual(['transcript']);
  });

  it('asks for startedAt: the list has durations, no instants', () => {
    const { startedAt: _omitted, ...envelope } = ultravoxInterrupted;
    expect(issuesOf(envelope)).toEqual([{ path: 'startedAt', message: expect.stringContaining('is required') }]);
  });

  describe('recognises', () => {
    it('takes the list page and the bare results array', () => {
      for (const transcript of [
        ultravoxInboundWithTools.transcript,
        ultravoxInboundWithTools.transcript.results,
        ultravoxInterrupted.transcript,
        ultravoxLowercaseRoles.transcript,
      ]) {
        expect(ultravoxFormat.recognises(transcript)).toBe(true);
      }
    });

    it('leaves the other stacks and junk alone', () => {
      const others: unknown[] = [
        livekitSessionReport,
        livekitSessionReport.chat_history,
        livekitItems,
        livekitChatContextNode,
        openaiRealtimeEvents,
        openaiChatInboundWithTools.transcript,
        openaiChatLateTranscript.transcript,
        openaiChatInterrupted.transcript,
        // `user` alone is OpenAI's role name too: not enough to call it Ultravox.
        [{ role: 'user', text: 'hi' }],
        [{ role: 'MESSAGE_ROLE_USER', content: 'hi' }],
      ];
      for (const transcript of [...others, ...junk]) expect(ultravoxFormat.recognises(transcript)).toBe(false);
    });
  });
});
