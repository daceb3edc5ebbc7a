import { createIngestHandler } from '../../functions/ingest-calls';
import { createReadHandler } from '../../functions/read-calls';
import { keyCheck } from '../../lib/auth';
import { httpEvent, invoke } from '../support/events';
import { longTranscript, sampleCall } from '../support/fixtures';
import { freshStore } from '../support/store';

const INGEST_KEY = 'ingest-key-1';
const READ_KEY = 'read-key-1';

async function setup(maxBodyBytes = 5 * 1024 * 1024) {
  const { store } = await freshStore();
  const ingest = createIngestHandler({ store, keys: async () => keyCheck([INGEST_KEY, 'ingest-key-2']), retentionDays: 3650, maxBodyBytes });
  const read = createReadHandler({ store, keys: async () => keyCheck([READ_KEY]), maxWindowDays: 31, now: () => Date.parse('2025-01-01T12:00:00Z') });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    invoke(
      ingest,
      httpEvent({
        routeKey: 'POST /calls',
        headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  const all = async () => {
    const result = await invoke(read, httpEvent({ routeKey: 'GET /calls', headers: { authorization: READ_KEY } }));
    return result.body as Array<{ id: string; customer: { number: string }; endedReason?: string }>;
  };
  return { post, all };
}

const call = (id: string, overrides = {}) => sampleCall({ id, ...overrides }, '2025-01-01T10:00:00.000Z');

describe('ingest handler (DynamoDB Local)', () => {
  it('stores one call, an array or { calls } and answers { stored, ids }', async () => {
    const { post, all } = await setup();
    expect(await post(call('a'))).toMatchObject({ status: 200, body: { stored: 1, ids: ['a'] }, headers: { 'content-type': 'application/json' } });
    expect((await post([call('b'), call('c')])).body).toEqual({ stored: 2, ids: ['b', 'c'] });
    expect((await post({ calls: [call('d')] })).body).toEqual({ stored: 1, ids: ['d'] });
    expect((await all()).map((c) => c.id).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('accepts any configured ingest key, raw or Bearer, and refuses others with 401', async () => {
    const { post, all } = await setup();
    expect((await post(call('raw'), { authorization: 'ingest-key-2' })).status).toBe(200);
    for (const authorization of [READ_KEY, `Bearer ${READ_KEY}`, 'wrong', '']) {
      const result = await post(call(`x-${authorization}`), { authorization });
      expect(result).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    }
    expect((await all()).map((c) => c.id)).toEqual(['raw']);
  });

  it('refuses numbers JSON would change (too large, too many digits) naming each, and stores nothing; arrays kept as JSON text', async () => {
    const { post, all } = await setup();
    const body = JSON.stringify([call('n1', { metadata: { crm: 0 } }), call('n2', { metadata: { score: 0 } })])
      .replace('"crm":0', '"crm":12345678901234567890')
      .replace('"score":0', '"score":1e400');
    const refused = await post(body);
    expect(refused).toMatchObject({ status: 400, body: { error: { issues: [{ path: '[0].metadata.crm' }, { path: '[1].metadata.score' }] } } });
    expect(await all()).toEqual([]);
    // The same values as text, and arrays for tool data, are kept exactly.
    const tools = call('n3', {
      metadata: { crm: '12345678901234567890' },
      messages: [
        { role: 'function_call', content: '', start_time: 1, end_time: 1, data: { id: 't', name: 'f', arguments: [1, 'x'] } },
        { role: 'function_call_result', content: '', start_time: 2, end_time: 2, data: { id: 't', name: 'f', result: [] } },
      ],
    });
    expect((await post(tools)).status).toBe(200);
    const [stored] = (await all()) as unknown as Array<{ metadata: unknown; messages: Array<{ data: unknown }> }>;
    expect(stored!.metadata).toEqual({ crm: '12345678901234567890' });
    expect(stored!.messages.map((m) => m.data)).toEqual([
      { id: 't', name: 'f', arguments: '[1,"x"]' },
      { id: 't', name: 'f', result: '[]' },
    ]);
    expect(await post(call('n4', { metadata: ['a', 'b'] as never }))).toMatchObject({ status: 400, body: { error: { issues: [{ path: 'metadata' }] } } });
  });

  it('stores nothing from a batch with one invalid call and lists each problem by path', async () => {
    const { post, all } = await setup();
    const bad = call('bad');
    (bad.messages[0] as { start_time: number }).start_time = -1;
    const result = await post({ calls: [call('good-1'), call('good-2'), call('good-3'), bad, { ...call('no-number'), customer: {} }] });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      error: {
        code: 'invalid_request',
        message: expect.stringContaining('No call was stored'),
        issues: [
          { path: 'calls[3].messages[0].start_time', message: expect.any(String) },
          { path: 'calls[4].customer.number', message: 'is required' },
        ],
      },
    });
    expect(await all()).toEqual([]);
  });

  it('replaces a re-sent call instead of duplicating it, even with a new number', async () => {
    const { post, all } = await setup();
    await post(call('same', { endedReason: 'first' }));
    await post(call('same', { endedReason: 'second', customer: { number: '+14155550000' } }));
    expect(await all()).toEqual([expect.objectContaining({ id: 'same', endedReason: 'second', customer: { number: '+14155550000' } })]);
  });

  it('answers 400 for malformed JSON, 415 for another content type, 413 over the body limit', async () => {
    const { post, all } = await setup(10_000);
    expect(await post('{"id": ')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', issues: [{ path: '', message: 'is not valid JSON' }] } },
    });
    expect(await post(call('t'), { 'content-type': 'text/plain' })).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
    expect(await post(call('big', { messages: longTranscript(20_000) }))).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    expect(await all()).toEqual([]);
  });

  it('round-trips a 1 MB transcript and refuses, naming it, a call too large even compressed', async () => {
    const { post, all } = await setup();
    const long = call('long', { messages: longTranscript(1024 * 1024) });
    expect((await post(long)).status).toBe(200);
    const [stored] = await all();
    expect(stored).toEqual(JSON.parse(JSON.stringify({ ...long, customer: { number: '+16505551234', name: 'Ada' } })));

    let noise = '';
    while (noise.length < 1_500_000) noise += Math.random().toString(36).slice(2);
    const result = await post([call('small'), call('huge', { messages: [{ role: 'user', content: noise, start_time: 0, end_time: 1 }] })]);
    expect(result).toMatchObject({
      status: 413,
      body: { error: { code: 'payload_too_large', issues: [{ path: 'id=huge', message: expect.stringContaining('"huge"') }] } },
    });
    expect((await all()).map((c) => c.id)).toEqual(['long']);
  });
});
