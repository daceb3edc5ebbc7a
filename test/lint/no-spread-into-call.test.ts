/**
 * The guard of issue 22: a spread into a call (`Math.max(...list)`, `push(...list)`) or `apply`
 * with a list overflows the stack past ~100,000 elements, a 500 on a few MB of JSON. Biome's plugin
 * `biome-plugins/no-spread-into-call.grit` refuses them in product code (`npm run lint`). This test
 * checks that the plugin fires where it should and nowhere else, with the repository's own config,
 * on probe files in a scratch copy of the project's layout.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');

const UNBOUNDED = [
  'export const largest = (list: number[]) => Math.max(...list);',
  'export const smallest = (list: number[]) => Math.min(0, ...list);',
  'export const append = (into: number[], list: number[]) => into.push(...list);',
  'export const call = (fn: (...n: number[]) => void, list: number[]) => fn(...list);',
  'export const applied = (list: number[]) => Math.max.apply(null, list);',
  'export const built = (list: number[]) => new Set(...[list]);',
];
const BOUNDED = [
  'export const copy = (list: number[]) => [...list, 1];',
  'export const merged = (a: object, b: object) => ({ ...a, ...b });',
  'export const rest = (...list: number[]) => list.length;',
  'export const nested = (list: number[]) => new Set([...list]);',
  'export const folded = (list: number[]) => list.reduce((a, b) => Math.max(a, b), 0);',
];

/** The plugin's findings, as `file:line`, for the probes written under `dirs`. */
function findings(dirs: string[]): string[] {
  const scratch = mkdtempSync(join(tmpdir(), 'spread-lint-'));
  try {
    cpSync(join(ROOT, 'biome-plugins'), join(scratch, 'biome-plugins'), { recursive: true });
    // The repository's config, without its VCS settings (the scratch folder is no git checkout).
    const config = readFileSync(join(ROOT, 'biome.jsonc'), 'utf8').replace(/"vcs":\s*\{[^}]*\},/, '');
    writeFileSync(join(scratch, 'biome.jsonc'), config);
    for (const dir of dirs) {
      mkdirSync(join(scratch, dir), { recursive: true });
      writeFileSync(join(scratch, dir, 'probe.ts'), `${[...UNBOUNDED, ...BOUNDED].join('\n')}\n`);
    }
    let output: string;
    try {
      output = execFileSync(BIOME, ['lint', '--max-diagnostics=none', '.'], { cwd: scratch, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
    }
    return [...output.matchAll(/^(\S+probe\.ts):(\d+):\d+ plugin/gm)].map((m) => `${m[1]!.replace(/\\/g, '/')}:${m[2]}`).sort();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

test('the lint refuses every spread into a call in lib/, functions/, local/ and scripts/, and nothing else', () => {
  const dirs = ['lib', 'functions', 'local', 'scripts', 'test'];
  const expected = dirs
    .filter((dir) => dir !== 'test')
    .flatMap((dir) => UNBOUNDED.map((_, index) => `${dir}/probe.ts:${index + 1}`))
    .sort();
  expect(findings(dirs)).toEqual(expected);
}, 60_000);
