/**
 * Local mode's dev webhook secrets: generated once per platform and kept with the dev keys, printed
 * in the banner's export line, accepted by the webhooks; a platform whose secret is set empty is
 * refused, and the log names the variable to set.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { exportLine } from '../../local/banner';
import { devKeysFile } from '../../local/dev-keys';
import { captureOutput } from '../support/capture-output';
import { useLocalApp } from '../support/local-app';

const retellBody = (id: string) =>
  JSON.stringify({
    event: 'call_ended',
    call: {
      call_id: id,
      call_type: 'phone_call',
      direction: 'inbound',
      from_number: '+16505551234',
      to_number: '+14155550100',
      start_timestamp: Date.now() - 60_000,
      end_timestamp: Date.now(),
      transcript_object: [{ role: 'agent', content: 'Hi!', words: [{ word: 'Hi!', start: 0.4, end: 0.9 }] }],
    },
  });

const retellSignature = (secret: string, body: string) => {
  const ms = Date.now();
  return `v=${ms},d=${createHmac('sha256', secret)
    .update(body + ms)
    .digest('hex')}`;
};

describe('dev webhook secrets (no WEBHOOK_SECRETS_* set)', () => {
  const local = useLocalApp({ READ_API_KEYS: '', INGEST_API_KEYS: '' });

  it('generates one per platform, keeps it with the dev keys, exports it, and accepts webhooks signed with it', async () => {
    const stored = JSON.parse(readFileSync(devKeysFile(local.dataDir), 'utf8')) as { webhooks: Record<string, string> };
    expect(Object.keys(stored.webhooks).sort()).toEqual(['elevenlabs', 'retell', 'vapi']);
    expect(local.app.webhookSecrets).toEqual(stored.webhooks);
    expect(exportLine(local.app.keys, local.app.webhookSecrets)).toContain(
      ` VAPI_WEBHOOK_SECRET=${stored.webhooks.vapi} RETELL_WEBHOOK_SECRET=${stored.webhooks.retell} ELEVENLABS_WEBHOOK_SECRET=${stored.webhooks.elevenlabs}`,
    );
    const body = retellBody('dev-secret-1');
    const signed = await fetch(`${local.app.url}/webhooks/retell`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-retell-signature': retellSignature(stored.webhooks.retell!, body) },
      body,
    });
    expect([signed.status, await signed.json()]).toEqual([200, { stored: 1, ids: ['dev-secret-1'] }]);
    const wrong = await fetch(`${local.app.url}/webhooks/retell`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-retell-signature': retellSignature('not-the-secret', body) },
      body,
    });
    expect(wrong.status).toBe(401);
  });
});

describe('a platform whose secret is set empty', () => {
  const local = useLocalApp({ READ_API_KEYS: 'r', INGEST_API_KEYS: 'i', WEBHOOK_SECRETS_RETELL: '' });

  it('is refused with a plain 401, and the log names the variable to set; the others keep their dev secrets', async () => {
    expect(Object.keys(local.app.webhookSecrets).sort()).toEqual(['elevenlabs', 'vapi']);
    const body = retellBody('no-secret-1');
    const logs = captureOutput();
    let response: Response;
    try {
      response = await fetch(`${local.app.url}/webhooks/retell`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-retell-signature': retellSignature('anything', body) },
        body,
      });
    } finally {
      logs.restore();
    }
    expect([response.status, ((await response.json()) as { error: { message: string } }).error.message]).toEqual([
      401,
      'The retell webhook signature is missing or invalid.',
    ]);
    const refused = logs
      .lines()
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message?: string; reason?: string })
      .filter((record) => record.message === 'webhook refused');
    expect(refused.map((r) => r.reason)).toEqual(['no retell webhook secret is configured: set WEBHOOK_SECRETS_RETELL']);
    // No secret of another platform in the log.
    for (const secret of Object.values(local.app.webhookSecrets)) expect(logs.text()).not.toContain(secret);
  });
});
