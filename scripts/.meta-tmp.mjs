import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
const [entry, out] = process.argv.slice(2);
const r = await build({ absWorkingDir: '/work/wt-startup', entryPoints: { bazaar: entry }, outdir: '/tmp/su/metaout', bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', chunkNames: 'chunks/[name]-[hash]', external: ['@mongodb-js/zstd', '@mongodb-js/zstd-linux-x64-gnu', '@napi-rs/xattr'], metafile: true, write: false, logLevel: 'error' });
writeFileSync(out, JSON.stringify(r.metafile));
