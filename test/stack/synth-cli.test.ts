/**
 * `npx cdk synth -q`, as the README and CI run it: offline, no credentials, and quiet (no bundling
 * progress, no "feature flags are not configured" notice).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

describe('cdk synth -q', () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('synthesizes the stack offline and prints nothing', async () => {
    const env = { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
    const { stdout, stderr } = await promisify(execFile)('npx', ['cdk', 'synth', '-q', '-o', out], { cwd: join(__dirname, '..', '..'), env, timeout: 170_000 });
    // The CLI itself ends with one blank line on stderr; nothing else may be printed.
    expect({ stdout, stderr: stderr.trim() }).toEqual({ stdout: '', stderr: '' });
    expect(readdirSync(out)).toContain('CekuraCallAdapter.template.json');
    // As long as the command may take (its own timeout above): jest's 60 s default is not, on a busy machine.
  }, 130_000);
});
