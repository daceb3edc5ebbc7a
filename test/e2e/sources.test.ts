/**
 * Platform payloads POSTed to the local server, with ?source= and detected, come back from GET in
 * Cekura's format exactly as the normalisers promise.
 */

import { parseIngestBody } from '../../lib/ingest';
import { signWebhook, type WebhookPlatform } from '../../lib/platform-signatures/signatures';
import { cekuraObserve } from '../fixtures/sources/cekura/observe';
import { elevenlabsInboundWithTools, elevenlabsWebCall } from '../fixtures/sources/platforms/elevenlabs';
import { retellCallStarted, retellInboundWithTools, retellOutbound } from '../fixtures/sources/platforms/retell';
import { vapiInboundWithTools, vapiStatusUpdate } from '../fixtures/sources/platforms/vapi';
import { useLocalApp } from '../support/local-app';

const WINDOW = 'from=2025-05-19T00:00:00Z&to=2025-05-23T00:00:00Z';

describe('platform payloads through the local server', () => {
  const local = useLocalApp({
    READ_API_KEYS: 'r',
    INGEST_API_KEYS: 'i',
    // The fixtures are dated 2025: keep them well inside retention.
    RETENTION_DAYS: '36500',
    WEBHOOK_SECRETS_VAPI: 'vapi-token',
    WEBHOOK_SECRETS_RETELL: 'retell-old,retell-new',
    WEBHOOK_SECRETS_ELEVENLABS: 'el-secret',
  });

  const post = async (body: unknown, query = '') => {
    const response = await fetch(`${local.app.url}/calls${query}`, {
      method: 'POST',
      headers: { authorization: 'i', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const read = async (number: string) => {
    const response = await fetch(`${local.app.url}/calls?number=${encodeURIComponent(number)}&${WINDOW}`, { headers: { authorization: 'r' } });
    return (await response.json()) as Array<Record<string, unknown>>;
  };

  /** What the answer says beyond stored and ids: Retell's tool entries are untimed, its node transition left out. */
  const retellNotes = { untimedMessages: { 'retell-call-1': 3 }, dropped: { 'retell-call-1': { node_transition: 1 } } };

  it.each([
    ['vapi', vapiInboundWithTools, 'vapi-call-1', {}],
    ['retell', retellInboundWithTools, 'retell-call-1', retellNotes],
    ['elevenlabs', elevenlabsInboundWithTools, 'conv_el_1', {}],
    ['cekura', cekuraObserve, 'cek-1', {}],
  ])('%s: stored with ?source= and detected alike, served in Cekura format', async (source, payload, id, notes) => {
    expect(await post(payload, `?source=${source}`)).toEqual({ status: 200, body: { stored: 1, ids: [id], ...notes } });
    const [first] = (await read('+16505551234')).filter((c) => c.id === id);
    expect(await post(payload)).toEqual({ status: 200, body: { stored: 1, ids: [id], ...notes } });
    const again = (await read('+16505551234')).filter((c) => c.id === id);
    // Re-sent (the second time detected): replaced, not duplicated, and identical.
    expect(again).toEqual([first]);
    // Exactly the call the normaliser produces (checked field by field in test/lib/sources).
    const expected = parseIngestBody(payload, { source: source as 'vapi', webCallNumber: undefined });
    expect(expected.ok && [first]).toEqual(expected.ok && [JSON.parse(JSON.stringify(expected.calls[0]!.call))]);
    // The normalisers keep the adapter's own keys under metadata.adapter (issue 11.13).
    const sourceKey = { adapter: expect.objectContaining({ source }) };
    expect(first).toMatchObject({ id, customer: { number: '+16505551234' }, metadata: expect.objectContaining(sourceKey) });
    const messages = first!.messages as Array<{ role: string; start_time: number; end_time: number }>;
    expect(messages.some((m) => m.role === 'function_call')).toBe(true);
    expect(messages.map((m) => m.start_time)).toEqual([...messages.map((m) => m.start_time)].sort((a, b) => a - b));
  });

  it('stores the callee of an outbound Retell call under its number', async () => {
    await post(retellOutbound, '?source=retell');
    expect((await read('+16505559999')).map((c) => c.id)).toEqual(['retell-call-2']);
  });

  it('acknowledges events without a call with 200 and stores nothing', async () => {
    const before = await read('+16505551234');
    for (const event of [vapiStatusUpdate, retellCallStarted]) {
      const result = await post(event);
      expect(result).toEqual({ status: 200, body: { stored: 0, ids: [], ignored: [expect.any(String)] } });
    }
    expect(await read('+16505551234')).toEqual(before);
  });

  it('refuses unknown formats, unknown sources and web calls with a 400 naming the reason', async () => {
    const unknown = await post({ hello: 'world' });
    expect(unknown).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: '', message: expect.stringContaining('tried cekura-push, custom, vapi, retell, elevenlabs, cekura') }] } },
    });
    expect(await post(vapiInboundWithTools, '?source=zoom')).toMatchObject({ status: 400, body: { error: { issues: [{ path: 'source' }] } } });
    expect(await post(elevenlabsWebCall)).toMatchObject({
      status: 400,
      body: { error: { issues: [{ message: expect.stringContaining('WEB_CALL_NUMBER') }] } },
    });
  });

  const SECRET: Record<WebhookPlatform, string> = { vapi: 'vapi-token', retell: 'retell-new', elevenlabs: 'el-secret' };
  const deliver = async (platform: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${local.app.url}/webhooks/${platform}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it.each([
    [
      'vapi',
      { ...vapiInboundWithTools, message: { ...vapiInboundWithTools.message, call: { ...vapiInboundWithTools.message.call, id: 'wh-vapi' } } },
      'wh-vapi',
    ],
    ['retell', { ...retellInboundWithTools, call: { ...retellInboundWithTools.call, call_id: 'wh-retell' } }, 'wh-retell'],
    ['elevenlabs', { ...elevenlabsInboundWithTools, data: { ...elevenlabsInboundWithTools.data, conversation_id: 'wh-el' } }, 'wh-el'],
  ] as const)(
    'POST /webhooks/%s: signed deliveries are stored, unsigned, wrongly signed or stale ones are 401 and store nothing',
    async (platform, payload, id) => {
      const body = JSON.stringify(payload);
      expect(await deliver(platform, body, {})).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
      expect((await deliver(platform, body, signWebhook(platform, body, 'wrong', Date.now()))).status).toBe(401);
      if (platform !== 'vapi') expect((await deliver(platform, body, signWebhook(platform, body, SECRET[platform], Date.now() - 3_600_000))).status).toBe(401);
      expect((await read('+16505551234')).map((c) => c.id)).not.toContain(id);

      const notes = platform === 'retell' ? { untimedMessages: { [id]: 3 }, dropped: { [id]: { node_transition: 1 } } } : {};
      expect(await deliver(platform, body, signWebhook(platform, body, SECRET[platform], Date.now()))).toEqual({
        status: 200,
        body: { stored: 1, ids: [id], ...notes },
      });
      const served = (await read('+16505551234')).filter((c) => c.id === id);
      const expected = parseIngestBody(payload, { source: platform, webCallNumber: undefined });
      expect(expected.ok && served).toEqual(expected.ok && [JSON.parse(JSON.stringify(expected.calls[0]!.call))]);
    },
  );

  it('POST /webhooks/vapi also accepts the Bearer credential; other methods are 405 and unknown platforms 404', async () => {
    const body = JSON.stringify(vapiStatusUpdate);
    expect(await deliver('vapi', body, { authorization: 'Bearer vapi-token' })).toMatchObject({ status: 200, body: { stored: 0 } });
    expect((await fetch(`${local.app.url}/webhooks/vapi`)).status).toBe(405);
    expect((await deliver('zoom', body, {})).status).toBe(404);
  });
});
