/** `npm start`'s banner and request log, as pure functions (test/e2e/npm-start.test.ts runs the real thing). */
import { execFileSync } from 'node:child_process';
import { exportLine, READY_LINE, sampleCallJson, shellQuote, startupBanner } from '../../local/banner';
import { formatRequestLine, logFormatFromEnv } from '../../local/request-log';

const app = {
  url: 'http://localhost:3000',
  dynamo: { backend: 'dynalite' as const, endpoint: 'http://127.0.0.1:1' },
  tableName: 'cekura-calls',
  keys: { read: ['old-read', 'dev_read_abc-_1'], ingest: ['dev_ingest_xyz'], generated: true },
};

/** What bash makes of `line` followed by `echo` of the two variables. */
const pasted = (line: string) =>
  execFileSync('bash', ['--norc', '--noprofile', '-c', `${line}\nprintf '%s\\n%s' "$READ_KEY" "$INGEST_KEY"`], { env: { PATH: process.env.PATH } }).toString();

describe('the export line', () => {
  it('exports the newest key of each scope, ready to paste', () => {
    expect(exportLine(app.keys)).toBe('export READ_KEY=dev_read_abc-_1 INGEST_KEY=dev_ingest_xyz');
    expect(pasted(exportLine(app.keys))).toBe('dev_read_abc-_1\ndev_ingest_xyz');
  });

  it('quotes keys a shell would otherwise split or expand (keys from READ_API_KEYS can hold anything)', () => {
    const keys = { read: [`it's $HOME; \`id\` "x" *`], ingest: ['a b'], generated: false };
    expect(shellQuote('a b')).toBe("'a b'");
    expect(pasted(exportLine(keys))).toBe(`it's $HOME; \`id\` "x" *\na b`);
  });
});

describe('the banner', () => {
  const now = new Date('2026-01-05T10:00:00.000Z');

  it('prints the keys once, in the export line, and commands that use $READ_KEY / $INGEST_KEY', () => {
    const banner = startupBanner(app, { now, nodeVersion: '22.12.0' });
    expect(banner.split('old-read').length - 1).toBe(0);
    expect(banner.split('dev_read_abc-_1').length - 1).toBe(1);
    expect(banner).toContain('-H "Authorization: Bearer $INGEST_KEY"');
    expect(banner).toContain(`curl -s '${app.url}/calls?number=%2B16505551234' -H "Authorization: $READ_KEY"`);
    expect(banner).toContain(`VERIFY_API_KEY=$READ_KEY npm run -s verify -- --url ${app.url}/calls --number +16505551234`);
    expect(banner.trimEnd().endsWith(READY_LINE)).toBe(true);
    expect(banner).not.toContain('Node 22');
  });

  it('says in one line what Node 20 means for the AWS SDK', () => {
    const lines = startupBanner(app, { now, nodeVersion: '20.19.1' })
      .split('\n')
      .filter((line) => line.includes('Node 22'));
    expect(lines).toEqual(["Node 20.19.1: fine today; the AWS SDK's releases after the first week of January 2027 need Node 22+."]);
  });

  it('offers a sample call that lasts a minute, ends at start-up, with its messages inside it', () => {
    const call = JSON.parse(sampleCallJson(now)) as { startedAt: string; endedAt: string; messages: Array<{ end_time: number }> };
    expect([call.startedAt, call.endedAt]).toEqual(['2026-01-05T09:59:00.000Z', '2026-01-05T10:00:00.000Z']);
    expect(Math.max(...call.messages.map((m) => m.end_time))).toBeLessThanOrEqual(60);
  });
});

describe('the request log', () => {
  const entry = { method: 'GET', path: '/calls/+16505551234', status: 200, ms: 4 };

  it('is one short line per request, or one JSON object with LOG_FORMAT=json', () => {
    expect(formatRequestLine(entry, logFormatFromEnv({}))).toBe('GET /calls/+16505551234 200 4ms');
    const json = formatRequestLine(entry, logFormatFromEnv({ LOG_FORMAT: 'JSON' }), new Date('2026-01-05T10:00:00Z'));
    expect(JSON.parse(json)).toEqual({ time: '2026-01-05T10:00:00.000Z', method: 'GET', path: '/calls/+16505551234', status: 200, ms: 4 });
    expect(json).not.toContain('\n');
  });

  it('refuses an unknown LOG_FORMAT, naming it', () => {
    expect(() => logFormatFromEnv({ LOG_FORMAT: 'yaml' })).toThrow('LOG_FORMAT=yaml is not valid: use text or json');
  });
});
