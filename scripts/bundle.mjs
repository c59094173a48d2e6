#!/usr/bin/env node
/**
 * Bundles the two executables (tsc's output in dist/src/) into dist/bin/ with esbuild:
 * Node's ESM loader pays per module (resolution, reads, compile), and `bazaar show`
 * loaded 140 of them, about 100 ms before any work. Commands stay lazily loaded: each is
 * a chunk of its own (splitting), so a command parses only the code it runs.
 * Native addons (zstd, xattrs) stay in node_modules. Run after `tsc -p .`.
 * bench/checkout.ts bundles its child the same way (`bundleFiles`), as the CLI runs.
 */
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `entryPoints` ({ outName: 'dist/...js' }, relative to the project) into `outdir`. */
export async function bundleFiles(entryPoints, outdir) {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    external: ['@mongodb-js/zstd', '@mongodb-js/zstd-linux-x64-gnu', '@napi-rs/xattr'],
    // CommonJS dependencies (isomorphic-git's) call require('buffer') and the like.
    banner: { js: "import { createRequire as bazaarRequire } from 'node:module'; const require = bazaarRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  for (const name of Object.keys(entryPoints)) chmodSync(`${outdir}/${name}.js`, 0o755);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundleFiles({ bazaar: 'dist/src/cli/main.js', 'bazaar-rpm': 'dist/src/cli/rpm-wrapper.js' }, `${root}dist/bin`);
}
