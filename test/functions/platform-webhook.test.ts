import { createWebhookHandler } from '../../functions/platform-webhook';
import { signWebhook, type WebhookPlatform } from '../../lib/platform-signatures/signatures';
import { elevenlabsInboundWithTools } from '../fixtures/sources/elevenlabs';
import { retellCallStarted, retellInboundWithTools } from '../fixtures/sources/retell';
import { vapiInboundWithTools } from '../fixtures/sources/vapi';
import { httpEvent, invoke } from '../support/events';
import { freshStore } from '../support/store';

const NOW = Date.parse('2025-05-22T00:00:00Z');
const SECRETS = { vapi: ['vapi-secret'], retell: ['retell-key'], elevenlabs: ['el-secret'] };

async function setup() {
  const { store } = await freshStore();
  const handler = createWebhookHandler({ store, secrets: async () => SECRETS, retentionDays: 36500, maxBodyBytes: 5 * 1024 * 1024, now: () => NOW });
  const deliver = (platform: string, payload: unknown, headers: Record<string, string>) =>
    invoke(handler, httpEvent({ routeKey: 'POST /webhooks/{platform}', path: `/webhooks/${platform}`, pathParameters: { platform }, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) }));
  const signed = (platform: WebhookPlatform, payload: unknown, secret = SECRETS[platform][0]!, at = NOW) => deliver(platform, payload, signWebhook(platform, JSON.stringify(payload), secret, at));
  const stored = async () => (await store.queryCalls({ number: '+16505551234', from: '2025-05-19T00:00:00.000Z', to: '2025-05-23T00:00:00.000Z', limit: 100, maxBytes: 6e6, after: undefined, now: NOW / 1000 })).calls.map((c) => (JSON.parse(c) as { id: string }).id);
  return { deliver, signed, stored };
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
    if (platform !== 'vapi') expect((await signed(platform, payload, undefined, NOW - 31 * 60_000)).status).toBe(401);
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
});
