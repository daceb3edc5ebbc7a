import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook, WEBHOOK_PLATFORMS, type WebhookSecret } from '../../../lib/platform-signatures/signatures';
import { parseVapiCredential, signVapi, type VapiCredential } from '../../../lib/platform-signatures/vapi';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const body = '{"event":"call_ended","call":{"call_id":"x"}}';
const verify = (
  platform: (typeof WEBHOOK_PLATFORMS)[number],
  headers: Record<string, string>,
  secrets: WebhookSecret[] = ['old-secret', 'new-secret'],
  rawBody = body,
  nowMs = NOW,
) => verifyWebhook(platform, { headers, rawBody: Buffer.from(rawBody), nowMs, method: 'POST', url: 'https://api.example.com/webhooks/vapi' }, secrets);

describe('verifyWebhook', () => {
  it.each(WEBHOOK_PLATFORMS)('%s: accepts a signature by any configured secret, refuses a changed body or another secret', (platform) => {
    for (const secret of ['old-secret', 'new-secret']) expect(verify(platform, signWebhook(platform, body, secret, NOW))).toEqual({ ok: true });
    expect(verify(platform, signWebhook(platform, body, 'someone-else', NOW)).ok).toBe(false);
    expect(verify(platform, signWebhook(platform, body, 'new-secret', NOW), undefined, `${body} `).ok).toBe(false);
    expect(verify(platform, {})).toEqual({ ok: false, reason: expect.any(String) });
    expect(verify(platform, signWebhook(platform, body, 'new-secret', NOW), [])).toEqual({ ok: false, reason: expect.stringContaining('configured') });
  });

  it('computes Retell and ElevenLabs signatures as the platforms document them', () => {
    const retell = createHmac('sha256', 'k')
      .update(body + NOW)
      .digest('hex');
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

  it('ElevenLabs: reads the header as its SDK does: future timestamps accepted, the first v0= entry checked, entries not trimmed', () => {
    // elevenlabs-js WebhooksClient.constructEvent: only t older than 30 minutes is refused.
    expect(verify('elevenlabs', signWebhook('elevenlabs', body, 'new-secret', NOW + 2 * 3_600_000))).toEqual({ ok: true });
    const t = NOW / 1000;
    const good = `v0=${createHmac('sha256', 'new-secret').update(`${t}.${body}`).digest('hex')}`;
    expect(verify('elevenlabs', { 'elevenlabs-signature': `t=${t},${good},v0=00` })).toEqual({ ok: true });
    expect(verify('elevenlabs', { 'elevenlabs-signature': `t=${t},v0=00,${good}` })).toEqual({ ok: false, reason: expect.stringContaining('does not match') });
    expect(verify('elevenlabs', { 'elevenlabs-signature': `t=${t}, ${good}` }).ok).toBe(false);
    expect(verify('elevenlabs', { 'elevenlabs-signature': `v0=00,t=${t},${good}` })).toEqual({ ok: false, reason: expect.stringContaining('does not match') });
  });

  it('accepts Vapi secret-token credentials in x-vapi-secret or Authorization, with or without Bearer, and the raw token in x-vapi-signature', () => {
    const good: Record<string, string>[] = [
      { 'x-vapi-secret': 'new-secret' },
      { authorization: 'Bearer old-secret' },
      { authorization: 'new-secret' },
      { 'x-vapi-signature': 'old-secret' },
    ];
    for (const headers of good) {
      expect(verify('vapi', headers)).toEqual({ ok: true });
    }
    const bad: Record<string, string>[] = [
      { 'x-vapi-secret': 'new-secre' },
      { authorization: 'Bearer nope' },
      { 'x-vapi-signature': 'sha256=00' },
      { 'x-vapi-signature': 'old-secretx' },
    ];
    for (const headers of bad) {
      expect(verify('vapi', headers).ok).toBe(false);
    }
    // The older HMAC form: hex HMAC-SHA256 of the body alone, with or without sha256=.
    const bodyMac = createHmac('sha256', 'new-secret').update(body).digest('hex');
    expect(verify('vapi', { 'x-vapi-signature': bodyMac })).toEqual({ ok: true });
    expect(verify('vapi', { 'x-vapi-signature': `sha256=${bodyMac}` })).toEqual({ ok: true });
  });

  it("Vapi's HMAC credential with its defaults: x-signature = hex HMAC-SHA256 of `{timestamp}.{body}`, timestamp in x-timestamp (s or ms)", () => {
    for (const timestamp of [String(NOW), String(NOW / 1000)]) {
      const signature = createHmac('sha256', 'new-secret').update(`${timestamp}.${body}`).digest('hex');
      expect(verify('vapi', { 'x-signature': signature, 'x-timestamp': timestamp })).toEqual({ ok: true });
      expect(verify('vapi', { 'x-signature': signature.toUpperCase(), 'x-timestamp': timestamp })).toEqual({ ok: true });
      // Signed over another timestamp, or over another body.
      expect(verify('vapi', { 'x-signature': signature, 'x-timestamp': String(Number(timestamp) + 1) }).ok).toBe(false);
      expect(verify('vapi', { 'x-signature': signature, 'x-timestamp': timestamp }, undefined, `${body} `).ok).toBe(false);
    }
    expect(signWebhook('vapi', body, 'k', NOW)).toEqual({
      'x-signature': createHmac('sha256', 'k').update(`${NOW}.${body}`).digest('hex'),
      'x-timestamp': String(NOW),
    });
    const signature = signWebhook('vapi', body, 'new-secret', NOW)['x-signature']!;
    expect(verify('vapi', { 'x-signature': signature })).toEqual({ ok: false, reason: expect.stringContaining('no x-timestamp') });
    expect(verify('vapi', { 'x-signature': signature, 'x-timestamp': 'yesterday' })).toEqual({ ok: false, reason: expect.stringContaining('not epoch') });
  });

  it('refuses Vapi HMAC timestamps more than 5 minutes old or ahead, in seconds or milliseconds', () => {
    for (const at of [NOW - 5 * 60_000 - 1000, NOW + 5 * 60_000 + 1000]) {
      const headers = signWebhook('vapi', body, 'new-secret', at);
      expect(verify('vapi', headers)).toEqual({ ok: false, reason: expect.stringContaining('stale') });
      const credential = parse({ type: 'hmac', secretKey: 'new-secret' });
      expect(verify('vapi', signVapi(credential, body, at, { timestampUnit: 's' }), [credential]).ok).toBe(false);
    }
    expect(verify('vapi', signWebhook('vapi', body, 'new-secret', NOW - 4 * 60_000)).ok).toBe(true);
    expect(verify('vapi', signWebhook('vapi', body, 'new-secret', NOW + 4 * 60_000)).ok).toBe(true);
  });

  it('Vapi HMAC options: headers, sha512 / sha1, base64, prefix, a base64 secret, {method} {url} {svix-id} in the payload', () => {
    const secret = Buffer.from('raw secret bytes \u00ff').toString('base64');
    const credential = parse({
      type: 'hmac',
      secretKey: secret,
      secretIsBase64: true,
      algorithm: 'sha512',
      signatureHeader: 'X-Webhook-Signature',
      timestampHeader: 'X-Webhook-Time',
      signaturePrefix: 'v1,',
      signatureEncoding: 'base64',
      payloadFormat: '{svix-id}.{timestamp}.{method} {url}.{body}',
      messageIdHeader: 'svix-id',
    });
    const timestamp = String(NOW / 1000);
    const expected = createHmac('sha512', Buffer.from(secret, 'base64'))
      .update(`msg_1.${timestamp}.POST https://api.example.com/webhooks/vapi.${body}`)
      .digest('base64');
    const headers = { 'x-webhook-signature': `v1,${expected}`, 'x-webhook-time': timestamp, 'svix-id': 'msg_1' };
    expect(verify('vapi', headers, [credential])).toEqual({ ok: true });
    expect(signVapi(credential, body, NOW, { timestampUnit: 's', messageId: 'msg_1', url: 'https://api.example.com/webhooks/vapi' })).toEqual(headers);
    // Base64 without its padding is the same signature.
    expect(verify('vapi', { ...headers, 'x-webhook-signature': headers['x-webhook-signature'].replace(/=+$/, '') }, [credential])).toEqual({ ok: true });
    expect(verify('vapi', { ...headers, 'svix-id': 'msg_2' }, [credential]).ok).toBe(false);
    // Signed for another URL (e.g. a custom domain): refused, unless serverUrl names it.
    const elsewhere = parse({ type: 'hmac', secretKey: 'k', payloadFormat: '{url}|{timestamp}|{body}' });
    const signedElsewhere = signVapi(elsewhere, body, NOW, { url: 'https://hooks.example.org/vapi' });
    expect(verify('vapi', signedElsewhere, [elsewhere]).ok).toBe(false);
    const named = parse({ type: 'hmac', secretKey: 'k', payloadFormat: '{url}|{timestamp}|{body}', serverUrl: 'https://hooks.example.org/vapi' });
    expect(verify('vapi', signedElsewhere, [named])).toEqual({ ok: true });
    // sha1, and no timestamp at all.
    const sha1 = parse({
      type: 'hmac',
      secretKey: 'k',
      algorithm: 'sha1',
      includeTimestamp: false,
      signatureHeader: 'x-hub-signature',
      signaturePrefix: 'sha1=',
    });
    expect(verify('vapi', { 'x-hub-signature': `sha1=${createHmac('sha1', 'k').update(body).digest('hex')}` }, [sha1])).toEqual({ ok: true });
  });

  it('a Vapi Bearer credential with its own header name, with or without the Bearer prefix; a plain secret does not cover other headers', () => {
    const credential = parse({ type: 'bearer', token: 'tok-123', headerName: 'X-CEKURA-API-KEY', bearerPrefixEnabled: false });
    expect(verify('vapi', { 'x-cekura-api-key': 'tok-123' }, [credential])).toEqual({ ok: true });
    expect(verify('vapi', { 'x-cekura-api-key': 'Bearer tok-123' }, [credential])).toEqual({ ok: true });
    expect(verify('vapi', { 'x-cekura-api-key': 'tok-124' }, [credential]).ok).toBe(false);
    expect(verify('vapi', { authorization: 'Bearer tok-123' }, [credential]).ok).toBe(false);
    expect(verify('vapi', { 'x-cekura-api-key': 'tok-123' }, ['tok-123'])).toEqual({ ok: false, reason: expect.stringContaining('no Vapi credential header') });
    // The whole Custom Credential as Vapi's API returns it is accepted too.
    const wrapped = parse({ id: 'cred_1', provider: 'custom-credential', authenticationPlan: { type: 'bearer', token: 'tok-9', headerName: 'x-key' } });
    expect(verify('vapi', { 'x-key': 'Bearer tok-9' }, [wrapped])).toEqual({ ok: true });
  });

  it('refuses Vapi credential options it cannot honour, naming the field and never the secret', () => {
    const refused = (value: unknown) => {
      const result = parseVapiCredential(value);
      if (result.ok) throw new Error('accepted');
      expect(JSON.stringify(result)).not.toContain('s3cret');
      return `${result.field} ${result.message}`;
    };
    expect(refused({ type: 'hmac', secretKey: 's3cret', algorith: 'sha512' })).toMatch(/^algorith is not an option/);
    expect(refused({ type: 'hmac', secretKey: 's3cret', algorithm: 'md5' })).toBe('algorithm must be sha256, sha512, sha1');
    expect(refused({ type: 'hmac', secretKey: 's3cret', payloadFormat: '{timestamp}' })).toBe('payloadFormat must contain {body}');
    expect(refused({ type: 'hmac', secretKey: 's3cret', payloadFormat: '{nonce}.{body}' })).toMatch(/^payloadFormat has an unknown placeholder \{nonce\}/);
    expect(refused({ type: 'hmac', secretKey: 's3cret', payloadFormat: '{svix-id}.{body}', includeTimestamp: false })).toMatch(/^messageIdHeader is required/);
    expect(refused({ type: 'hmac', secretKey: 's3cret', includeTimestamp: false, payloadFormat: '{timestamp}.{body}' })).toMatch(/includeTimestamp is false/);
    expect(refused({ type: 'hmac', secretKey: 's3cret!', secretIsBase64: true })).toBe('secretKey must be base64 when secretIsBase64 is true');
    expect(refused({ type: 'bearer', token: '' })).toBe('token is required (non-empty text)');
    expect(refused({ type: 'oauth2', secretKey: 's3cret' })).toBe('type must be "hmac" or "bearer"');
  });

  it('refuses malformed signature headers', () => {
    expect(verify('retell', { 'x-retell-signature': 'garbage' }).ok).toBe(false);
    expect(verify('elevenlabs', { 'elevenlabs-signature': 't=abc,v0=00' }).ok).toBe(false);
  });
});

/** A credential as configured; fails the test when refused. */
function parse(value: unknown): VapiCredential {
  const result = parseVapiCredential(value);
  if (!result.ok) throw new Error(`${result.field} ${result.message}`);
  return result.credential;
}
