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
import { novaOrderStatusWithTool } from '../fixtures/sources/stacks/nova-sonic/calls';
import { openaiChatInboundWithTools } from '../fixtures/sources/stacks/openai-chat/calls';
import { realtimeInboundWithTool } from '../fixtures/sources/stacks/openai-realtime/inbound-with-tool';
import { relayOutboundPartialPrompts } from '../fixtures/sources/stacks/twilio-conversation-relay/calls';
import { ultravoxInboundWithTools } from '../fixtures/sources/stacks/ultravox/calls';
import { useLocalApp } from '../support/local-app';

const README = readFileSync(join(__dirname, '..', '..', 'docs', 'sources.md'), 'utf8');
const SECTION = README.split('## Calls from self-built stacks')[1]?.split('\n## ')[0] ?? '';

function block(language: 'python' | 'js'): string {
  const code = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(SECTION)?.[1];
  if (!code) throw new Error(`no ${language} block in docs/sources.md's self-built stacks section`);
  return code;
}

/** The first block of `language` under the `### <heading…>` subsection of the self-built stacks section. */
function blockUnder(heading: string, language: 'python' | 'js'): string {
  const subsection = SECTION.split(`\n### ${heading}`)[1]?.split('\n### ')[0] ?? '';
  const code = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(subsection)?.[1];
  if (!code) throw new Error(`no ${language} block under "### ${heading}" in docs/sources.md`);
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
  ] as const)('python3: send_call("%s", ...) stores the call exactly as POST /calls?source= does', async (source, envelope) => {
    const file = join(dir, `${source}.json`);
    writeFileSync(file, JSON.stringify({ id: envelope.id, number: envelope.customer.number, transcript: envelope.transcript, fields: fieldsOf(envelope) }));
    const script = `${block('python')}\nwith open(${JSON.stringify(file)}) as f:\n    call = json.load(f)\nprint(json.dumps(send_call(${JSON.stringify(source)}, call["id"], call["number"], call["transcript"], **call["fields"])))\n`;
    const { stdout } = await promisify(execFile)('python3', ['-c', script], { env: env() });
    expect(JSON.parse(stdout)).toMatchObject({ stored: 1, ids: [envelope.id] });
    const call = expected(envelope, source);
    expect(await readBack(call)).toEqual([call]);
  });

  it.each([['openai-realtime', realtimeInboundWithTool as Envelope]] as const)(
    'node: sendCall("%s", ...) stores the call exactly as POST /calls?source= does',
    async (source, envelope) => {
      const file = join(dir, `${source}.json`);
      writeFileSync(file, JSON.stringify({ id: envelope.id, number: envelope.customer.number, transcript: envelope.transcript, fields: fieldsOf(envelope) }));
      const script = `${block('js')}\nconst call = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'));\nsendCall(${JSON.stringify(source)}, call.id, call.number, call.transcript, call.fields).then((answer) => console.log(JSON.stringify(answer)));\n`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: env() });
      expect(JSON.parse(stdout)).toMatchObject({ stored: 1, ids: [envelope.id] });
      const call = expected(envelope, source);
      expect(await readBack(call)).toEqual([call]);
    },
  );

  it('node: recordRealtimeEvent stamps each event with the time it was seen, as the openai-realtime source reads it', async () => {
    const script = `${block('js')}\nrecordRealtimeEvent({ type: 'session.created' });\nrecordRealtimeEvent({ type: 'response.done' });\nconsole.log(JSON.stringify(realtimeEvents));\n`;
    const before = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: env() });
    const events = JSON.parse(stdout) as Array<{ type: string; received_at: number }>;
    expect(events.map((e) => e.type)).toEqual(['session.created', 'response.done']);
    for (const event of events) expect(event.received_at).toBeGreaterThanOrEqual(before);
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
      const script = `${block('python')}\n${blockUnder(LOGGED_HEADING, 'python')}\nwith open(${JSON.stringify(file)}) as f:\n    call = json.load(f)\nlog = CallLog()\nfor entry in call["events"]:\n    getattr(log, entry["direction"])(entry["message"])\nprint(json.dumps({"answer": send_call(${JSON.stringify(source)}, call["id"], call["number"], log.events, **call["fields"]), "events": log.events}))\n`;
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
      const script = `${block('js')}\n${blockUnder(LOGGED_HEADING, 'js')}\nconst call = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'));\nconst log = createCallLog();\nfor (const entry of call.events) log[entry.direction](entry.message);\nsendCall(${JSON.stringify(source)}, call.id, call.number, log.events, call.fields).then((answer) => console.log(JSON.stringify({ answer, events: log.events })));\n`;
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
