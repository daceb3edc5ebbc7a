/**
 * `npm run import` end to end against the local server, and its retries against a flaky server.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RequestLogEntry } from '../../local/api-gateway';
import { importPayloads, readPayloads } from '../../scripts/import-calls';
import { elevenlabsInboundWithTools } from '../fixtures/sources/platforms/elevenlabs';
import { retellInboundWithTools, retellOutbound } from '../fixtures/sources/platforms/retell';
import { vapiInboundWithTools, vapiStatusUpdate } from '../fixtures/sources/platforms/vapi';
import { useLocalApp } from '../support/local-app';

const ROOT = join(__dirname, '..', '..');

describe('npm run import', () => {
  const requests: RequestLogEntry[] = [];
  const local = useLocalApp({ READ_API_KEYS: 'r', INGEST_API_KEYS: 'i', RETENTION_DAYS: '36500' }, { onRequest: (entry) => requests.push(entry) });

  it('imports JSON files and JSON lines of mixed formats, refuses only the bad payload, and exits 1', async () => {
    // Not a time (a report without startedAt is a call that never connected: ignored, issue 11.10).
    const brokenVapi = { message: { ...vapiInboundWithTools.message, startedAt: 'yesterday', call: { id: 'vapi-broken', type: 'inboundPhoneCall' } } };
    writeFileSync(join(local.dataDir, 'vapi.json'), JSON.stringify([vapiInboundWithTools, vapiStatusUpdate, brokenVapi]));
    writeFileSync(join(local.dataDir, 'retell.jsonl'), `${JSON.stringify(retellInboundWithTools)}\n\n${JSON.stringify(retellOutbound)}\n`);
    writeFileSync(join(local.dataDir, 'eleven.json'), JSON.stringify(elevenlabsInboundWithTools));

    const run = promisify(execFile)(
      'npm',
      [
        'run',
        '--silent',
        'import',
        '--',
        '--url',
        local.app.url,
        '--key',
        'i',
        join(local.dataDir, 'vapi.json'),
        join(local.dataDir, 'retell.jsonl'),
        join(local.dataDir, 'eleven.json'),
      ],
      { cwd: ROOT },
    );
    const failure = await run.then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain('stored 4, ignored 1 (events without a call), expired 0 (past retention, not stored), refused 1');
    // Named by file, position and the call id the payload carries.
    expect(failure?.stdout).toMatch(/refused .*vapi\.json\[2\] \(call "vapi-broken"\): HTTP 400: .*startedAt/);

    const response = await fetch(`${local.app.url}/calls?from=2025-05-19T00:00:00Z&to=2025-05-23T00:00:00Z`, { headers: { authorization: 'r' } });
    const ids = ((await response.json()) as Array<{ id: string }>).map((c) => c.id).sort();
    expect(ids).toEqual(['conv_el_1', 'retell-call-1', 'retell-call-2', 'vapi-call-1']);
  });

  it('exits 0 when everything is stored, with --source given', async () => {
    writeFileSync(join(local.dataDir, 'retell-only.json'), JSON.stringify([retellOutbound]));
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'import', '--', '--source', 'retell', '--url', `${local.app.url}/calls`, '--key', 'i', join(local.dataDir, 'retell-only.json')],
      { cwd: ROOT },
    );
    expect(stdout).toContain('stored 1, ignored 0 (events without a call), expired 0 (past retention, not stored), refused 0');
  });

  it('stops at the first 401 with one line, sends nothing more, never prints the key, and exits 1', async () => {
    const file = join(local.dataDir, 'sixty.jsonl');
    writeFileSync(
      file,
      Array.from({ length: 60 }, (_, i) => JSON.stringify({ ...retellOutbound, call: { ...retellOutbound.call, call_id: `wrong-key-${i}` } })).join('\n'),
    );
    const wrongKey = 'not-the-ingest-key-0123456789';
    requests.length = 0;
    const run = promisify(execFile)('npm', ['run', '--silent', 'import', '--', '--source', 'retell', '--url', local.app.url, file], {
      cwd: ROOT,
      env: { ...process.env, IMPORT_API_KEY: wrongKey },
    });
    const failure = await run.then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr.trimEnd().split('\n')).toEqual([
      `import stopped: ${local.app.url} answered 401 (A valid API key is required in the Authorization header.): check that --key or IMPORT_API_KEY holds an ingest key; nothing was stored.`,
    ]);
    expect(`${failure?.stdout}${failure?.stderr}`).not.toContain(wrongKey);
    expect(requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /calls 401']);
  });

  it('stops at a 403 too, also while re-sending a refused batch one payload at a time', async () => {
    const seen: number[] = [];
    const answers = [400, 200, 403];
    const server = createServer((req, res) => {
      req.resume();
      const status = answers.shift() ?? 500;
      seen.push(status);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          status === 200
            ? { stored: 1, ids: ['a'] }
            : { error: { code: status === 403 ? 'forbidden' : 'invalid_request', message: status === 403 ? 'Forbidden.' : 'Bad call.' } },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const summary = await importPayloads(readPayloads('c.json', '[{"id":"a"},{"id":"b"},{"id":"c"},{"id":"d"}]'), { url, key: 'k', source: undefined });
      expect(summary).toEqual({ stored: 1, ignored: 0, expired: 0, refused: [], stopped: { status: 403, reason: 'Forbidden.' } });
      expect(seen).toEqual([400, 200, 403]);
    } finally {
      server.close();
    }
  });

  it('retries 429 and 5xx answers, then reports what still failed', async () => {
    const statuses = [503, 429, 200];
    const seen: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      const status = statuses.shift() ?? 500;
      seen.push(status);
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '1' } : {}) });
      res.end(JSON.stringify(status === 200 ? { stored: 1, ids: ['a'] } : { error: { code: 'busy', message: 'try later' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sleeps: number[] = [];
    const sleep = async (ms: number) => void sleeps.push(ms);
    try {
      const ok = await importPayloads(readPayloads('a.json', '{"id":"a"}'), { url, key: 'k', source: undefined, sleep });
      expect([ok, seen, sleeps]).toEqual([{ stored: 1, ignored: 0, expired: 0, refused: [] }, [503, 429, 200], [400, 1000]]);
      const failed = await importPayloads(readPayloads('b.json', '{"id":"b"}'), { url, key: 'k', source: undefined, sleep, maxAttempts: 2 });
      expect(failed.refused).toEqual([{ origin: 'b.json (call "b")', reason: 'HTTP 500: try later' }]);
    } finally {
      server.close();
    }
  });
});
