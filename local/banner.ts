/**
 * What `npm start` prints once it is up: the keys and the dev webhook secrets as one ready-to-paste
 * `export` line, then commands that use them as `$READ_KEY` / `$INGEST_KEY` (and the signed replay
 * examples of docs/sources.md as `$VAPI_WEBHOOK_SECRET`, ...), the names the documentation uses too,
 * so all of it works as written once that line is pasted.
 */
import { WEBHOOK_PLATFORMS, type WebhookPlatform } from '../lib/platform-signatures/signatures';
import type { LocalApp } from './app';

export const READY_LINE = 'Press Ctrl-C to stop.';

/** A shell word for `value`: bare when it is plainly safe, else single-quoted. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.,:/=@%+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The shell variable the documentation's replay examples sign a platform's webhook with. */
export const webhookSecretVariable = (platform: WebhookPlatform) => `${platform.toUpperCase()}_WEBHOOK_SECRET`;

/**
 * `export READ_KEY=… INGEST_KEY=… VAPI_WEBHOOK_SECRET=…` with the newest key of each scope (after a
 * rotation, the one to switch to) and each platform's webhook secret that is one plain secret.
 */
export function exportLine(keys: LocalApp['keys'], webhookSecrets: LocalApp['webhookSecrets'] = {}): string {
  const read = keys.read[keys.read.length - 1] ?? '';
  const ingest = keys.ingest[keys.ingest.length - 1] ?? '';
  const secrets = WEBHOOK_PLATFORMS.flatMap((platform) => {
    const secret = webhookSecrets[platform];
    return secret === undefined ? [] : [` ${webhookSecretVariable(platform)}=${shellQuote(secret)}`];
  });
  return `export READ_KEY=${shellQuote(read)} INGEST_KEY=${shellQuote(ingest)}${secrets.join('')}`;
}

/** A call that passes `npm run verify`: it ended now, lasted a minute, and its messages fall inside it. */
export function sampleCallJson(now: Date): string {
  return JSON.stringify({
    id: 'demo-call-1',
    startedAt: new Date(now.getTime() - 60_000).toISOString(),
    endedAt: now.toISOString(),
    customer: { number: '+16505551234' },
    messages: [
      { role: 'bot', content: 'Hi, how can I help?', start_time: 0.5, end_time: 2 },
      { role: 'user', content: 'I need to book an appointment.', start_time: 2.5, end_time: 4.8 },
    ],
  });
}

type BannerApp = Pick<LocalApp, 'url' | 'dynamo' | 'tableName' | 'keys'> & Partial<Pick<LocalApp, 'webhookSecrets'>>;

export function startupBanner(app: BannerApp, options: { now?: Date; nodeVersion?: string } = {}): string {
  const nodeVersion = options.nodeVersion ?? process.versions.node;
  const nodeMajor = Number(nodeVersion.split('.')[0]);
  const keysFrom = app.keys.generated
    ? 'Dev keys, generated once and kept in .data/dev-keys.json (set READ_API_KEYS / INGEST_API_KEYS to choose your own).'
    : 'Keys from READ_API_KEYS / INGEST_API_KEYS.';
  const signed = WEBHOOK_PLATFORMS.filter((platform) => app.webhookSecrets?.[platform] !== undefined);
  const secretsFrom =
    signed.length === 0
      ? ''
      : `\nWebhook secrets (${signed.map(webhookSecretVariable).join(', ')}) sign the replay examples of docs/sources.md;\n` +
        'dev secrets unless WEBHOOK_SECRETS_VAPI / _RETELL / _ELEVENLABS are set.';
  return `
Cekura call adapter running at ${app.url}  (DynamoDB: ${app.dynamo.backend}, table ${app.tableName})
${nodeMajor < 22 ? `Node ${nodeVersion}: fine today; the AWS SDK's releases after the first week of January 2027 need Node 22+.\n` : ''}
${keysFrom}${secretsFrom}
Paste this line into your shell; the commands below and the documentation's examples then work as written:

  ${exportLine(app.keys, app.webhookSecrets)}

Store a call:
  curl -s -X POST ${app.url}/calls -H "Authorization: Bearer $INGEST_KEY" -H 'Content-Type: application/json' \\
    -d '${sampleCallJson(options.now ?? new Date())}'

Read calls as Cekura does:
  curl -s '${app.url}/calls?number=%2B16505551234' -H "Authorization: $READ_KEY"
  curl -s '${app.url}/calls/+16505551234' -H "Authorization: Bearer $READ_KEY"

Check the endpoint as Cekura will call it:
  VERIFY_API_KEY=$READ_KEY npm run -s verify -- --url ${app.url}/calls --number +16505551234

See your calls as Cekura will (paste the read key): ${app.url}/

One line per request follows (LOG_FORMAT=json for JSON lines). ${READY_LINE}`;
}
