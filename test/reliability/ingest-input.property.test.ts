/**
 * Bad input on the ingest endpoint (POST /calls): random mutations of valid requests get a 200 (and
 * are then stored exactly as answered) or a clear 4xx in the JSON error shape naming the field; a
 * refused request writes nothing (no write command is sent, and the table read back at the end
 * holds exactly the calls that were answered 200); nothing pollutes Object.prototype.
 */
import './quiet-logs';
import { gunzipSync } from 'node:zlib';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { createIngestHandler } from '../../functions/ingest-calls';
import { keyCheck } from '../../lib/auth';
import { MAX_JSON_DEPTH } from '../../lib/json-shape';
import { httpEvent, invoke } from '../support/events';
import { freshStore } from '../support/store';
import { isJsonError, runs, SEED } from './support';

const INGEST_KEY = 'ingest-key-reliability';
/** Small, so the oversized cases stay cheap to build (the limit itself is what is tested). */
const MAX_BODY_BYTES = 64 * 1024;
const NUMBERS = ['+16505551234', '+14155550000', '+442079460958', '+61291234567'];
const IDS = ['id-a', 'id-b', 'id-c', 'id-d', 'id-e', 'id-f'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

// -------------------------------------------------------------------------------------------------
// Valid calls

const message = fc
  .record({
    role: fc.constantFrom('system', 'bot', 'user', 'function_call', 'function_call_result'),
    content: fc.string({ maxLength: 40 }),
    start: fc.integer({ min: 0, max: 3_000 }),
    length: fc.integer({ min: 0, max: 300 }),
  })
  .map(({ role, content, start, length }): Json => {
    const base = { role, content, start_time: start / 10, end_time: (start + length) / 10 };
    if (role === 'function_call') return { ...base, data: { id: 'tool_1', name: 'book', arguments: { day: 'tuesday' } } };
    if (role === 'function_call_result') return { ...base, data: { id: 'tool_1', name: 'book', result: 'ok' } };
    return base;
  });

const validCall = fc
  .record({
    id: fc.constantFrom(...IDS),
    number: fc.constantFrom(...NUMBERS),
    start: fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2025-03-01T00:00:00Z') }),
    duration: fc.integer({ min: 0, max: 3_600_000 }),
    messages: fc.array(message, { maxLength: 6 }),
    name: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    metadata: fc.option(fc.dictionary(fc.constantFrom('team', 'campaign', 'x'), fc.oneof(fc.string({ maxLength: 10 }), fc.integer())), { nil: undefined }),
  })
  .map(({ id, number, start, duration, messages, name, metadata }): Json => {
    // A valid call lasts at least until its last message ends.
    const lastEndMs = Math.max(0, ...messages.map((m) => (m as { end_time: number }).end_time * 1000));
    const call: Record<string, Json> = {
      id,
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + Math.max(duration, Math.ceil(lastEndMs))).toISOString(),
      customer: name === undefined ? { number } : { number, name },
      messages,
    };
    if (metadata !== undefined) call.metadata = metadata;
    return call;
  });

// -------------------------------------------------------------------------------------------------
// Mutations

const pathText = (path: Path): string =>
  path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? key : `${text}.${key}`), '');

/** Every path inside `root` (not the root itself), in a stable order. */
function pathsOf(root: Json, prefix: Path = []): Path[] {
  if (root === null || typeof root !== 'object') return [];
  const entries: Array<[string | number, Json]> = Array.isArray(root) ? root.map((v, i) => [i, v]) : Object.entries(root);
  return entries.flatMap(([key, value]) => [[...prefix, key], ...pathsOf(value, [...prefix, key])]);
}

const get = (root: Json, path: Path): Json => path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key]!, root);
const defineOwn = (target: object, key: string | number, value: unknown) =>
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

function setAt(root: Json, path: Path, value: Json): void {
  defineOwn(get(root, path.slice(0, -1)) as object, path[path.length - 1]!, value);
}

const clone = (value: Json): Json => JSON.parse(JSON.stringify(value)) as Json;

/** JSON text nested `depth` levels deep (as text: JSON.stringify itself would overflow the stack). */
function nested(depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? '[' : '{"a":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}1${close}`;
}

type Expectation =
  | { status: 200 | 'any' }
  /** A 4xx; `paths`: some issue must name one of these (or a field under it). */
  | { status: 400 | 413 | 415 | '4xx'; paths?: string[] };

interface Case {
  label: string;
  body: string;
  base64?: boolean;
  contentType: string | undefined;
  expect: Expectation;
  /** The path of the mutated field, from the body's root, for the "names the field" check. */
  mutated?: string;
}

const RAW = '@@raw@@';

const wrongTypeValue = (current: Json) =>
  fc
    .constantFrom<Json>(null, 0, -1, 1.5, '', 'x', true, [], {}, [1, 2], { k: 'v' })
    .filter((v) => typeof v !== typeof current || Array.isArray(v) !== Array.isArray(current));

/** A field-level mutation of one call inside the body. */
const fieldMutation = (body: Json, callPaths: Path[]) =>
  fc
    .record({
      call: fc.integer({ min: 0, max: callPaths.length - 1 }),
      pick: fc.nat(),
      kind: fc.constantFrom('wrongType', 'delete', 'badTime', 'reverse', 'reserved', 'deep', 'extra', 'unicode', 'badId'),
      reserved: fc.constantFrom('__proto__', 'constructor', 'prototype'),
      // (50,000 levels, beyond the body limit here, is in the extreme cases below.)
      depth: fc.oneof(fc.integer({ min: MAX_JSON_DEPTH + 1, max: 200 }), fc.constantFrom(1_000, 5_000)),
      rawTime: fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '-1', '-0.001', '"12"', 'null', 'true', '1e308'),
      text: fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.constantFrom('\u0000', '\uFFFD', '\u202E', '\uD800', '\uDC00x', "'; DROP TABLE calls; --"),
      ),
      wrong: fc.nat(),
    })
    .chain((m) => {
      const root = clone(body);
      const callPath = callPaths[m.call]!;
      const call = get(root, callPath) as Record<string, Json>;
      const inner = pathsOf(call).map((p) => [...callPath, ...p]);
      const pickFrom = <T>(list: T[]) => list[m.pick % list.length]!;
      const messages = Array.isArray(call.messages) ? (call.messages as Json[]) : [];
      switch (m.kind) {
        case 'wrongType': {
          const path = pickFrom(inner);
          return wrongTypeValue(get(root, path)).map((value): Case => {
            const copy = clone(root);
            setAt(copy, path, value);
            return {
              label: `wrong type at ${pathText(path)}`,
              body: JSON.stringify(copy),
              contentType: 'application/json',
              expect: { status: 'any' },
              mutated: pathText(path),
            };
          });
        }
        case 'delete': {
          const path = pickFrom(inner);
          const parent = get(root, path.slice(0, -1));
          const key = path[path.length - 1]!;
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete (parent as Record<string, Json>)[key as string];
          return fc.constant<Case>({
            label: `deleted ${pathText(path)}`,
            body: JSON.stringify(root),
            contentType: 'application/json',
            expect: { status: 'any' },
            mutated: pathText(path),
          });
        }
        case 'badTime': {
          if (messages.length === 0) {
            call.endedAt = '2024-12-31T23:59:59.999Z'; // before startedAt
            return fc.constant<Case>({
              label: 'endedAt before startedAt',
              body: JSON.stringify(root),
              contentType: 'application/json',
              expect: { status: 400, paths: [pathText([...callPath, 'endedAt'])] },
            });
          }
          const index = m.pick % messages.length;
          const field = m.wrong % 2 ? 'start_time' : 'end_time';
          const path = [...callPath, 'messages', index, field];
          (messages[index] as Record<string, Json>)[field] = RAW;
          const text = JSON.stringify(root).replace(`"${RAW}"`, m.rawTime);
          const invalidJson = ['NaN', 'Infinity', '-Infinity'].includes(m.rawTime);
          return fc.constant<Case>({
            label: `${field} = ${m.rawTime}`,
            body: text,
            contentType: 'application/json',
            // 1e308 is a valid time (if end_time is not then before start_time).
            expect:
              m.rawTime === '1e308' ? { status: 'any' } : invalidJson ? { status: 400, paths: [''] } : { status: 400, paths: [pathText(path.slice(0, -1))] },
            mutated: pathText(path),
          });
        }
        case 'reverse': {
          const timed = messages.findIndex((x) => {
            const msg = x as Record<string, number>;
            return msg.end_time! > msg.start_time!;
          });
          if (timed === -1) {
            const start = call.startedAt as string;
            call.startedAt = call.endedAt!;
            call.endedAt = new Date(Date.parse(start) - 1).toISOString();
            return fc.constant<Case>({
              label: 'reversed call times',
              body: JSON.stringify(root),
              contentType: 'application/json',
              expect: { status: 400, paths: [pathText([...callPath, 'endedAt'])] },
            });
          }
          const msg = messages[timed] as Record<string, number>;
          [msg.start_time, msg.end_time] = [msg.end_time!, msg.start_time!];
          const path = [...callPath, 'messages', timed, 'end_time'];
          return fc.constant<Case>({
            label: 'reversed message times',
            body: JSON.stringify(root),
            contentType: 'application/json',
            expect: { status: 400, paths: [pathText(path)] },
          });
        }
        case 'reserved': {
          const objects = [callPath, ...inner].filter((p) => {
            const node = get(root, p);
            return node !== null && typeof node === 'object' && !Array.isArray(node);
          });
          const target = pickFrom(objects);
          defineOwn(get(root, target) as object, m.reserved, { polluted: true });
          const path = pathText([...target, m.reserved]);
          return fc.constant<Case>({
            label: `reserved key ${path}`,
            body: JSON.stringify(root),
            contentType: 'application/json',
            expect: { status: 400, paths: [path] },
          });
        }
        case 'deep': {
          const target = m.pick % 2 ? [...callPath, 'metadata'] : [...callPath, 'customer', 'extra'];
          setAt(root, target, RAW);
          const text = JSON.stringify(root).replace(`"${RAW}"`, nested(m.depth));
          return fc.constant<Case>({
            label: `nested ${m.depth} deep at ${pathText(target)}`,
            body: text,
            contentType: 'application/json',
            expect: { status: 400, paths: [pathText(target)] },
          });
        }
        case 'extra': {
          call.x_unknown_field = { anything: [1, 'two'] };
          return fc.constant<Case>({ label: 'unknown field', body: JSON.stringify(root), contentType: 'application/json', expect: { status: 200 } });
        }
        case 'unicode': {
          const strings = inner.filter((p) => typeof get(root, p) === 'string' && p[p.length - 1] !== 'id');
          if (strings.length === 0)
            return fc.constant<Case>({ label: 'unchanged', body: JSON.stringify(root), contentType: 'application/json', expect: { status: 200 } });
          const path = pickFrom(strings);
          setAt(root, path, m.text);
          return fc.constant<Case>({
            label: `unicode at ${pathText(path)}`,
            body: JSON.stringify(root),
            contentType: 'application/json',
            expect: { status: 'any' },
            mutated: pathText(path),
          });
        }
        case 'badId': {
          const id = ['', 'x'.repeat(256), '\uD800', 'a\uDFFFb', 7, null][m.wrong % 6] as Json;
          call.id = id;
          return fc.constant<Case>({
            label: `id = ${JSON.stringify(id)?.slice(0, 20)}`,
            body: JSON.stringify(root),
            contentType: 'application/json',
            expect: { status: 400, paths: [pathText([...callPath, 'id']), pathText(callPath)] },
          });
        }
      }
    });

/** One, several, or an envelope of valid calls. */
const validBody = fc
  .record({ calls: fc.array(validCall, { minLength: 1, maxLength: 3 }), shape: fc.constantFrom('single', 'array', 'envelope') })
  .map(({ calls, shape }): { body: Json; callPaths: Path[] } => {
    if (shape === 'single') return { body: calls[0]!, callPaths: [[]] };
    if (shape === 'array') return { body: calls, callPaths: calls.map((_, i) => [i]) };
    return { body: { calls }, callPaths: calls.map((_, i) => ['calls', i]) };
  });

/** Invalid byte sequences: a lone continuation byte, an overlong encoding, a UTF-16 surrogate, 0xFF, a truncated sequence. */
const BAD_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xe2, 0x82]];

const bodyMutation = (body: Json) =>
  fc
    .record({
      kind: fc.constantFrom('truncate', 'utf8', 'contentType', 'oversize', 'tooMany', 'duplicateKeys', 'valid'),
      at: fc.nat(),
      contentType: fc.constantFrom(
        undefined,
        '',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/jsonx',
        'json',
      ),
      bad: fc.constantFrom(...BAD_UTF8),
    })
    .map(({ kind, at, contentType, bad }): Case => {
      const text = JSON.stringify(body);
      switch (kind) {
        case 'truncate':
          return { label: 'truncated JSON', body: text.slice(0, at % text.length), contentType: 'application/json', expect: { status: 400, paths: [''] } };
        case 'utf8': {
          // Inside the first string value, so only the encoding is wrong.
          const bytes = Buffer.from(text, 'utf8');
          const quote = bytes.indexOf(0x3a) + 2; // just inside the first value's opening quote
          const broken = Buffer.concat([bytes.subarray(0, quote), Buffer.from(bad), bytes.subarray(quote)]);
          return {
            label: `invalid UTF-8 ${Buffer.from(bad).toString('hex')}`,
            body: broken.toString('base64'),
            base64: true,
            contentType: 'application/json',
            expect: { status: 400, paths: [''] },
          };
        }
        case 'contentType':
          return { label: `content-type ${String(contentType)}`, body: text, contentType, expect: { status: 415 } };
        case 'oversize':
          return { label: 'oversized body', body: text + ' '.repeat(MAX_BODY_BYTES), contentType: 'application/json', expect: { status: 413 } };
        case 'tooMany': {
          // Minimal calls, so 101 of them stay under the body limit and it is the count that is refused.
          const one = { id: 'x', startedAt: '2025-02-01T10:00:00Z', endedAt: '2025-02-01T10:01:00Z', customer: { number: '+16505551234' }, messages: [] };
          return {
            label: '101 calls',
            body: JSON.stringify(Array.from({ length: 101 }, () => one)),
            contentType: 'application/json',
            expect: { status: 400, paths: [''] },
          };
        }
        case 'duplicateKeys':
          // JSON.parse keeps the last of duplicate keys: the second id is the one stored.
          return {
            label: 'duplicate keys',
            body: text.replace(/"id":"([^"]*)"/, '"id":"dup-first","id":"$1"'),
            contentType: 'application/json',
            expect: { status: 200 },
          };
        default:
          return { label: 'valid', body: text, contentType: 'application/json; charset=utf-8', expect: { status: 200 } };
      }
    });

const caseArb: fc.Arbitrary<Case> = validBody.chain(({ body, callPaths }) =>
  fc.oneof({ weight: 3, arbitrary: fieldMutation(body, callPaths) }, { weight: 2, arbitrary: bodyMutation(body) }),
);

// -------------------------------------------------------------------------------------------------

async function setup(maxBodyBytes = MAX_BODY_BYTES) {
  const fresh = await freshStore({ sleep: async () => undefined });
  const handler = createIngestHandler({ store: fresh.store, keys: async () => keyCheck([INGEST_KEY]), retentionDays: 3650, maxBodyBytes });
  const post = (c: Pick<Case, 'body' | 'base64' | 'contentType'>) => {
    const headers: Record<string, string> = { authorization: `Bearer ${INGEST_KEY}` };
    if (c.contentType !== undefined) headers['content-type'] = c.contentType;
    return invoke(handler, { ...httpEvent({ routeKey: 'POST /calls', headers, body: c.body }), isBase64Encoded: c.base64 === true });
  };
  /** The table read back whole (a test-side Scan): id -> the stored call. */
  const table = async () => {
    const stored = new Map<string, { customer: { number: string }; messages: unknown[] }>();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await fresh.client.send(new ScanCommand({ TableName: fresh.tableName, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        const doc = item.doc ?? gunzipSync(item.docz as Uint8Array).toString('utf8');
        const call = JSON.parse(doc as string) as { id: string; customer: { number: string }; messages: unknown[] };
        expect(item.pk).toBe(`call#${call.id}`);
        stored.set(call.id, call);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return stored;
  };
  return { ...fresh, post, table };
}

const writes = (commands: string[]) => commands.filter((c) => /BatchWrite|PutItem|UpdateItem|DeleteItem|TransactWrite/.test(c));

/** Is `a` the path `b` or one of its containers? (`messages` contains `messages[0].start_time`) */
const contains = (a: string, b: string) => a === '' || b === a || b.startsWith(`${a}.`) || b.startsWith(`${a}[`);
const parentOf = (path: string) => path.replace(/(\.[^.[\]]*|\[\d+\])$/, '');

/**
 * Does some issue name the mutated field? It may name the field, a container of it (a wrong type
 * turns a message into "not a message"), or a sibling in the same object (a start_time made larger
 * is reported on end_time, "must be >= start_time").
 */
const names = (issues: Array<{ path: string }>, path: string) => issues.some((issue) => contains(issue.path, path) || contains(parentOf(path), issue.path));

describe('ingest endpoint under random mutations of valid requests', () => {
  const CASES = runs(1_500);
  test(`${CASES} mutated requests: 200 and stored as answered, or a JSON 4xx naming the field with nothing written`, async () => {
    const { post, table, commands } = await setup();
    const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    /** id -> (message count, number) of the last version answered 200 */
    const model = new Map<string, { messages: number; number: string }>();
    const counts = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        commands.length = 0;
        const result = await post(c);
        const status = result.status ?? 0;
        counts.set(String(status), (counts.get(String(status)) ?? 0) + 1);
        const context = `${c.label}: ${status} ${String(result.raw).slice(0, 300)}`;

        if (status >= 500 || (status >= 300 && status < 400) || status < 200) throw new Error(`unexpected status: ${context}`);
        if (c.expect.status === 200 && status !== 200) throw new Error(`expected 200: ${context}`);
        if (typeof c.expect.status === 'number' && c.expect.status !== 200 && status !== c.expect.status)
          throw new Error(`expected ${c.expect.status}: ${context}`);
        expect(result.headers['content-type']).toBe('application/json');

        if (status === 200) {
          const { stored, ids } = result.body as { stored: number; ids: string[] };
          expect(stored).toBe(ids.length);
          expect(writes(commands).length).toBeGreaterThan(0);
          // What was sent, by id (the last one wins in a request, as in the store).
          const parsed = JSON.parse(c.base64 ? Buffer.from(c.body, 'base64').toString() : c.body) as Json;
          const sent = (Array.isArray(parsed) ? parsed : ((parsed as { calls?: Json[] }).calls ?? [parsed])) as Array<Record<string, Json>>;
          for (const call of sent) {
            const number = String((call.customer as { number: string }).number).replace(/[^\d]/g, '');
            model.set(String(call.id), { messages: (call.messages as Json[]).length, number });
          }
          expect(new Set(ids)).toEqual(new Set(sent.map((call) => String(call.id))));
        } else {
          if (!isJsonError(result.body)) throw new Error(`not the JSON error shape: ${context}`);
          if (writes(commands).length > 0) throw new Error(`a refused request wrote: ${context} ${commands.join(',')}`);
          const issues = (result.body as { error: { issues?: Array<{ path: string }> } }).error.issues;
          if (status === 400) {
            if (!issues || issues.length === 0) throw new Error(`a 400 without issues: ${context}`);
            const expected = 'paths' in c.expect && c.expect.paths ? c.expect.paths : c.mutated !== undefined ? [c.mutated] : undefined;
            if (expected && !expected.some((p) => names(issues, p))) throw new Error(`no issue names ${expected.join(' or ')}: ${context}`);
          }
        }
        if (({} as Record<string, unknown>).polluted !== undefined || Object.getOwnPropertyNames(Object.prototype).sort().join() !== protoKeys.join()) {
          throw new Error(`Object.prototype was polluted by ${c.label}`);
        }
      }),
      { seed: SEED, numRuns: CASES },
    );

    // Both outcomes in volume, or the property proves little.
    expect(counts.get('200') ?? 0).toBeGreaterThan(CASES / 10);
    expect(counts.get('400') ?? 0).toBeGreaterThan(CASES / 4);
    expect(counts.get('413') ?? 0).toBeGreaterThan(0);
    expect(counts.get('415') ?? 0).toBeGreaterThan(0);

    // Read back: the table holds exactly the calls answered 200, each as last accepted.
    const stored = await table();
    expect([...stored.keys()].sort()).toEqual([...model.keys()].sort());
    for (const [id, want] of model) {
      const call = stored.get(id)!;
      expect([id, call.messages.length, call.customer.number.replace(/[^\d]/g, '')]).toEqual([id, want.messages, want.number]);
    }
  });

  test('the extreme cases: 10,000 messages are stored; 50,000 levels of nesting, 101 calls and 1 MiB + 1 byte are refused', async () => {
    const ONE_MIB = 1024 * 1024;
    const { post, table, commands } = await setup(ONE_MIB);
    const call = (id: string, extra: Record<string, Json> = {}): Record<string, Json> => ({
      id,
      startedAt: '2025-02-01T10:00:00.000Z',
      endedAt: '2025-02-01T11:00:00.000Z',
      customer: { number: '+16505551234' },
      messages: [],
      ...extra,
    });
    const tenK = Array.from(
      { length: 10_000 },
      (_, i): Json => ({ role: i % 2 ? 'user' : 'bot', content: `m${i}`, start_time: i * 0.3, end_time: i * 0.3 + 0.2 }),
    );
    const big = await post({ body: JSON.stringify(call('ten-k', { messages: tenK })), contentType: 'application/json' });
    expect(big).toMatchObject({ status: 200, body: { stored: 1, ids: ['ten-k'] } });

    commands.length = 0;
    const refused = [
      await post({ body: JSON.stringify(call('deep', { metadata: RAW })).replace(`"${RAW}"`, nested(50_000)), contentType: 'application/json' }),
      await post({ body: JSON.stringify(Array.from({ length: 101 }, (_, i) => call(`c${i}`))), contentType: 'application/json' }),
      await post({ body: JSON.stringify(call('big')).padEnd(ONE_MIB + 1, ' '), contentType: 'application/json' }),
    ];
    expect(refused.map((r) => r.status)).toEqual([400, 400, 413]);
    expect(refused.every((r) => isJsonError(r.body))).toBe(true);
    expect((refused[0]!.body as { error: { issues: Array<{ path: string }> } }).error.issues[0]!.path).toMatch(/^metadata(\.a|\[0\])+/);
    expect(writes(commands)).toEqual([]);
    const stored = await table();
    expect([...stored.keys()]).toEqual(['ten-k']);
    expect(stored.get('ten-k')!.messages).toHaveLength(10_000);
  });
});
