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
  ultravoxInboundWithTools,
  ultravoxInCall,
  ultravoxInterrupted,
  ultravoxLastStage,
  ultravoxLowercaseRoles,
} from '../../../fixtures/sources/stacks/ultravox/calls';

const options = (source?: SourceName): IngestOptions => ({ source, webCallNumber: undefined });

const issuesOf = (envelope: unknown) => {
  const result = parseIngestBody(envelope, options('ultravox'));
  return result.ok ? undefined : result.issues;
};

describe('ultravox: call messages list', () => {
  it('refuses a timespan that is no duration, a result paired with no call, and no list at all', () => {
    const envelope = (transcript: unknown) => ({ id: 'c', customer: { number: '+16505559999' }, startedAt: '2025-06-05T14:00:00Z', transcript });
    const paths = (transcript: unknown) => issuesOf(envelope(transcript))?.map((issue) => issue.path);
    expect(paths([{ role: 'MESSAGE_ROLE_USER', text: 'Hi', timespan: { start: 'soon', end: '2s' } }])).toEqual(['transcript[0].timespan.start']);
    expect(paths({ results: [{ role: 'MESSAGE_ROLE_AGENT', text: 'Hi', wallClockTimespan: { start: '1s', end: 'later' } }] })).toEqual([
      'transcript.results[0].wallClockTimespan.end',
    ]);
    expect(paths([{ role: 'MESSAGE_ROLE_TOOL_RESULT', invocationId: 'x', text: 'ok' }])).toEqual(['transcript[0].invocationId']);
    expect(paths({ messages: [] })).toEqual(['transcript']);
    // Named with ?source=ultravox: an entry that is no message, a role Ultravox does not have.
    expect(paths([null])).toEqual(['transcript[0]']);
    expect(
      paths([
        { role: 'MESSAGE_ROLE_USER', text: 'Hi', timespan: { start: '1s' } },
        { role: 'narrator', text: 'x' },
      ]),
    ).toEqual(['transcript[1].role']);
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
        ultravoxLastStage.transcript,
        ultravoxInCall.transcript,
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
