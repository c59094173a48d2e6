/**
 * README.md runs as written. Its quick start is the two commands CI itself runs
 * (`npm ci`/`npm install`, `npm test`) plus `npm start`, which is run here as npm runs it,
 * on a fresh store and a free port; its "Using it" and images blocks run in order in a
 * scratch directory laid out like the checkout; its library example runs as a module
 * that imports 'bazaar' as a build tool would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, tempDir } from '../helpers/cli.js';
import { projectRoot, testWith } from '../helpers/tools.js';

const t = suite('README');
const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
const blocks = (lang: string): string[] => [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);

/** A scratch directory that looks like the checkout (repos/ linked), with bazaar on PATH. */
function scratch(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir('readme');
  symlinkSync(join(projectRoot, 'repos'), join(dir, 'repos'));
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'bazaar'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  writeFileSync(join(bin, 'bazaar-rpm'), `#!/bin/sh\nexec "${process.execPath}" "${join(CLI, '..', 'bazaar-rpm.js')}" "$@"\n`, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  delete env.BAZAAR_STORE;
  return { dir, env };
}

t('the quick start: npm start is demo --serve, which seeds the store, makes channel sample and serves it', async () => {
  const [quick] = blocks('sh');
  assert.match(quick, /^npm install && npm start\s/m);
  assert.match(quick, /^npm test\s/m);
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.is(pkg.scripts.start, 'node dist/bin/bazaar.js demo --serve');
  assert.match(pkg.scripts.test, /node scripts\/run-tests\.mjs/);
  // npm start, as npm runs it, on a scratch store and a free port (8080 may be taken here)
  const store = join(tempDir('readme-start'), 'bazaar-store');
  const child = spawn('sh', ['-c', `exec ${pkg.scripts.start} --port 0 --store ${store}`], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 60_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /http:\/\/[\w.:[\]]+\//.exec(out);
        if (m) { clearTimeout(timer); resolve(m[0]); }
      });
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`npm start exited ${code}: ${out}`)); });
    });
    const res = await fetch(`${url}repo/sample/repodata/repomd.xml`);
    assert.is(res.status, 200);
    assert.match(await res.text(), '<repomd');
  } finally {
    child.kill('SIGINT');
  }
});

testWith(t, "'Using it', serving and the images example run as written, in order", ['jq', 'curl'], () => {
  const [, using, serving, images] = blocks('sh');
  assert.ok(using && serving && images, 'three example blocks after the quick start');
  const { dir, env } = scratch();
  const r = spawnSync('bash', ['-c', ['set -e', using, serving, images].join('\n')], { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 });
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^webserver-1\.24\.0-alt1\.x86_64\tsha256:/m, 'add prints NEVRA and build id');
  assert.match(r.stdout, /^-1$/m, 'vercmp');
  assert.match(r.stdout, /^3$/m, 'the served repomd.xml lists primary, filelists and other');
  assert.match(r.stdout, /^lighttpd-1\.4\.76-alt1\.x86_64$/m, 'bazaar-rpm -qa on the checkout');
  const served = readFileSync(join(dir, 'webserver.rpm'));
  assert.equal(served, readFileSync(join(projectRoot, 'repos/sample/RPMS/x86_64/webserver-1.24.0-alt1.x86_64.rpm')), 'cat of the rpm blob is the original file');
});

t('the library example runs as a build tool would run it', () => {
  const [example] = blocks('js');
  const { dir } = scratch();
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(projectRoot, join(dir, 'node_modules', 'bazaar'));
  writeFileSync(join(dir, 'example.mjs'), example);
  const r = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.match(r.stdout, /^webapp-2\.4\.1-alt1\.noarch \d+ files$/m);
});

t.run();
