#!/usr/bin/env node
/**
 * Bundles the two executables (tsc's output in dist/src/) into dist/bin/ with esbuild:
 * Node's ESM loader pays per module (resolution, reads, compile), and `bazaar show`
 * loaded 140 of them, about 100 ms before any work. Commands stay lazily loaded: each is
 * a chunk of its own (splitting), so a command parses only the code it runs.
 *
 * The executables' chunks are then made CommonJS (dist/bin/code/, a package.json there
 * says so) and run by a small launcher (dist/bin/bazaar.js) through src/cli/code-cache.ts,
 * which keeps V8's compiled code of each chunk in the user's cache directory: a start
 * then deserializes instead of compiling (docs/architecture.md#start-up).
 * Native addons (zstd, xattrs) stay in node_modules. Run after `tsc -p .`.
 * bench/checkout.ts bundles its child as ESM (`bundleFiles`).
 */
import { build, transform } from 'esbuild';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const external = ['@mongodb-js/zstd', '@mongodb-js/zstd-linux-x64-gnu', '@napi-rs/xattr'];

function esmOptions(entryPoints, outdir) {
  return {
    absWorkingDir: root,
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    external,
    logLevel: 'warning',
  };
}

/** Bundles `entryPoints` ({ outName: 'dist/...js' }, relative to the project) into `outdir`, as ES modules. */
export async function bundleFiles(entryPoints, outdir) {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    ...esmOptions(entryPoints, outdir),
    // CommonJS dependencies (isomorphic-git's) call require('buffer') and the like.
    banner: { js: "import { createRequire as bazaarRequire } from 'node:module'; const require = bazaarRequire(import.meta.url);" },
  });
  for (const name of Object.keys(entryPoints)) chmodSync(`${outdir}/${name}.js`, 0o755);
}

/**
 * The executables: split as above, each chunk made CommonJS (import() becomes a lazy
 * require, import.meta.url the loader's `__bazaarModuleUrl`) under `outdir`/code/, and a
 * launcher `outdir`/NAME.js per entry that runs it through the code cache.
 */
export async function bundleExecutables(entryPoints, outdir) {
  rmSync(outdir, { recursive: true, force: true });
  const code = join(outdir, 'code');
  const { outputFiles } = await build({ ...esmOptions(entryPoints, code), write: false });
  for (const file of outputFiles) {
    const { code: cjs } = await transform(file.text, {
      format: 'cjs', platform: 'node', target: 'node20', supported: { 'dynamic-import': false },
      define: { 'import.meta.url': '__bazaarModuleUrl' }, logLevel: 'warning',
    });
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, cjs);
  }
  writeFileSync(join(code, 'package.json'), '{ "type": "commonjs" }\n');
  writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  await build({
    absWorkingDir: root, entryPoints: { 'code-cache': 'dist/src/cli/code-cache.js' }, outdir: code,
    bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning',
  });
  // the build's id names its cache directory: the SHA-1 of every chunk, by name and content
  const id = createHash('sha1');
  for (const f of [...outputFiles].sort((a, b) => (a.path < b.path ? -1 : 1))) id.update(`${relative(code, f.path)}\0`).update(readFileSync(f.path));
  const buildId = id.digest('hex').slice(0, 16);
  for (const name of Object.keys(entryPoints)) {
    const launcher = join(outdir, `${name}.js`);
    writeFileSync(launcher, `#!/usr/bin/env node\n'use strict';\n// ${name}: its code is in code/ (scripts/bundle.mjs); code-cache.js compiles it once per version (docs/architecture.md#start-up)\nrequire('./code/code-cache.js').runBundle(__dirname + '/code/${name}.js', __dirname + '/code', '${buildId}');\n`);
    chmodSync(launcher, 0o755);
  }
  return readdirSync(code).length;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundleExecutables({ bazaar: 'dist/src/cli/main.js', 'bazaar-rpm': 'dist/src/cli/rpm-wrapper.js' }, `${root}dist/bin`);
}
