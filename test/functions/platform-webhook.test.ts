import { createWebhookHandler } from '../../functions/platform-webhook';
import { signWebhook, type WebhookPlatform } from '../../lib/platform-signatures/signatures';
import { parseVapiCredential, signVapi, type VapiCredential } from '../../lib/platform-signatures/vapi';
import type { WebhookSecrets } from '../../lib/secrets/webhook-secrets';
import { elevenlabsAudioEvent, elevenlabsInboundWithTools } from '../fixtures/sources/platforms/elevenlabs';
import { retellCallStarted, retellInboundWithTools, retellNotConnected, retellOddDetails } from '../fixtures/sources/platforms/retell';
import { vapiInboundWithTools, vapiNeverStarted } from '../fixtures/sources/platforms/vapi';
import { httpEvent, invoke } from '../support/events';
import { freshStore } from '../support/store';

const NOW = Date.parse('2025-05-22T00:00:00Z');
const SECRETS = { vapi: ['vapi-secret'], retell: ['retell-key'], elevenlabs: ['el-secret'] };

async function setup(options: { secrets?: WebhookSecrets; maxBodyBytes?: number } = {}) {
  const { store } = await freshStore();
  const secrets = options.secrets ?? SECRETS;
  const handler = createWebhookHandler({
    store,
    secrets: async () => secrets,
    retentionDays: 36500,
    maxBodyBytes: options.maxBodyBytes ?? 5 * 1024 * 1024,
    now: () => NOW,
  });
  const event = (platform: string, body: string, headers: Record<string, string>) =>
    httpEvent({
      routeKey: 'POST /webhooks/{platform}',
      path: `/webhooks/${platform}`,
      pathParameters: { platform },
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const deliverRaw = (platform: string, body: string, headers: Record<string, string>) => invoke(handler, event(platform, body, headers));
  const deliver = (platform: string, payload: unknown, headers: Record<string, string>) => deliverRaw(platform, JSON.stringify(payload), headers);
  const signed = (platform: WebhookPlatform, payload: unknown, secret = SECRETS[platform][0]!, at = NOW) =>
    deliver(platform, payload, signWebhook(platform, JSON.stringify(payload), secret, at));
  const stored = async () =>
    (
      await store.queryCalls({
        number: '+16505551234',
        from: '2025-05-19T00:00:00.000Z',
        to: '2025-05-23T00:00:00.000Z',
        limit: 100,
        maxBytes: 6e6,
        after: undefined,
        now: NOW / 1000,
      })
    ).calls.map((c) => (JSON.parse(c) as { id: string }).id);
  return { deliver, deliverRaw, signed, stored, handler, event };
}

function credential(value: unknown): VapiCredential {
  const parsed = parseVapiCredential(value);
  if (!parsed.ok) throw new Error(`${parsed.field} ${parsed.message}`);
  return parsed.credential;
}

describe('platform webhook handler (DynamoDB Local)', () => {
  it.each([
    ['vapi', vapiInboundWithTools, 'vapi-call-1'],
    ['retell', retellInboundWithTools, 'retell-call-1'],
    ['elevenlabs', elevenlabsInboundWithTools, 'conv_el_1'],
  ] as const)('%s: a correctly signed post-call webhook is stored', async (platform, payload, id) => {
    const { signed, stored } = await setup();
    expect(await signed(platform, payload)).toMatchObject({ status: 200, body: { stored: 1, ids: [id] } });
    expect(await stored()).toEqual([id]);
  });

  it.each([
    ['vapi', vapiInboundWithTools],
    ['retell', retellInboundWithTools],
    ['elevenlabs', elevenlabsInboundWithTools],
  ] as const)('%s: a missing, wrong or stale signature is a 401 and stores nothing', async (platform, payload) => {
    const { deliver, signed, stored } = await setup();
    expect(await deliver(platform, payload, {})).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect((await signed(platform, payload, 'not-the-secret')).status).toBe(401);
    // Vapi's HMAC credential carries a timestamp too (x-timestamp) since issue 11.
    expect((await signed(platform, payload, undefined, NOW - 31 * 60_000)).status).toBe(401);
    // Signed over one body, delivering another.
    const headers = signWebhook(platform, JSON.stringify(payload), SECRETS[platform][0]!, NOW);
    expect((await deliver(platform, { ...payload, tampered: true }, headers)).status).toBe(401);
    expect(await stored()).toEqual([]);
  });

  it('acknowledges events without a call with 200 and stores nothing; unknown platforms are 404', async () => {
    const { signed, deliver, stored } = await setup();
    expect(await signed('retell', retellCallStarted)).toMatchObject({ status: 200, body: { stored: 0, ignored: [expect.stringContaining('call_started')] } });
    expect((await deliver('zoom', {}, {})).status).toBe(404);
    expect(await stored()).toEqual([]);
  });

  it('refuses a signed but malformed payload with a 400 naming the field', async () => {
    const { signed, stored } = await setup();
    const broken = { event: 'call_ended', call: { call_id: 'x', direction: 'inbound', from_number: '+16505551234' } };
    expect(await signed('retell', broken)).toMatchObject({ status: 400, body: { error: { issues: [{ path: 'call.start_timestamp' }] } } });
    expect(await stored()).toEqual([]);
  });

  it("vapi: the HMAC credential with its defaults, configured options ({method} {url}) and a Bearer credential's own header name", async () => {
    const hmac = credential({
      type: 'hmac',
      secretKey: 'hmac-secret',
      algorithm: 'sha256',
      signatureHeader: 'X-Vapi-Hmac',
      payloadFormat: '{timestamp}:{method}:{url}:{body}',
    });
    const bearer = credential({ type: 'bearer', token: 'cekura-style-token', headerName: 'X-CEKURA-API-KEY', bearerPrefixEnabled: false });
    const { deliver, stored } = await setup({ secrets: { ...SECRETS, vapi: ['vapi-secret', hmac, bearer] } });
    const body = JSON.stringify(vapiInboundWithTools);
    // Vapi's defaults, with only the plain secret configured: x-signature over `{timestamp}.{body}`.
    expect(await deliver('vapi', vapiInboundWithTools, signVapi(credential({ type: 'hmac', secretKey: 'vapi-secret' }), body, NOW))).toMatchObject({
      status: 200,
      body: { stored: 1 },
    });
    expect((await deliver('vapi', vapiInboundWithTools, signVapi(hmac, body, NOW, { url: 'https://api.example.com/webhooks/vapi' }))).status).toBe(200);
    expect((await deliver('vapi', vapiInboundWithTools, signVapi(hmac, body, NOW, { url: 'https://api.example.com/webhooks/other' }))).status).toBe(401);
    expect((await deliver('vapi', vapiInboundWithTools, signVapi(hmac, body, NOW - 6 * 60_000, { url: 'https://api.example.com/webhooks/vapi' }))).status).toBe(
      401,
    );
    expect((await deliver('vapi', vapiInboundWithTools, { 'x-cekura-api-key': 'cekura-style-token' })).status).toBe(200);
    expect((await deliver('vapi', vapiInboundWithTools, { 'x-cekura-api-key': 'vapi-secret' })).status).toBe(401);
    expect(await stored()).toEqual(['vapi-call-1']);
  });

  it('acknowledges calls that never connected with 200 and the reason, so the platform does not retry them', async () => {
    const { signed, stored } = await setup();
    expect(await signed('retell', retellNotConnected)).toMatchObject({
      status: 200,
      body: { stored: 0, ignored: [expect.stringContaining('never connected (call_status "not_connected"')] },
    });
    expect(await signed('vapi', vapiNeverStarted)).toMatchObject({
      status: 200,
      body: { stored: 0, ignored: [expect.stringContaining('never started (no startedAt')] },
    });
    expect(await stored()).toEqual([]);
  });

  it('stores a call with odd details (an orphan tool result, a SIP agent number) instead of refusing it', async () => {
    const { signed, stored } = await setup();
    expect(await signed('retell', retellOddDetails)).toMatchObject({ status: 200, body: { stored: 1, ids: ['retell-odd-1'] } });
    expect(await stored()).toEqual(['retell-odd-1']);
  });

  describe('elevenlabs: audio events over the body limit', () => {
    const MAX = 2048;
    const audio = { ...elevenlabsAudioEvent, data: { ...elevenlabsAudioEvent.data, full_audio: 'UklGR'.repeat(1000) } };
    const sign = (body: string) => signWebhook('elevenlabs', body, SECRETS.elevenlabs[0]!, NOW);

    it('are answered 200 ignored once signed, with the type as the first or the last key, as text or base64', async () => {
      const { deliverRaw, handler, event } = await setup({ maxBodyBytes: MAX });
      const first = JSON.stringify(audio);
      const { type, ...rest } = audio;
      const last = JSON.stringify({ ...rest, type });
      for (const body of [first, last]) {
        expect(Buffer.byteLength(body)).toBeGreaterThan(MAX);
        expect(await deliverRaw('elevenlabs', body, sign(body))).toMatchObject({
          status: 200,
          body: { stored: 0, ids: [], ignored: [expect.stringContaining('post_call_audio')] },
        });
      }
      const base64 = { ...event('elevenlabs', Buffer.from(first).toString('base64'), sign(first)), isBase64Encoded: true };
      expect((await invoke(handler, base64)).status).toBe(200);
    });

    it('are still a 401 unsigned; other oversized bodies (a transcript, a type elsewhere) are still a 413', async () => {
      const { deliverRaw, stored } = await setup({ maxBodyBytes: MAX });
      const body = JSON.stringify(audio);
      expect((await deliverRaw('elevenlabs', body, {})).status).toBe(401);
      expect((await deliverRaw('elevenlabs', body, sign(`${body} `))).status).toBe(401);
      const transcript = JSON.stringify({ ...elevenlabsInboundWithTools, padding: 'x'.repeat(MAX) });
      expect((await deliverRaw('elevenlabs', transcript, sign(transcript))).status).toBe(413);
      const hidden = JSON.stringify({ event_timestamp: 1, type: 'post_call_audio', data: audio.data });
      expect((await deliverRaw('elevenlabs', hidden, sign(hidden))).status).toBe(413);
      const otherPlatform = JSON.stringify({ type: 'post_call_audio', padding: 'x'.repeat(MAX) });
      expect((await deliverRaw('retell', otherPlatform, signWebhook('retell', otherPlatform, SECRETS.retell[0]!, NOW))).status).toBe(413);
      expect(await stored()).toEqual([]);
    });
  });
});
