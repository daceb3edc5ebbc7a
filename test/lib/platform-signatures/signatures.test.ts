import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook, WEBHOOK_PLATFORMS } from '../../../lib/platform-signatures/signatures';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const body = '{"event":"call_ended","call":{"call_id":"x"}}';
const verify = (platform: (typeof WEBHOOK_PLATFORMS)[number], headers: Record<string, string>, secrets = ['old-secret', 'new-secret'], rawBody = body, nowMs = NOW) =>
  verifyWebhook(platform, { headers, rawBody: Buffer.from(rawBody), nowMs }, secrets);

describe('verifyWebhook', () => {
  it.each(WEBHOOK_PLATFORMS)('%s: accepts a signature by any configured secret, refuses a changed body or another secret', (platform) => {
    for (const secret of ['old-secret', 'new-secret']) expect(verify(platform, signWebhook(platform, body, secret, NOW))).toEqual({ ok: true });
    expect(verify(platform, signWebhook(platform, body, 'someone-else', NOW)).ok).toBe(false);
    expect(verify(platform, signWebhook(platform, body, 'new-secret', NOW), undefined, `${body} `).ok).toBe(false);
    expect(verify(platform, {})).toEqual({ ok: false, reason: expect.any(String) });
    expect(verify(platform, signWebhook(platform, body, 'new-secret', NOW), [])).toEqual({ ok: false, reason: expect.stringContaining('configured') });
  });

  it('computes Retell and ElevenLabs signatures as the platforms document them', () => {
    const retell = createHmac('sha256', 'k').update(body + NOW).digest('hex');
    expect(signWebhook('retell', body, 'k', NOW)).toEqual({ 'x-retell-signature': `v=${NOW},d=${retell}` });
    const t = NOW / 1000;
    const eleven = createHmac('sha256', 'k').update(`${t}.${body}`).digest('hex');
    expect(signWebhook('elevenlabs', body, 'k', NOW)).toEqual({ 'elevenlabs-signature': `t=${t},v0=${eleven}` });
  });

  it('refuses stale timestamps: Retell after 5 minutes, ElevenLabs after 30', () => {
    const retellOld = signWebhook('retell', body, 'new-secret', NOW - 5 * 60_000 - 1);
    expect(verify('retell', retellOld)).toEqual({ ok: false, reason: expect.stringContaining('stale') });
    expect(verify('retell', signWebhook('retell', body, 'new-secret', NOW - 4 * 60_000)).ok).toBe(true);
    const elevenOld = signWebhook('elevenlabs', body, 'new-secret', NOW - 31 * 60_000);
    expect(verify('elevenlabs', elevenOld)).toEqual({ ok: false, reason: expect.stringContaining('stale') });
    expect(verify('elevenlabs', signWebhook('elevenlabs', body, 'new-secret', NOW - 29 * 60_000)).ok).toBe(true);
  });

  it('accepts Vapi secret-token credentials in x-vapi-secret or Authorization, with or without Bearer', () => {
    const good: Record<string, string>[] = [{ 'x-vapi-secret': 'new-secret' }, { authorization: 'Bearer old-secret' }, { authorization: 'new-secret' }];
    for (const headers of good) {
      expect(verify('vapi', headers)).toEqual({ ok: true });
    }
    const bad: Record<string, string>[] = [{ 'x-vapi-secret': 'new-secre' }, { authorization: 'Bearer nope' }, { 'x-vapi-signature': 'sha256=00' }];
    for (const headers of bad) {
      expect(verify('vapi', headers).ok).toBe(false);
    }
  });

  it('refuses malformed signature headers', () => {
    expect(verify('retell', { 'x-retell-signature': 'garbage' }).ok).toBe(false);
    expect(verify('elevenlabs', { 'elevenlabs-signature': 't=abc,v0=00' }).ok).toBe(false);
  });
});
