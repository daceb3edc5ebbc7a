import * as esbuild from 'esbuild';
import fs from 'node:fs';
for (const [name, ext] of [['sdk-bundled', []], ['sdk-external', ['@aws-sdk/*']], ['sdk-ext-smithy', ['@aws-sdk/*','@smithy/*']]]) {
  for (const entry of ['read-calls', 'ingest-calls', 'fallback']) {
    const outfile = `/tmp/bprobe/${name}/${entry}/index.js`;
    const r = await esbuild.build({ entryPoints: [`functions/${entry}.ts`], bundle: true, target: 'node22', platform: 'node', format: 'cjs', outfile, minify: true, external: ext, metafile: true, absWorkingDir: process.cwd(), logLevel: 'warning' });
    fs.writeFileSync(outfile.replace('index.js','meta.json'), JSON.stringify(r.metafile));
    console.log(name, entry, fs.statSync(outfile).size);
  }
}
