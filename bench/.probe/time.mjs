import { spawnSync } from 'node:child_process';
const files = process.argv.slice(2);
const t = Object.fromEntries(files.map(f => [f, []]));
for (let r = 0; r < 20; r++) for (const f of files) {
  const s = process.hrtime.bigint(); const res = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(f)})`]); const e = process.hrtime.bigint();
  if (res.status !== 0) throw new Error(res.stderr.toString());
  t[f].push(Number(e - s) / 1e6);
}
const med = a => { const s=[...a].sort((x,y)=>x-y); return s[s.length>>1]; };
const base = med(t[files[0]]);
for (const f of files) console.log(f, med(t[f]).toFixed(1), (med(t[f])/base).toFixed(2));
