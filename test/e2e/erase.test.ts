/**
 * Erasure end to end (issue 14): `DELETE /calls` on the local server over HTTP, and `npm run erase`
 * as a user runs it, including its repeats of an erasure that could not finish.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eraseCalls, main, outcomeLine } from '../../scripts/erase';
import { sampleCall } from '../support/fixtures';
import { useLocalApp } from '../support/local-app';

const ROOT = join(__dirname, '..', '..');
const READ_KEY = 'erase-read-key';
const INGEST_KEY = 'erase-ingest-key-0123456789';
const NUMBER = '+16505551234';
const OTHER = '+14155550100';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function npmErase(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'ERASE_API_KEY'));
  return promisify(execFile)('npm', ['run', '-s', 'erase', '--', ...args], { cwd: ROOT, env: { ...clean, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** `main` as the command line runs it, with no terminal to ask on. */
async function inProcess(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, env, { out: (line) => out.push(`${line}\n`), err: (line) => err.push(`${line}\n`), ask: undefined });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('erasure on the local server', () => {
  const local = useLocalApp({ READ_API_KEYS: READ_KEY, INGEST_API_KEYS: INGEST_KEY, RETENTION_DAYS: '36500' });

  const store = async (calls: unknown[]) => {
    const response = await fetch(`${local.app.url}/calls`, {
      method: 'POST',
      headers: { authorization: INGEST_KEY, 'content-type': 'application/json' },
      body: JSON.stringify(calls),
    });
    expect(response.status).toBe(200);
  };
  const servedIds = async (number: string) => {
    const response = await fetch(`${local.app.url}/calls/${encodeURIComponent(number)}?from=2000-01-01T00:00:00Z&to=2000-01-31T00:00:00Z`, {
      headers: { authorization: READ_KEY },
    });
    const january2000 = (await response.json()) as Array<{ id: string }>;
    const recent = (await (
      await fetch(`${local.app.url}/calls/${encodeURIComponent(number)}?from=2025-01-01T00:00:00Z&to=2025-01-31T00:00:00Z`, {
        headers: { authorization: READ_KEY },
      })
    ).json()) as Array<{ id: string }>;
    return [...january2000, ...recent].map((c) => c.id).sort();
  };

  it('DELETE /calls over HTTP: by id and by number, the ingest key only', async () => {
    await store([sampleCall({ id: 'h1' }), sampleCall({ id: 'h2' }, '2000-01-10T00:00:00.000Z'), sampleCall({ id: 'h3', customer: { number: OTHER } })]);
    const del = (query: string, key: string) => fetch(`${local.app.url}/calls?${query}`, { method: 'DELETE', headers: { authorization: key } });
    const refused = await del(`number=${encodeURIComponent(NUMBER)}`, READ_KEY);
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    const byId = await del('id=h1', INGEST_KEY);
    expect([byId.status, await byId.json()]).toEqual([200, { deleted: 1 }]);
    // `+` left unencoded arrives as a space, and is read as GET reads it.
    const byNumber = await del(`number=+16505551234`, `Bearer ${INGEST_KEY}`);
    expect([byNumber.status, await byNumber.json()]).toEqual([200, { deleted: 1 }]);
    expect([await servedIds(NUMBER), await servedIds(OTHER)]).toEqual([[], ['h3']]);
    const bad = await del('number=6505551234', INGEST_KEY);
    expect([bad.status, ((await bad.json()) as { error: { issues: Array<{ path: string }> } }).error.issues[0]!.path]).toEqual([400, 'number']);
  });

  it('npm run erase: by number and by id, the key in ERASE_API_KEY, one line each, the key never printed', async () => {
    await store([sampleCall({ id: 'n1' }), sampleCall({ id: 'n2' }, '2000-01-10T00:00:00.000Z'), sampleCall({ id: 'keep', customer: { number: OTHER } })]);
    // No terminal to ask on (a pipe): a number is erased only with --yes.
    const unconfirmed = await npmErase(['--url', local.app.url, '--number', NUMBER], { ERASE_API_KEY: INGEST_KEY });
    expect(unconfirmed).toEqual({
      code: 2,
      stdout: '',
      stderr: `erasing every call of ${NUMBER} needs a confirmation, and there is no terminal to ask on: pass --yes to erase them. Nothing was erased.\n`,
    });
    expect(await servedIds(NUMBER)).toEqual(['n1', 'n2']);
    const byNumber = await npmErase(['--url', local.app.url, '--number', NUMBER, '--yes'], { ERASE_API_KEY: INGEST_KEY });
    expect(byNumber).toEqual({ code: 0, stdout: `erased calls of ${NUMBER}: 2 calls deleted.\n`, stderr: '' });
    // In process from here: each npm run costs seconds on a busy machine.
    const byId = await inProcess(['--url', `${local.app.url}/calls`, '--key', INGEST_KEY, '--id', 'keep']);
    expect(byId).toEqual({ code: 0, stdout: 'erased call "keep": 1 call deleted.\n', stderr: '' });
    const again = await inProcess(['--url', local.app.url, '--id', 'keep'], { ERASE_API_KEY: INGEST_KEY });
    expect(again.stdout).toBe('erased call "keep": 0 calls deleted (nothing was stored).\n');
    // h3 is the first test's call of the other number.
    expect([await servedIds(NUMBER), await servedIds(OTHER)]).toEqual([[], ['h3']]);
  });

  it('npm run erase: exit 1 with one line for the read key, saying repeating will not help; exit 2 for a usage error', async () => {
    await store([sampleCall({ id: 'still-here' })]);
    const wrongKey = await npmErase(['--url', local.app.url, '--number', NUMBER, '--yes'], { ERASE_API_KEY: READ_KEY });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr.trimEnd().split('\n')).toEqual([
      `erase of calls of ${NUMBER} failed: 0 calls deleted; HTTP 401 (A valid API key is required in the Authorization header.). Running it again will not help: the key was refused: check that --key or ERASE_API_KEY holds an ingest key (a read key cannot erase).`,
    ]);
    expect(wrongKey.stderr).not.toContain(READ_KEY);
    expect(await servedIds(NUMBER)).toEqual(['still-here']);
    for (const args of [
      ['--url', local.app.url],
      ['--url', local.app.url, '--id', 'a', '--number', NUMBER],
      ['--id', 'a'],
      ['--url', 'localhost:3000', '--id', 'a'],
    ]) {
      expect([args, (await inProcess(args, { ERASE_API_KEY: INGEST_KEY })).code]).toEqual([args, 2]);
    }
  });
});

describe('npm run erase against an adapter that stops half way', () => {
  it('repeats a 503 until the erasure finishes, adding up what each answer deleted', async () => {
    const answers = [
      { status: 503, body: { error: { code: 'unavailable', message: 'stopped' }, deleted: 120 } },
      { status: 503, body: { error: { code: 'unavailable', message: 'stopped' }, deleted: 80 } },
      { status: 200, body: { deleted: 7 } },
    ];
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      const answer = answers.shift()!;
      res.writeHead(answer.status, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const waits: number[] = [];
      const outcome = await eraseCalls({ url, key: 'k', target: { number: NUMBER }, sleep: async (ms) => void waits.push(ms) });
      expect(outcome).toEqual({ ok: true, deleted: 207, attempts: 3 });
      expect(seen).toEqual(Array(3).fill(`DELETE /calls?number=%2B16505551234 Bearer k`));
      expect(waits.every((ms) => ms >= 1000)).toBe(true);

      answers.push(...Array(3).fill({ status: 503, body: { error: { code: 'unavailable', message: 'The erasure stopped before the end' }, deleted: 5 } }));
      const unfinished = await eraseCalls({ url, key: 'k', target: { id: 'x' }, maxAttempts: 3, sleep: async () => undefined });
      expect(unfinished).toMatchObject({ ok: false, deleted: 15, status: 503 });
      expect(outcomeLine(unfinished, { id: 'x' })).toBe(
        'erase of call "x" not finished: 15 calls deleted; HTTP 503 (The erasure stopped before the end): run the same command again to finish (it is safe to repeat).',
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
