import { KeysUnavailableError } from '../../../lib/secrets/api-keys';
import { parseWebhookSecrets, WebhookSecretsConfigError, webhookSecretsProvider } from '../../../lib/secrets/webhook-secrets';

/** What the deployed secret holds, as Secrets Manager would answer it. */
let deployedSecret: unknown;
jest.mock('../../../lib/secrets/api-keys', () => ({
  ...jest.requireActual('../../../lib/secrets/api-keys'),
  secretsProvider: () => ({ get: async () => deployedSecret }),
}));

describe('webhook secrets configuration', () => {
  it('keeps the plain form: comma-separated secrets per platform, in env vars or the JSON secret', async () => {
    const secrets = await webhookSecretsProvider({ WEBHOOK_SECRETS_VAPI: 'a, b', WEBHOOK_SECRETS_RETELL: 'r' })();
    expect(secrets).toEqual({ vapi: ['a', 'b'], retell: ['r'], elevenlabs: [] });
    expect(parseWebhookSecrets({ vapi: 'a,b', retell: 'r', elevenlabs: 'e' })).toEqual({ vapi: ['a', 'b'], retell: ['r'], elevenlabs: ['e'] });
  });

  it('takes Vapi credentials with their options (JSON), alone or beside plain secrets during a rotation', async () => {
    const hmac = { type: 'hmac', secretKey: 'k1', algorithm: 'sha512', signatureHeader: 'X-Sig' };
    const env = { WEBHOOK_SECRETS_VAPI: JSON.stringify(['old-token', hmac, { type: 'bearer', token: 't', headerName: 'X-Key' }]) };
    const { vapi } = await webhookSecretsProvider(env)();
    expect(vapi).toEqual([
      'old-token',
      expect.objectContaining({
        type: 'hmac',
        secretKey: 'k1',
        algorithm: 'sha512',
        signatureHeader: 'x-sig',
        timestampHeader: 'x-timestamp',
        payloadFormat: '{timestamp}.{body}',
      }),
      { type: 'bearer', token: 't', headerName: 'x-key', bearerPrefixEnabled: true },
    ]);
    expect(parseWebhookSecrets({ vapi: hmac }).vapi).toEqual([expect.objectContaining({ type: 'hmac', algorithm: 'sha512' })]);
  });

  it('refuses a misconfiguration naming the field, never the secret: env at start-up, the Secrets Manager secret as 503', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ WEBHOOK_SECRETS_VAPI: '{"type":"hmac","secretKey":"s3cret","algorithm":"md5"}' }, 'WEBHOOK_SECRETS_VAPI.algorithm must be sha256, sha512, sha1'],
      [{ WEBHOOK_SECRETS_VAPI: '[{"type":"hmac","secretKey":"s3cret"' }, 'WEBHOOK_SECRETS_VAPI starts with [ or { but is not valid JSON'],
      [{ WEBHOOK_SECRETS_RETELL: '[{"type":"bearer","token":"s3cret"}]' }, 'WEBHOOK_SECRETS_RETELL[0] must be a secret (text): only Vapi secrets take options'],
      [{ WEBHOOK_SECRETS_VAPI: '["s3cret", ""]' }, 'WEBHOOK_SECRETS_VAPI[1] must not be empty'],
    ];
    for (const [env, message] of cases) {
      expect(() => webhookSecretsProvider(env)).toThrow(new WebhookSecretsConfigError(message));
    }
    expect(() => parseWebhookSecrets({ vapi: [{ type: 'hmac', secretKey: 's3cret', payloadFormat: '{timestamp}' }] })).toThrow(
      'vapi[0].payloadFormat must contain {body}',
    );
  });

  it('reads the deployed secret on each call: a credential object works, a misconfigured one is KeysUnavailableError (503)', async () => {
    const provider = webhookSecretsProvider({ WEBHOOK_SECRETS_SECRET_ID: 'arn:secret' });
    deployedSecret = { vapi: { type: 'bearer', token: 't', headerName: 'x-key' }, retell: 'r1,r2' };
    expect(await provider()).toEqual({
      vapi: [{ type: 'bearer', token: 't', headerName: 'x-key', bearerPrefixEnabled: true }],
      retell: ['r1', 'r2'],
      elevenlabs: [],
    });
    deployedSecret = { vapi: { type: 'hmac', secretKey: 's3cret', signatureHeader: 'bad header' } };
    const failure = provider();
    await expect(failure).rejects.toThrow(KeysUnavailableError);
    await expect(failure).rejects.toThrow('the webhook secrets secret is misconfigured: vapi.signatureHeader must be an HTTP header name');
  });
});
