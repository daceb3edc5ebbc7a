/**
 * The README's "Already pushing to Cekura?" example, run as written (only the port changes).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useLocalApp } from '../support/local-app';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

function pushSectionBashBlock(): string {
  const section = README.split('### Already pushing to Cekura?')[1]?.split('\n### ')[0] ?? '';
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('no bash block in the README section "Already pushing to Cekura?"');
  return block;
}

describe('README: Already pushing to Cekura?', () => {
  const local = useLocalApp({ READ_API_KEYS: 'r-key', INGEST_API_KEYS: 'i-key' });

  it('stores the example push body sent to the Cekura path with X-CEKURA-API-KEY, and serves its agent_id and run_id', async () => {
    const script = pushSectionBashBlock().replaceAll('localhost:3000', `localhost:${local.app.port}`);
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { env: { ...process.env, INGEST_KEY: 'i-key' } });
    expect(JSON.parse(stdout)).toEqual({ stored: 1, ids: ['sess-42'] });
    const served = await fetch(`${local.app.url}/calls/+16505551234`, { headers: { authorization: 'r-key' } });
    expect(await served.json()).toEqual([expect.objectContaining({ id: 'sess-42', agent_id: 4321, run_id: 98765, endedReason: 'customer-ended-call' })]);
  });
});
