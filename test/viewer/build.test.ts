/**
 * The page's build: lib/viewer/assets.generated.ts is what `npm run build:viewer` makes from
 * viewer/ and the lib modules it bundles (verify's rules among them), the browser code
 * type-checks against the DOM, and the page stays small and free of HTML sinks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';
import { VIEWER_ASSETS } from '../../lib/viewer/assets.generated';
import { buildViewer, GENERATED_PATH, generatedModule } from '../../viewer/build';

const ROOT = join(__dirname, '..', '..');
const script = Object.entries(VIEWER_ASSETS.assets).find(([name]) => name.endsWith('.js'))![1].body;

describe('the call viewer build', () => {
  it('is up to date: lib/viewer/assets.generated.ts is exactly what `npm run build:viewer` writes', async () => {
    const fresh = generatedModule(await buildViewer());
    const committed = readFileSync(GENERATED_PATH, 'utf8');
    if (committed !== fresh)
      throw new Error('lib/viewer/assets.generated.ts is stale: run `npm run build:viewer` (viewer/ or a lib module it bundles changed)');
  });

  it('type-checks the browser code with the DOM library', () => {
    const configPath = join(ROOT, 'viewer', 'tsconfig.json');
    const config = ts.readConfigFile(configPath, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, join(ROOT, 'viewer'));
    const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(parsed.fileNames.map((f) => f.slice(ROOT.length + 1)).sort()).toEqual(['viewer/app.ts', 'viewer/build.ts']);
    expect(diagnostics).toEqual([]);
  });

  it('serves the page, its script and style in under 60 KB gzipped', () => {
    const bodies = [VIEWER_ASSETS.html, ...Object.values(VIEWER_ASSETS.assets).map((asset) => asset.body)];
    const gzipped = bodies.reduce((total, body) => total + gzipSync(body, { level: 9 }).length, 0);
    expect(gzipped).toBeLessThan(60 * 1024);
  });

  it('bundles no HTML sink, no dynamic code, no cookie or localStorage, and no URL of another origin', () => {
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|document\.cookie|localStorage/);
    expect(script.match(/\b(?:https?|wss?):\/\/[^\s"'`]*/g) ?? []).toEqual([]);
    // Bundled from the one module verify uses, not a copy.
    expect(script).toContain('no function_call_result has that id');
    expect(script).toContain('looks like epoch milliseconds');
  });
});
