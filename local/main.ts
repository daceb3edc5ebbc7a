/**
 * `npm start`: the product on this machine, no AWS account needed.
 */
import { startLocalApp } from './app';

async function main(): Promise<void> {
  const app = await startLocalApp({ onNotice: (line) => console.log(line) });
  // The newest key: after `npm run keys -- rotate`, the one clients should switch to.
  const read = app.keys.read[app.keys.read.length - 1]!;
  const ingest = app.keys.ingest[app.keys.ingest.length - 1]!;
  const now = new Date();
  const sample = JSON.stringify({
    id: 'demo-call-1',
    startedAt: new Date(now.getTime() - 60_000).toISOString(),
    endedAt: now.toISOString(),
    customer: { number: '+16505551234' },
    messages: [
      { role: 'bot', content: 'Hi, how can I help?', start_time: 0.5, end_time: 2 },
      { role: 'user', content: 'I need to book an appointment.', start_time: 2.5, end_time: 4.8 },
    ],
  });
  console.log(`
Cekura call adapter running at ${app.url}  (DynamoDB: ${app.dynamo.backend}, table ${app.tableName})

${app.keys.generated ? 'Dev keys (generated once, kept in .data/dev-keys.json; set READ_API_KEYS / INGEST_API_KEYS to choose your own):' : 'Keys from READ_API_KEYS / INGEST_API_KEYS:'}
  read key:   ${read}
  ingest key: ${ingest}

Store a call:
  curl -s -X POST ${app.url}/calls -H 'Authorization: Bearer ${ingest}' -H 'Content-Type: application/json' \\
    -d '${sample}'

Read calls as Cekura does:
  curl -s '${app.url}/calls?number=%2B16505551234' -H 'Authorization: ${read}'
  curl -s '${app.url}/calls/+16505551234' -H 'Authorization: Bearer ${read}'

Press Ctrl-C to stop.`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stop failed:', error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('Could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
