/**
 * The README's local examples, run as a new user runs them: the `export READ_KEY=… INGEST_KEY=…` line
 * of `npm start`'s banner pasted first (with the dev keys the local server generated), then each
 * command as written (only the port changes) against the local server.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { callWarnings } from '../../lib/viewer/warnings';
import { startupBanner } from '../../local/banner';
import { useLocalApp } from '../support/local-app';

const ROOT = join(__dirname, '..', '..');
/** The README, then the sources page it links to (its webhook replay examples), in the order a reader meets them. */
const README = ['README.md', 'docs/sources.md'].map((file) => readFileSync(join(ROOT, file), 'utf8')).join('\n');

/** A command that talks to the local server: curl, or `npm run -s verify` (its env prefix included). */
const isLocalCommand = (line: string) => line.includes('localhost:3000') && (line.startsWith('curl ') || /^(\w+=\S+ )*npm run -s verify /.test(line));

/**
 * Commands of the README's bash blocks that talk to the local server, each preceded by the variable
 * assignments of its block (e.g. NOW=...).
 */
function localCommands(): string[] {
  const blocks = [...README.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) => {
    const lines = block
      .replace(/\\\n\s*/g, ' ')
      .replace(/'\{[\s\S]*?\}'/g, (json) => json.replace(/\n\s*/g, ' '))
      .split('\n');
    const assignments = lines.filter((line) => /^[A-Z_]+=/.test(line) && !isLocalCommand(line)).join('\n');
    return lines.filter(isLocalCommand).map((line) => `${assignments}\n${line}`);
  });
}

describe('README examples, after the banner export line', () => {
  const local = useLocalApp({
    // No keys given: the server generates dev keys, as `npm start` does on a fresh clone.
    READ_API_KEYS: '',
    INGEST_API_KEYS: '',
    // No webhook secrets given either: the replay examples sign with the dev secrets the banner exports.
  });

  it('stores the example call, reads it back with each example GET, verifies it, and replays each platform webhook', async () => {
    const banner = startupBanner(local.app);
    const exportLines = banner.split('\n').filter((line) => line.trim().startsWith('export '));
    expect(exportLines).toHaveLength(1);
    expect(local.app.keys.generated).toBe(true);

    const [store, ...rest] = localCommands();
    // The push-webhook example has its own test (readme-push.test.ts).
    const reads = rest.filter((command) => command.includes('curl ') && !command.includes('/webhooks/') && !command.includes('/test_framework/'));
    const verifies = rest.filter((command) => command.includes('npm run -s verify'));
    const replays = rest.filter((command) => command.includes('/webhooks/'));
    expect([reads.length, verifies.length, replays.length]).toEqual([2, 1, 3]);

    // A shell with nothing but what the banner's line exports: no key comes from the test.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) =>
          !['READ_KEY', 'INGEST_KEY', 'VERIFY_API_KEY', 'IMPORT_API_KEY', 'VAPI_WEBHOOK_SECRET', 'RETELL_WEBHOOK_SECRET', 'ELEVENLABS_WEBHOOK_SECRET'].includes(
            name,
          ),
      ),
    );
    // Asynchronous: the server answering runs in this very process.
    const run = async (command: string) =>
      (
        await promisify(execFile)(
          'bash',
          ['--norc', '--noprofile', '-c', `${exportLines[0]!.trim()}\n${command.replaceAll('localhost:3000', `localhost:${local.app.port}`)}`],
          { cwd: ROOT, env },
        )
      ).stdout;

    expect(JSON.parse(await run(store!))).toEqual({ stored: 1, ids: ['demo-call-1'] });
    for (const read of reads) expect((JSON.parse(await run(read)) as Array<{ id: string }>).map((c) => c.id)).toEqual(['demo-call-1']);
    // The sample call passes every check Cekura's way of calling needs (a failed check exits 1).
    const verified = await run(verifies[0]!);
    expect(verified).toMatch(/\b0 failed\b.*: OK$/m);
    expect(verified).not.toContain(local.app.keys.read[0]!);

    const replayed = [];
    for (const replay of replays) replayed.push(JSON.parse(await run(replay)) as unknown);
    expect(replayed).toEqual([
      { stored: 1, ids: ['replay-vapi-1'] },
      { stored: 1, ids: ['replay-retell-1'] },
      { stored: 1, ids: ['replay-el-1'] },
    ]);
    const calls = JSON.parse(await run(`curl -s 'http://localhost:3000/calls?number=%2B16505551234' -H "Authorization: $READ_KEY"`)) as Array<{ id: string }>;
    expect(calls.map((c) => c.id)).toEqual(expect.arrayContaining(['replay-vapi-1', 'replay-retell-1', 'replay-el-1']));
    // Each example call is one the viewer and verify have nothing to say about (no message after its end).
    expect(calls.map((call) => [call.id, callWarnings(call)])).toEqual(calls.map((call) => [call.id, []]));
    // About ten shells, each starting node (and one npm run): a minute and more on a busy 2-core machine.
  }, 180_000);
});
