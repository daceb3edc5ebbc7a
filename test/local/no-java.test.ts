/**
 * The tests that touch no storage run on a machine without Java: `npm run test:unit`, and jest given
 * only such files, start no DynamoDB Local. Run here with JAVA_HOME empty and a PATH that holds node,
 * npm, npx, sh and bash, and no java.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.join(__dirname, '..', '..');

/** The first `name` on this process's PATH, as a real path. */
function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return fs.realpathSync(candidate);
  }
  throw new Error(`${name} is not on PATH`);
}

interface Outcome {
  code: number;
  output: string;
}

describe('without Java', () => {
  let bin: string;
  let run: (command: string, args: string[]) => Promise<Outcome>;

  beforeAll(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'no-java-bin-'));
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    for (const name of ['npm', 'npx', 'sh', 'bash']) fs.symlinkSync(onPath(name), path.join(bin, name));
    // Nothing of this run's environment either: no DynamoDB endpoint, no JAVA_HOME.
    const env = { PATH: bin, HOME: process.env.HOME ?? os.tmpdir(), JAVA_HOME: '' };
    run = (command, args) =>
      promisify(execFile)(path.join(bin, command), args, { cwd: ROOT, env }).then(
        ({ stdout, stderr }) => ({ code: 0, output: `${stdout}${stderr}` }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: `${error.stdout}${error.stderr}` }),
      );
  });
  afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

  it('there is none: a storage test fails in the global setup, naming Java', async () => {
    expect((await run('sh', ['-c', 'command -v java'])).code).not.toBe(0);
    const storage = await run('npx', ['jest', 'test/functions/read-calls.test.ts']);
    expect(storage.code).toBe(1);
    expect(storage.output).toContain('The tests need Java 17+ to run DynamoDB Local');
  });

  it('`npm run test:unit` runs, and so does jest given only unit tests', async () => {
    const unit = await run('npm', ['run', '-s', 'test:unit', '--', 'test/lib/call/phone.test.ts', 'test/local/banner.test.ts']);
    expect([unit.code, unit.output]).toEqual([0, expect.stringMatching(/Test Suites: 2 passed, 2 total/)]);
    const direct = await run('npx', ['jest', 'test/lib/call/phone.test.ts']);
    expect([direct.code, direct.output]).toEqual([0, expect.stringMatching(/Test Suites: 1 passed, 1 total/)]);
  });
});
