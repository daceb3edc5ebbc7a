/**
 * Seeded, realistic calls for the benchmark: the same seed gives the same bytes on every run.
 *
 * A "typical" call has 40 messages: 16 bot/user exchanges of everyday conversational length
 * (bot 40-260 characters, user 4-140) and 4 tool calls with their results (JSON arguments and
 * results, as voice agents send them). Ingest bodies use the forms clients really send and the
 * adapter normalises: tool arguments as objects, offsets instead of `Z`, formatted numbers.
 */

/** mulberry32: small, fast, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'I you we they it the a an and or but so because if when then there here this that these those is are was were be been ' +
  'have has had do does did can could would should will may might must not no yes okay sure right well just also only ' +
  'appointment booking reservation schedule Tuesday Wednesday Thursday Friday Monday morning afternoon evening tomorrow ' +
  'today week next last time date address street number phone email account order payment card refund insurance policy ' +
  'doctor clinic dentist cleaning checkup prescription refill pharmacy delivery pickup store location hours open closed ' +
  'help need want like check confirm cancel change move update send receive call back speak talk agent manager ' +
  'thank thanks please sorry great perfect wonderful problem issue question minute second moment hold wait ' +
  'available unavailable earliest latest slot price cost total balance due fee covered plan member id name spell ' +
  'first last middle birth zip code city state reference confirmation ticket case email text message reminder'
).split(' ');

const FILLERS = ['Sure,', 'Okay,', 'Got it,', 'Absolutely,', 'Let me see,', 'Alright,', 'Of course,', 'Hmm,', 'Right,'];
const TOOLS = ['check_availability', 'book_appointment', 'lookup_customer', 'send_confirmation', 'transfer_call', 'get_order_status'];

function sentence(random: () => number, targetChars: number): string {
  const words: string[] = [];
  let length = 0;
  if (random() < 0.35) {
    const filler = FILLERS[Math.floor(random() * FILLERS.length)]!;
    words.push(filler);
    length += filler.length + 1;
  }
  while (length < targetChars) {
    const word = WORDS[Math.floor(random() * WORDS.length)]!;
    words.push(word);
    length += word.length + 1;
  }
  let text = words.join(' ');
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return `${text}${random() < 0.2 ? '?' : '.'}`;
}

const between = (random: () => number, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Phone number `i` of the benchmark's numbers, E.164. */
export function benchNumber(i: number): string {
  return `+1415${String(5_000_000 + i).padStart(7, '0')}`;
}

/** The same number as a client might send it, for the ingest normalisation. */
export function formattedNumber(e164: string): string {
  const d = e164.slice(2);
  return `+1 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`;
}

export interface CallShape {
  id: string;
  number: string;
  /** Epoch ms. */
  startedAt: number;
  /** Number of messages, or a target transcript size in bytes. */
  messages?: number;
  transcriptBytes?: number;
  /** Send the input forms that ingest normalises (offset timestamps, formatted numbers, tool args as objects). */
  clientForms?: boolean;
}

/** One call in Cekura's call format, as a client would POST it. */
export function makeCall(random: () => number, shape: CallShape): Record<string, unknown> {
  const messages: Record<string, unknown>[] = [];
  let t = round2(0.4 + random());
  let bytes = 0;
  /** Adds a message; returns its size in the stored JSON (only measured when a size is asked for). */
  const push = (message: Record<string, unknown>) => {
    messages.push(message);
    return shape.transcriptBytes === undefined ? 0 : Buffer.byteLength(JSON.stringify(message)) + 1;
  };
  const wanted = shape.messages ?? Number.POSITIVE_INFINITY;
  const wantedBytes = shape.transcriptBytes ?? Number.POSITIVE_INFINITY;
  // One tool exchange after every 4th user turn, as agents look things up mid-call.
  let turn = 0;
  while (messages.length < wanted && bytes < wantedBytes) {
    const bot = sentence(random, between(random, 40, 260));
    const botEnd = round2(t + bot.length / 15);
    bytes += push({ role: 'bot', content: bot, start_time: t, end_time: botEnd });
    t = round2(botEnd + 0.3 + random());
    if (messages.length >= wanted) break;
    const user = sentence(random, between(random, 4, 140));
    const userEnd = round2(t + user.length / 14);
    bytes += push({ role: 'user', content: user, start_time: t, end_time: userEnd });
    t = round2(userEnd + 0.2 + random());
    turn++;
    if (turn % 4 === 0 && messages.length + 2 <= wanted) {
      const name = TOOLS[Math.floor(random() * TOOLS.length)]!;
      const id = `call_${Math.floor(random() * 1e12).toString(36)}`;
      const args = {
        customer_id: `cus_${Math.floor(random() * 1e9).toString(36)}`,
        date: `2025-03-${between(random, 10, 28)}`,
        time: `${between(random, 8, 17)}:${random() < 0.5 ? '00' : '30'}`,
        notes: sentence(random, between(random, 10, 60)),
      };
      const result = {
        ok: true,
        slots: Array.from({ length: between(random, 1, 4) }, () => `${between(random, 8, 17)}:${random() < 0.5 ? '00' : '30'}`),
        message: sentence(random, between(random, 20, 120)),
      };
      bytes += push({
        role: 'function_call',
        content: '',
        start_time: t,
        end_time: round2(t + 0.05),
        data: { id, name, arguments: shape.clientForms && random() < 0.5 ? args : JSON.stringify(args) },
      });
      bytes += push({
        role: 'function_call_result',
        content: '',
        start_time: round2(t + 0.05),
        end_time: round2(t + 0.4),
        data: { id, name, result: JSON.stringify(result) },
      });
      t = round2(t + 0.6);
    }
  }
  const started = new Date(shape.startedAt);
  const ended = new Date(shape.startedAt + Math.ceil(t) * 1000);
  const offsetForm = shape.clientForms && random() < 0.3;
  return {
    id: shape.id,
    startedAt: offsetForm ? withOffset(started) : started.toISOString(),
    endedAt: offsetForm ? withOffset(ended) : ended.toISOString(),
    customer: { number: shape.clientForms && random() < 0.3 ? formattedNumber(shape.number) : shape.number, name: random() < 0.5 ? 'Alex Doe' : undefined },
    messages,
    endedReason: random() < 0.8 ? 'customer-ended-call' : 'assistant-ended-call',
    recordingUrl: `https://recordings.example.com/${shape.id}.wav`,
    phoneNumber: '+16505550100',
    metadata: { campaign: 'spring', agent_version: `v${between(random, 1, 9)}` },
  };
}

/** The instant at UTC+02:00, as some clients send it. */
function withOffset(date: Date): string {
  const shifted = new Date(date.getTime() + 2 * 3600_000).toISOString();
  return `${shifted.slice(0, 23)}+02:00`;
}

/** A short call: a greeting, a question, a tool call and its answer. */
export function shortCall(random: () => number, id: string, number: string, startedAt: number): Record<string, unknown> {
  return makeCall(random, { id, number, startedAt, messages: 4 });
}

export function typicalCall(random: () => number, id: string, number: string, startedAt: number, clientForms = false): Record<string, unknown> {
  return makeCall(random, { id, number, startedAt, messages: 40, clientForms });
}

/** A call whose transcript (its messages' JSON) is just over 1 MB (1,048,576 bytes). */
export function longCall(random: () => number, id: string, number: string, startedAt: number): Record<string, unknown> {
  return makeCall(random, { id, number, startedAt, transcriptBytes: 1024 * 1024 });
}
