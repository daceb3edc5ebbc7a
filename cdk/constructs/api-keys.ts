import type { RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface ApiKeysProps {
  removalPolicy: RemovalPolicy;
}

/**
 * The two API key secrets: one for Cekura's reads, one for whoever pushes calls in.
 *
 * Each secret's value is the key itself (no JSON): Secrets Manager generates it at deploy time so
 * no key ever appears in the template or in this repository. To rotate by hand, put the old and the
 * new key in the value separated by a comma, update the caller, then remove the old key.
 */
export class ApiKeys extends Construct {
  readonly readKeys: secretsmanager.Secret;
  readonly ingestKeys: secretsmanager.Secret;
  /**
   * The secrets the voice platforms sign their webhooks with, as JSON `{ vapi, retell, elevenlabs }`.
   * The Vapi token is generated here (it is ours to choose); Retell's and ElevenLabs' are issued by
   * those platforms, so the user pastes them in.
   */
  readonly webhookSecrets: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ApiKeysProps) {
    super(scope, id);
    this.readKeys = this.keySecret('ReadKeys', 'API keys accepted by GET /calls (comma-separated)', props);
    this.ingestKeys = this.keySecret('IngestKeys', 'API keys accepted by POST /calls (comma-separated)', props);
    this.webhookSecrets = new secretsmanager.Secret(this, 'WebhookSecrets', {
      description: 'Webhook signing secrets per platform: {"vapi","retell","elevenlabs"} (each comma-separated)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ retell: '', elevenlabs: '' }),
        generateStringKey: 'vapi',
        passwordLength: 40,
        excludePunctuation: true,
      },
      removalPolicy: props.removalPolicy,
    });
  }

  private keySecret(id: string, description: string, props: ApiKeysProps): secretsmanager.Secret {
    return new secretsmanager.Secret(this, id, {
      description,
      // 40 alphanumerics is ~238 bits, and without punctuation the key survives copy-paste into
      // dashboards and shell commands, and can never contain the comma that separates keys.
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
  }
}
