/**
 * What every command line tool shares (scripts/adapter-url.ts): `--help` with its usage and exit 0,
 * one reading of `--url`, a redirect never followed (a loopback server answering 307 to another
 * origin), a dead server named at once, and calls named by id.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOURCE_NAMES } from '../../lib/sources';
import { adapterUrls, payloadId, UsageError, verifyUrl } from '../../scripts/adapter-url';
import { main as cekuraMain, readAdapterCalls } from '../../scripts/cekura';
import { eraseCalls, main as eraseMain, outcomeLine } from '../../scripts/erase';
import { main as importMain, importPayloads, readPayloads } from '../../scripts/import-calls';
import { main as keysMain } from '../../scripts/keys';
import { runSmoke, main as smokeMain } from '../../scripts/smoke';
import { main as verifyMain } from '../../scripts/verify';

const collect = () => {
  const lines: string[] = [];
  return { lines, push: (line: string) => void lines.push(line), text: () => lines.join('\n') };
};

describe('--help: every CLI prints its usage and exits 0', () => {
  it.each([
    ['verify', (out: (l: string) => void) => verifyMain(['--help'], {}, out)],
    ['smoke', (out: (l: string) => void) => smokeMain(['--help'], {}, { out })],
    ['import', (out: (l: string) => void) => importMain(['--help'], {}, { out, err: out })],
    ['erase', (out: (l: string) => void) => eraseMain(['--help'], {}, { out, err: out, ask: undefined })],
    ['cekura', (out: (l: string) => void) => cekuraMain(['--help'], {}, { out, progress: () => undefined })],
    ['keys', async (out: (l: string) => void) => keysMain(['--help'], {}, out, out)],
  ] as const)('%s --help', async (name, run) => {
    const output = collect();
    expect(await run(output.push)).toBe(0);
    expect(output.text()).toMatch(/^usage:\s/);
    // The commands that take a URL say which one.
    if (name !== 'keys') expect(output.text()).toMatch(/ApiUrl/);
  });

  it('import lists every format the adapter reads, from SOURCE_NAMES', async () => {
    const output = collect();
    await importMain(['-h'], {}, { out: output.push, err: output.push });
    for (const name of SOURCE_NAMES) expect(output.text()).toContain(name);
    const refused = collect();
    expect(
      await importMain(['--source', 'bland', '--url', 'http://localhost:3000', 'x.json'], { IMPORT_API_KEY: 'k' }, { out: refused.push, err: refused.push }),
    ).toBe(2);
    expect(refused.text().split('\n')[0]).toBe(`--source "bland" is not a format this adapter reads: use one of ${SOURCE_NAMES.join(', ')}`);
  });
});

describe('--url: the stack ApiUrl, with or without /calls', () => {
  it.each([
    ['https://abc123.execute-api.us-east-1.amazonaws.com/', 'https://abc123.execute-api.us-east-1.amazonaws.com'],
    ['https://abc123.execute-api.us-east-1.amazonaws.com/calls', 'https://abc123.execute-api.us-east-1.amazonaws.com'],
    ['https://abc123.execute-api.us-east-1.amazonaws.com/calls/', 'https://abc123.execute-api.us-east-1.amazonaws.com'],
    ['https://api.example.com/prod/calls', 'https://api.example.com/prod'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://127.0.0.1:3000/calls', 'http://127.0.0.1:3000'],
  ])('%s', (input, base) => {
    expect(adapterUrls(input)).toEqual({ base, calls: new URL(`${base}/calls`) });
  });

  it.each([
    ['localhost:3000', '--url "localhost:3000" has no scheme: give the whole URL, e.g. https://localhost:3000 (or http://localhost:3000 for this machine)'],
    ['abc123.execute-api.us-east-1.amazonaws.com/calls', '--url "abc123.execute-api.us-east-1.amazonaws.com/calls" has no scheme'],
    ['ftp://example.com', '--url must be an https:// URL, not ftp://'],
    ['http://example.com', 'plain http on another machine'],
    ['http://localhost:3000/calls?number=%2B1', 'without "?number=%2B1"'],
  ])('refuses %s, saying why', (input, message) => {
    expect(() => adapterUrls(input)).toThrow(UsageError);
    expect(() => adapterUrls(input)).toThrow(message);
  });

  it('verify: the base URL becomes /calls (not the viewer page); an endpoint of your own is called as given', () => {
    expect(verifyUrl('https://abc123.execute-api.us-east-1.amazonaws.com/').href).toBe('https://abc123.execute-api.us-east-1.amazonaws.com/calls');
    expect(verifyUrl('http://localhost:3000').href).toBe('http://localhost:3000/calls');
    expect(verifyUrl('https://transcripts.example.com/v1/cekura?tenant=7').href).toBe('https://transcripts.example.com/v1/cekura?tenant=7');
  });

  it('every CLI refuses a URL without a scheme as a usage error (exit 2), naming the fix', async () => {
    const runs: Array<[string, (out: (l: string) => void) => Promise<number>]> = [
      ['verify', (out) => verifyMain(['--url', 'localhost:3000', '--key', 'k'], {}, out)],
      ['smoke', (out) => smokeMain(['--url', 'localhost:3000'], { SMOKE_READ_KEY: 'r', SMOKE_INGEST_KEY: 'i' }, { out })],
      ['import', (out) => importMain(['--url', 'localhost:3000', 'x.json'], { IMPORT_API_KEY: 'k' }, { out, err: out })],
      ['erase', (out) => eraseMain(['--url', 'localhost:3000', '--id', 'a'], { ERASE_API_KEY: 'k' }, { out, err: out, ask: undefined })],
    ];
    for (const [name, run] of runs) {
      const output = collect();
      expect([name, await run(output.push)]).toEqual([name, 2]);
      expect(output.text()).toContain('has no scheme: give the whole URL, e.g. https://localhost:3000');
    }
  });
});

/** A loopback server answering every request with a 307 to another origin, counting what it got. */
async function redirectingServer(): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(307, { location: 'http://attacker.invalid/calls' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port nothing listens on. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('a 307 is a failure that says where it pointed, never followed (issue 22 item 5)', () => {
  let redirecting: Awaited<ReturnType<typeof redirectingServer>>;
  beforeAll(async () => {
    redirecting = await redirectingServer();
  });
  afterAll(() => redirecting.close());
  beforeEach(() => {
    redirecting.seen.length = 0;
  });
  const pointed = /answered 307, a redirect to http:\/\/attacker\.invalid\/calls: not followed/;

  it('erase: not "deleted", exit 1, one request, and says running it again will not help', async () => {
    const outcome = await eraseCalls({ url: redirecting.url, key: 'k', target: { number: '+16505551234' }, sleep: async () => undefined });
    expect(outcome).toMatchObject({ ok: false, deleted: 0, attempts: 1, permanent: true });
    expect(outcomeLine(outcome, { number: '+16505551234' })).toMatch(pointed);
    expect(outcomeLine(outcome, { number: '+16505551234' })).toContain('Running it again will not help');
    const output = collect();
    expect(
      await eraseMain(['--url', redirecting.url, '--number', '+16505551234', '--yes'], { ERASE_API_KEY: 'k' }, { out: output.push, err: output.push }),
    ).toBe(1);
    expect(output.text()).toMatch(pointed);
    expect(redirecting.seen).toEqual(['DELETE /calls?number=%2B16505551234', 'DELETE /calls?number=%2B16505551234']);
  });

  it('import: stops at the first request, nothing stored', async () => {
    const summary = await importPayloads(readPayloads('a.json', '[{"id":"a"},{"id":"b"}]'), {
      url: redirecting.url,
      key: 'k',
      source: undefined,
      sleep: async () => undefined,
    });
    expect(summary.stored).toBe(0);
    expect(summary.stopped?.reason).toMatch(pointed);
    expect(redirecting.seen).toEqual(['POST /calls']);
  });

  it('smoke: the first check fails naming the target, the others are not run', async () => {
    const results = await runSmoke({ url: redirecting.url, readKey: 'r', ingestKey: 'i', from: 'url' }, { settleMs: 0 });
    expect(results[0]).toMatchObject({ id: 'openapi', status: 'fail' });
    expect(results[0]!.detail).toMatch(pointed);
    expect(results.slice(1).every((r) => r.status === 'skip')).toBe(true);
    expect(redirecting.seen).toEqual(['GET /openapi.json']);
  });

  it('verify: reachable fails, naming where it pointed', async () => {
    const output = collect();
    expect(await verifyMain(['--url', redirecting.url, '--key', 'k'], {}, output.push)).toBe(1);
    expect(output.text()).toMatch(
      /FAIL {2}reachable, no redirect\s*\n\s*- answered 307, a redirect to http:\/\/attacker\.invalid\/calls: Cekura does not follow redirects/,
    );
    expect(redirecting.seen).toEqual(['GET /calls']);
  });

  it('cekura push: reading the calls stops, naming where it pointed', async () => {
    await expect(
      readAdapterCalls({ url: redirecting.url, key: 'k', from: '2025-01-01T00:00:00Z', to: '2025-01-01T01:00:00Z', sleep: async () => undefined }),
    ).rejects.toThrow(pointed);
    expect(redirecting.seen).toHaveLength(1);
  });
});

describe('a dead server fails at once, in one clear sentence', () => {
  let url: string;
  beforeAll(async () => {
    url = await deadUrl();
  });
  const refused = /could not reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED, connection refused: nothing is listening there/;

  it('erase: one attempt, no backoff', async () => {
    const waits: number[] = [];
    const outcome = await eraseCalls({ url, key: 'k', target: { id: 'x' }, sleep: async (ms) => void waits.push(ms) });
    expect(outcome).toMatchObject({ ok: false, attempts: 1, permanent: true });
    expect(outcomeLine(outcome, { id: 'x' })).toMatch(refused);
    expect(waits).toEqual([]);
  });

  it('import: stopped, nothing retried', async () => {
    const waits: number[] = [];
    const summary = await importPayloads(readPayloads('a.json', '{"id":"a"}'), { url, key: 'k', source: undefined, sleep: async (ms) => void waits.push(ms) });
    expect(summary.stopped?.reason).toMatch(refused);
    expect(waits).toEqual([]);
  });

  it('smoke: one failing check, the rest not run', async () => {
    const results = await runSmoke({ url, readKey: 'r', ingestKey: 'i', from: 'url' }, { settleMs: 0 });
    expect(results[0]!.detail).toMatch(refused);
    expect(results.filter((r) => r.status === 'fail')).toHaveLength(1);
  });

  it('verify: reachable fails with the reason', async () => {
    const output = collect();
    expect(await verifyMain(['--url', url, '--key', 'k'], {}, output.push)).toBe(1);
    expect(output.text()).toMatch(/no answer: ECONNREFUSED, connection refused: nothing is listening there/);
  });

  it('cekura push: no retries', async () => {
    const waits: number[] = [];
    await expect(
      readAdapterCalls({ url, key: 'k', from: '2025-01-01T00:00:00Z', to: '2025-01-01T01:00:00Z', sleep: async (ms) => void waits.push(ms) }),
    ).rejects.toThrow(refused);
    expect(waits).toEqual([]);
  });
});

describe('import names the file of a JSON error, and calls by id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-common-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a broken JSON document or JSON line is a usage error naming the file (and line)', async () => {
    expect(() => readPayloads('calls/a.json', '{"id": "a",')).toThrow(/^calls\/a\.json is not JSON: /);
    expect(() => readPayloads('calls/b.json', '[{"id": "a"}, ]')).toThrow(/^calls\/b\.json is not JSON: /);
    expect(() => readPayloads('calls/c.jsonl', '{"id":"a"}\n{"id": oops}\n')).toThrow(/^calls\/c\.jsonl:2 is not JSON \(the file is read as JSON lines/);
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"message": {"type": "end-of-call-report",');
    const output = collect();
    expect(await importMain(['--url', 'http://localhost:3000', file], { IMPORT_API_KEY: 'k' }, { out: output.push, err: output.push })).toBe(2);
    expect(output.text().split('\n')[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not JSON: `));
  });

  it('finds the id a payload carries, for the summary', () => {
    expect(payloadId({ id: 'c1' })).toBe('c1');
    expect(payloadId({ message: { type: 'end-of-call-report', call: { id: 'vapi-1' } } })).toBe('vapi-1');
    expect(payloadId({ event: 'call_ended', call: { call_id: 'retell-1' } })).toBe('retell-1');
    expect(payloadId({ type: 'post_call_transcription', data: { conversation_id: 'el-1' } })).toBe('el-1');
    expect(payloadId({ agent_id: 1, calls: [{ id: 'push-1' }] })).toBe('push-1');
    expect(payloadId({ transcript: [] })).toBeUndefined();
  });
});

describe('erase asks before erasing a number', () => {
  it('asks on a terminal: the number typed back erases, anything else does not; --id never asks', async () => {
    const url = await deadUrl(); // never reached when not confirmed
    const asked: string[] = [];
    const output = collect();
    const no = await eraseMain(
      ['--url', url, '--number', '+16505551234'],
      { ERASE_API_KEY: 'k' },
      {
        out: output.push,
        err: output.push,
        ask: async (question) => {
          asked.push(question);
          return 'y';
        },
      },
    );
    expect(no).toBe(1);
    expect(asked).toEqual([`Erase every call of +16505551234 at ${url}, all time? This cannot be undone. Type the number to confirm: `]);
    expect(output.lines).toEqual(['not confirmed ("y" is not +16505551234): nothing was erased.']);

    const yes = collect();
    expect(
      await eraseMain(['--url', url, '--number', '+16505551234'], { ERASE_API_KEY: 'k' }, { out: yes.push, err: yes.push, ask: async () => '+16505551234' }),
    ).toBe(1);
    // Confirmed, so it was sent (and the dead server is named).
    expect(yes.text()).toMatch(/ECONNREFUSED/);

    const byId = collect();
    const neverAsked = async (): Promise<string> => {
      throw new Error('asked');
    };
    expect(await eraseMain(['--url', url, '--id', 'c1'], { ERASE_API_KEY: 'k' }, { out: byId.push, err: byId.push, ask: neverAsked })).toBe(1);
  });

  it('a 400 says running it again will not help', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'invalid_request', message: 'bad', issues: [{ path: 'number', message: 'must be E.164' }] } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const outcome = await eraseCalls({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key: 'k', target: { number: '6505551234' } });
      expect(outcomeLine(outcome, { number: '6505551234' })).toBe(
        'erase of calls of 6505551234 failed: 0 calls deleted; HTTP 400 (number: must be E.164). Running it again will not help: the request was refused as it is: correct it (the reason is above).',
      );
    } finally {
      server.close();
    }
  });
});
