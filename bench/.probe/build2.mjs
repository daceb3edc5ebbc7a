import * as esbuild from 'esbuild';
import fs from 'node:fs';
for (const [name, ext, mf] of [['sdk-bundled-esm', [], ['module','main']]]) {
  for (const entry of ['read-calls', 'ingest-calls']) {
    const outfile = `bench/.probe/out/${name}/${entry}/index.js`;
    const r = await esbuild.build({ entryPoints: [`functions/${entry}.ts`], bundle: true, target: 'node22', platform: 'node', format: 'cjs', outfile, minify: true, external: ext, mainFields: mf, metafile: true, logLevel: 'warning' });
    fs.writeFileSync(outfile.replace('index.js','meta.json'), JSON.stringify(r.metafile));
    console.log(name, entry, fs.statSync(outfile).size);
  }
}
