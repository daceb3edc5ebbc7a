import { livekitFormat, stripExprMarkup } from '../../../../lib/sources/stacks/livekit';
import {
  livekitNodeChatContext,
  livekitNodeChatContextUntimed,
  livekitNodeReport,
  livekitNodeReportRaw,
  livekitPythonHistoryUntimed,
  livekitPythonItems,
  livekitPythonReport,
  livekitPythonReportExpressive,
} from '../../../fixtures/sources/stacks/livekit/calls';
import {
  openaiChatInboundWithTools,
  openaiChatInterrupted,
  openaiChatLateTranscript,
  openaiChatNamelessTool,
  openaiChatNoTimes,
} from '../../../fixtures/sources/stacks/openai-chat/calls';
import {
  junk,
  livekitChatContextNode,
  livekitItems,
  livekitSessionReport,
  openaiRealtimeEvents,
} from '../../../fixtures/sources/stacks/openai-chat/other-stacks';
import { realtimeBetaUnstampedEvents } from '../../../fixtures/sources/stacks/openai-realtime/beta-unstamped';
import { realtimeInboundWithToolEvents } from '../../../fixtures/sources/stacks/openai-realtime/inbound-with-tool';
import { realtimeInterruptedLateTranscriptEvents } from '../../../fixtures/sources/stacks/openai-realtime/interrupted-late-transcript';
import { realtimePartlyStampedEvents } from '../../../fixtures/sources/stacks/openai-realtime/partly-stamped';
import {
  ultravoxFirstPage,
  ultravoxInboundWithTools,
  ultravoxInterrupted,
  ultravoxLowercaseRoles,
  ultravoxToolWithoutInvocation,
} from '../../../fixtures/sources/stacks/ultravox/calls';

/**
 * What LiveKit's own tests expect of `strip_expr_markup` / `ChatMessage.text_content`
 * (livekit/agents tests/test_expr_markup.py at da6af86ac640a3bc54585764e64321d7048c1c16): only the
 * `<expr>` dialect goes, provider tags, brackets and stray angle brackets stay, and so does the space
 * in front of a marker that starts the text.
 */
const MIXED =
  '<expr type="expression" label="happy"/> Press [Enter] to see <b>bold</b>, ' +
  'read [the docs](https://docs.livekit.io), then 1 < 2. <break time="1s"/> ' +
  '<expr type="prosody" label="whisper">keep it secret</expr>';
const MIXED_CLEAN = ' Press [Enter] to see <b>bold</b>, read [the docs](https://docs.livekit.io), then 1 < 2. <break time="1s"/> keep it secret';

describe('livekit: LiveKit Agents session reports and chat contexts', () => {
  it('strips expressive markup as LiveKit’s text_content does, and nothing else', () => {
    expect(stripExprMarkup(MIXED)).toBe(MIXED_CLEAN);
    const plain = 'plain text with [brackets] and <sound value="laugh"/>';
    expect(stripExprMarkup(plain)).toBe(plain);
    // The native Inworld tag starts with "<expr" too: it is not LiveKit's marker.
    expect(stripExprMarkup('<expression value="speak calmly"/> Hi <expr type="break" label="1s"/> there.')).toBe(
      '<expression value="speak calmly"/> Hi there.',
    );
  });

  it('recognises every LiveKit shape, including the other stacks’ LiveKit samples and a report of a silent call', () => {
    for (const envelope of [
      livekitNodeReport,
      livekitNodeReportRaw,
      livekitNodeChatContext,
      livekitNodeChatContextUntimed,
      livekitPythonReport,
      livekitPythonItems,
      livekitPythonHistoryUntimed,
      livekitPythonReportExpressive,
    ]) {
      expect(livekitFormat.recognises(envelope.transcript)).toBe(true);
    }
    for (const sample of [livekitSessionReport, livekitItems, livekitChatContextNode]) expect(livekitFormat.recognises(sample)).toBe(true);
    expect(livekitFormat.recognises({ job_id: 'AJ_1', room_id: 'RM_1', room: 'r', events: [], chat_history: { items: [] } })).toBe(true);
  });

  it('does not recognise the other stacks’ exports or junk', () => {
    const others: unknown[] = [
      ...[openaiChatInboundWithTools, openaiChatLateTranscript, openaiChatInterrupted, openaiChatNamelessTool, openaiChatNoTimes].map(
        (envelope) => envelope.transcript,
      ),
      openaiRealtimeEvents,
      realtimeBetaUnstampedEvents,
      realtimeInboundWithToolEvents,
      realtimeInterruptedLateTranscriptEvents,
      realtimePartlyStampedEvents,
      { events: realtimeInboundWithToolEvents },
      ...[ultravoxInboundWithTools, ultravoxInterrupted, ultravoxLowercaseRoles, ultravoxToolWithoutInvocation, ultravoxFirstPage].map(
        (envelope) => envelope.transcript,
      ),
      // OpenAI Realtime / Responses conversation items: `type: "message"`, but OpenAI's content parts.
      [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
      // An empty history that does not say it is a report.
      { items: [] },
      { chat_history: { items: [] } },
      // Items with no conversation in them.
      [{ id: 'item_1', type: 'agent_handoff', new_agent_id: 'a' }],
      [{ type: 'message', role: 'toString', content: ['x'] }],
    ];
    for (const transcript of [...others, ...junk]) expect(livekitFormat.recognises(transcript)).toBe(false);
  });
});
