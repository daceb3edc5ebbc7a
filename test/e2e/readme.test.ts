/**
 * The README's local curl examples, run as written (only the port changes) against the local server.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useLocalApp } from '../support/local-app';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/**
 * Shell commands of the README's bash blocks that talk to the local server, each preceded by the
 * variable assignments of its block (e.g. NOW=...).
 */
function localCurlCommands(): string[] {
  const blocks = [...README.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) => {
    const lines = block
      .replace(/\\\n\s*/g, ' ')
      .replace(/'\{[\s\S]*?\}'/g, (json) => json.replace(/\n\s*/g, ' '))
      .split('\n');
    const assignments = lines.filter((line) => /^[A-Z_]+=/.test(line)).join('\n');
    return lines.filter((line) => line.startsWith('curl ') && line.includes('localhost:3000')).map((line) => `${assignments}\n${line}`);
  });
}

describe('README examples', () => {
  const local = useLocalApp({
    READ_API_KEYS: 'r-key',
    INGEST_API_KEYS: 'i-key',
    // As the README starts npm start for its replay examples.
    WEBHOOK_SECRETS_VAPI: 'vapi-dev-token',
    WEBHOOK_SECRETS_RETELL: 'retell-dev-key',
    WEBHOOK_SECRETS_ELEVENLABS: 'el-dev-secret',
  });

  it('stores the example call, reads it back with each example GET, and replays each platform webhook', async () => {
    const [store, ...rest] = localCurlCommands();
    // The push-webhook example has its own test (readme-push.test.ts).
    const reads = rest.filter((command) => !command.includes('/webhooks/') && !command.includes('/test_framework/'));
    const replays = rest.filter((command) => command.includes('/webhooks/'));
    expect([reads.length, replays.length]).toEqual([2, 3]);
    // Asynchronous: the server answering curl runs in this very process.
    const run = async (command: string) =>
      (await promisify(execFile)('bash', ['-c', command.replaceAll('localhost:3000', `localhost:${local.app.port}`)], { env: { ...process.env, READ_KEY: 'r-key', INGEST_KEY: 'i-key' } })).stdout;
    expect(JSON.parse(await run(store!))).toEqual({ stored: 1, ids: ['demo-call-1'] });
    for (const read of reads) expect((JSON.parse(await run(read)) as Array<{ id: string }>).map((c) => c.id)).toEqual(['demo-call-1']);
    const replayed = [];
    for (const replay of replays) replayed.push(JSON.parse(await run(replay)) as unknown);
    expect(replayed).toEqual([
      { stored: 1, ids: ['replay-vapi-1'] },
      { stored: 1, ids: ['replay-retell-1'] },
      { stored: 1, ids: ['replay-el-1'] },
    ]);
    const served = (JSON.parse(await run(`curl -s 'http://localhost:3000/calls?number=%2B16505551234' -H 'Authorization: r-key'`)) as Array<{ id: string }>).map((c) => c.id);
    expect(served).toEqual(expect.arrayContaining(['replay-vapi-1', 'replay-retell-1', 'replay-el-1']));
  });
});
