/**
 * The self-built stack snippets of docs/sources.md, run as written with python3 and node against the local
 * server: each block is pasted unchanged, then called with a fixture export, as the page's
 * comments say to call it at the end of a session.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseIngestBody } from '../../lib/ingest';
import type { SourceName } from '../../lib/sources';
import { deepgramRefillWithTool } from '../fixtures/sources/stacks/deepgram-voice-agent/calls';
import { geminiNodeCall, geminiPythonCall } from '../fixtures/sources/stacks/gemini-live/calls';
import { novaOrderStatusWithTool } from '../fixtures/sources/stacks/nova-sonic/calls';
import { openaiChatInboundWithTools } from '../fixtures/sources/stacks/openai-chat/calls';
import { realtimeInboundWithTool } from '../fixtures/sources/stacks/openai-realtime/inbound-with-tool';
import { pipecatContextCall } from '../fixtures/sources/stacks/pipecat/calls';
import { relayOutboundPartialPrompts } from '../fixtures/sources/stacks/twilio-conversation-relay/calls';
import { ultravoxInboundWithTools } from '../fixtures/sources/stacks/ultravox/calls';
import { useLocalApp } from '../support/local-app';

const README = readFileSync(join(__dirname, '..', '..', 'docs', 'sources.md'), 'utf8');
const SECTION = README.split('## Calls from self-built stacks')[1]?.split('\n## ')[0] ?? '';

function block(language: 'python' | 'js', heading?: string): string {
  const text = heading === undefined ? SECTION : (SECTION.split(`\n### ${heading}`)[1]?.split('\n### ')[0] ?? '');
  const code = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(text)?.[1];
  if (!code) throw new Error(`no ${language} block in docs/sources.md's self-built stacks section${heading === undefined ? '' : ` under ${heading}`}`);
  return code;
}

type Envelope = { id: string; customer: { number: string }; transcript: unknown } & Record<string, unknown>;

describe("docs/sources.md: self-built stacks' snippets", () => {
  const local = useLocalApp({ READ_API_KEYS: 'r-key', INGEST_API_KEYS: 'i-key', RETENTION_DAYS: '36500' });
  const dir = mkdtempSync(join(tmpdir(), 'readme-stacks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = () => ({ ...process.env, ADAPTER_URL: local.app.url, INGEST_KEY: 'i-key' });
  /** What the adapter stores for an envelope, for comparing with what the snippet stored. */
  const expected = (envelope: Envelope, source: SourceName) => {
    const parsed = parseIngestBody(envelope, { source, webCallNumber: undefined });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return JSON.parse(JSON.stringify(parsed.calls[0]!.call)) as { id: string; customer: { number: string }; startedAt: string };
  };
  const readBack = async (call: { id: string; customer: { number: string }; startedAt: string }) => {
    const day = call.startedAt.slice(0, 10);
    const url = `${local.app.url}/calls/${encodeURIComponent(call.customer.number)}?from=${day}T00:00:00Z&to=${day}T23:59:59Z`;
    const response = await fetch(url, { headers: { authorization: 'r-key' } });
    return ((await response.json()) as Array<{ id: string }>).filter((c) => c.id === call.id);
  };

  /** The envelope's fields other than id, customer and transcript, as the snippet's keyword arguments. */
  const fieldsOf = ({ id: _, customer: __, transcript: ___, ...fields }: Envelope) => fields;

  it.each([
    ['openai-chat', openaiChatInboundWithTools as Envelope],
    ['ultravox', ultravoxInboundWithTools as Envelope],
    ['pipecat', pipecatContextCall as Envelope],
    ['gemini-live', geminiPythonCall as Envelope],
  ] as const)('python3: send_call("%s", ...) stores the call exactly as POST /calls?source= does', async (source, envelope) => {
    const file = join(dir, `${source}.json`);
    writeFileSync(file, JSON.stringify({ id: envelope.id, number: envelope.customer.number, transcript: envelope.transcript, fields: fieldsOf(envelope) }));
    const script = `${block('python')}\nwith open(${JSON.stringify(file)}) as f:\n    call = json.load(f)\nprint(json.dumps(send_call(${JSON.stringify(source)}, call["id"], call["number"], call["transcript"], **call["fields"])))\n`;
    const { stdout } = await promisify(execFile)('python3', ['-c', script], { env: env() });
    expect(JSON.parse(stdout)).toMatchObject({ stored: 1, ids: [envelope.id] });
    const call = expected(envelope, source);
    expect(await readBack(call)).toEqual([call]);
  });

  it.each([
    ['openai-realtime', realtimeInboundWithTool as Envelope],
    ['gemini-live', geminiNodeCall as Envelope],
  ] as const)('node: sendCall("%s", ...) stores the call exactly as POST /calls?source= does', async (source, envelope) => {
    const file = join(dir, `${source}.json`);
    writeFileSync(file, JSON.stringify({ id: envelope.id, number: envelope.customer.number, transcript: envelope.transcript, fields: fieldsOf(envelope) }));
    const script = `${block('js')}\nconst call = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'));\nsendCall(${JSON.stringify(source)}, call.id, call.number, call.transcript, call.fields).then((answer) => console.log(JSON.stringify(answer)));\n`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: env() });
    expect(JSON.parse(stdout)).toMatchObject({ stored: 1, ids: [envelope.id] });
    const call = expected(envelope, source);
    expect(await readBack(call)).toEqual([call]);
  });

  it('node: recordRealtimeEvent stamps each event with the time it was seen, as the openai-realtime source reads it', async () => {
    const script = `${block('js')}\nrecordRealtimeEvent({ type: 'session.created' });\nrecordRealtimeEvent({ type: 'response.done' });\nconsole.log(JSON.stringify(realtimeEvents));\n`;
    const before = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: env() });
    const events = JSON.parse(stdout) as Array<{ type: string; received_at: number }>;
    expect(events.map((e) => e.type)).toEqual(['session.created', 'response.done']);
    for (const event of events) expect(event.received_at).toBeGreaterThanOrEqual(before);
  });
  /** Runs python3 on the shared block, a section's block and `tail`; what `tail` prints, parsed. */
  const python = async (heading: string, tail: string): Promise<unknown> => {
    const { stdout } = await promisify(execFile)('python3', ['-c', `${block('python')}\n${block('python', heading)}\n${tail}`], { env: env() });
    return JSON.parse(stdout);
  };
  /** The call the adapter stores from a log the snippet built and sent, compared with what was read back. */
  const expectStored = async (source: SourceName, id: string, transcript: unknown, fields: Record<string, unknown> = {}) => {
    const call = expected({ id, customer: { number: '+16505551234' }, transcript, ...fields }, source);
    expect(await readBack(call)).toEqual([call]);
    return call as unknown as { messages: Array<{ role: string; content: string }> };
  };

  it('python3: the Pipecat section logs turn events with their class name and stamp, and sends them as pipecat', async () => {
    // The two turn-event dataclasses with Pipecat's fields (processors/aggregators/llm_response_universal.py).
    const tail = `
@dataclasses.dataclass
class UserTurnStoppedMessage:
    content: str
    timestamp: str
    user_id: str = None

@dataclasses.dataclass
class AssistantTurnStoppedMessage:
    content: str
    interrupted: bool
    timestamp: str

from datetime import datetime, timezone
now = lambda: datetime.now(timezone.utc).isoformat(timespec="milliseconds")
log_turn(AssistantTurnStoppedMessage(content="Hi, this is Riley.", interrupted=False, timestamp=now()))
log_turn(UserTurnStoppedMessage(content="Are you open today?", timestamp=now()))
answer = send_call("pipecat", "readme-pipecat-turns", "+16505551234", pipecat_turns)
print(json.dumps({"answer": answer, "transcript": pipecat_turns}))
`;
    const { answer, transcript } = (await python('Pipecat', tail)) as { answer: unknown; transcript: Array<Record<string, unknown>> };
    expect(answer).toMatchObject({ stored: 1, ids: ['readme-pipecat-turns'] });
    expect(transcript.map((entry) => [entry.type, typeof entry.received_at])).toEqual([
      ['AssistantTurnStoppedMessage', 'number'],
      ['UserTurnStoppedMessage', 'number'],
    ]);
    const call = await expectStored('pipecat', 'readme-pipecat-turns', transcript);
    expect(call.messages.map((message) => [message.role, message.content])).toEqual([
      ['bot', 'Hi, this is Riley.'],
      ['user', 'Are you open today?'],
    ]);
  });

  it("python3: the Pipecat section's context_messages turns LLM-specific messages into JSON the pipecat source counts", async () => {
    const tail = `
@dataclasses.dataclass
class LLMSpecificMessage:
    llm: str
    message: object

class Context:
    def get_messages(self):
        return [{"role": "assistant", "content": "✓ Hello!"}, LLMSpecificMessage(llm="google", message={"type": "thought", "text": "greet"}), {"role": "user", "content": "Hi."}]

print(json.dumps(send_call("pipecat", "readme-pipecat-context", "+16505551234", context_messages(Context()), startedAt="2026-03-02T15:00:00Z")))
`;
    expect(await python('Pipecat', tail)).toMatchObject({
      stored: 1,
      ids: ['readme-pipecat-context'],
      dropped: { 'readme-pipecat-context': { llm_specific_message: 1 } },
    });
  });

  it('python3: the Gemini Live section stamps SDK models and sent dicts, and sends the log as gemini-live', async () => {
    // A stand-in for google-genai's pydantic models: model_dump as the SDK's (snake_case).
    const tail = `
class Message:
    def __init__(self, fields): self.fields = fields
    def model_dump(self, mode=None, exclude_none=False): return self.fields

log_gemini(Message({"server_content": {"input_transcription": {"text": " Table for two?"}}}))
log_gemini(Message({"tool_call": {"function_calls": [{"id": "fc-1", "name": "find_table", "args": {"party": 2}}]}}))
log_gemini({"tool_response": {"function_responses": [{"id": "fc-1", "name": "find_table", "response": {"free": True}}]}}, "sent_at")
log_gemini(Message({"server_content": {"output_transcription": {"text": "Yes, table 4."}}}))
log_gemini(Message({"server_content": {"turn_complete": True}}))
answer = send_call("gemini-live", "readme-gemini-py", "+16505551234", gemini_log)
print(json.dumps({"answer": answer, "transcript": gemini_log}))
`;
    const { answer, transcript } = (await python('Gemini Live', tail)) as { answer: unknown; transcript: Array<Record<string, unknown>> };
    expect(answer).toMatchObject({ stored: 1, ids: ['readme-gemini-py'] });
    expect(transcript.map((entry) => ('sent_at' in entry ? 'sent' : typeof entry.received_at))).toEqual(['number', 'number', 'sent', 'number', 'number']);
    const call = await expectStored('gemini-live', 'readme-gemini-py', transcript);
    expect(call.messages.map((message) => message.role)).toEqual(['user', 'function_call', 'function_call_result', 'bot']);
  });

  it("node: the Gemini Live section's logGemini keeps the SDK message's fields and stamps each, as the gemini-live source reads them", async () => {
    // The SDK builds each LiveServerMessage with Object.assign on a class instance: own fields, getters on the prototype.
    const tail = `
class LiveServerMessage { get text() { return 'not logged'; } }
const received = (fields) => Object.assign(new LiveServerMessage(), fields);
logGemini(received({ serverContent: { outputTranscription: { text: 'Hello, Trattoria Roma.' } } }));
logGemini(received({ serverContent: { turnComplete: true } }));
logGemini({ toolResponse: { functionResponses: [] } }, 'sent_at');
console.log(JSON.stringify(geminiLog));
`;
    const before = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', `${block('js')}\n${block('js', 'Gemini Live')}\n${tail}`], { env: env() });
    const log = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(log.map((entry) => Object.keys(entry))).toEqual([
      ['serverContent', 'received_at'],
      ['serverContent', 'received_at'],
      ['toolResponse', 'sent_at'],
    ]);
    for (const entry of log) expect(Number(entry.received_at ?? entry.sent_at)).toBeGreaterThanOrEqual(before);
    const parsed = parseIngestBody(
      { id: 'readme-gemini-node', customer: { number: '+16505551234' }, transcript: log },
      { source: undefined, webCallNumber: undefined },
    );
    expect(parsed.ok && parsed.calls.map(({ source, call }) => [source, call.messages.map((message) => message.content)])).toEqual([
      ['gemini-live', ['Hello, Trattoria Roma.']],
    ]);
  });

  /** A logged stack's events as the app saw them, stamps removed: the snippet's log stamps them anew. */
  const unstamped = (transcript: unknown): Array<{ direction: 'received' | 'sent'; message: Record<string, unknown> }> => {
    const entries = (Array.isArray(transcript) ? transcript : (transcript as { events: unknown[] }).events) as Array<Record<string, unknown>>;
    return entries.map(({ received_at: _r, sent_at, ...message }) => ({ direction: sent_at === undefined ? 'received' : 'sent', message }));
  };
  const LOGGED = [
    ['twilio-conversation-relay', relayOutboundPartialPrompts as Envelope],
    ['deepgram-voice-agent', deepgramRefillWithTool as Envelope],
    ['nova-sonic', novaOrderStatusWithTool as Envelope],
  ] as const;
  const LOGGED_HEADING = 'Twilio ConversationRelay, Deepgram Voice Agent and Amazon Nova Sonic';

  it.each(LOGGED)(
    'python3: CallLog stamps each message both ways, and send_call("%s", ...) stores it as POST /calls?source= does',
    async (source, envelope) => {
      const file = join(dir, `logged-${source}.json`);
      writeFileSync(
        file,
        JSON.stringify({ id: envelope.id, number: envelope.customer.number, events: unstamped(envelope.transcript), fields: fieldsOf(envelope) }),
      );
      const script = `${block('python')}\n${block('python', LOGGED_HEADING)}\nwith open(${JSON.stringify(file)}) as f:\n    call = json.load(f)\nlog = CallLog()\nfor entry in call["events"]:\n    getattr(log, entry["direction"])(entry["message"])\nprint(json.dumps({"answer": send_call(${JSON.stringify(source)}, call["id"], call["number"], log.events, **call["fields"]), "events": log.events}))\n`;
      const before = Date.now();
      const { stdout } = await promisify(execFile)('python3', ['-c', script], { env: env() });
      const { answer, events } = JSON.parse(stdout) as { answer: unknown; events: Array<Record<string, number>> };
      expect(answer).toMatchObject({ stored: 1, ids: [envelope.id] });
      for (const event of events) expect(event.received_at ?? event.sent_at).toBeGreaterThanOrEqual(before - 1000);
      const call = expected({ ...envelope, transcript: events }, source);
      expect(await readBack(call)).toEqual([call]);
    },
  );

  it.each(LOGGED)(
    'node: createCallLog stamps each message both ways, and sendCall("%s", ...) stores it as POST /calls?source= does',
    async (source, envelope) => {
      const file = join(dir, `logged-${source}-node.json`);
      writeFileSync(
        file,
        JSON.stringify({ id: envelope.id, number: envelope.customer.number, events: unstamped(envelope.transcript), fields: fieldsOf(envelope) }),
      );
      const script = `${block('js')}\n${block('js', LOGGED_HEADING)}\nconst call = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'));\nconst log = createCallLog();\nfor (const entry of call.events) log[entry.direction](entry.message);\nsendCall(${JSON.stringify(source)}, call.id, call.number, log.events, call.fields).then((answer) => console.log(JSON.stringify({ answer, events: log.events })));\n`;
      const before = Date.now();
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: env() });
      const { answer, events } = JSON.parse(stdout) as { answer: unknown; events: Array<Record<string, number>> };
      expect(answer).toMatchObject({ stored: 1, ids: [envelope.id] });
      for (const event of events) expect(event.received_at ?? event.sent_at).toBeGreaterThanOrEqual(before - 1000);
      const call = expected({ ...envelope, transcript: events }, source);
      expect(await readBack(call)).toEqual([call]);
    },
  );
});
