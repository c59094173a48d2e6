/**
 * rpm judges bazaar's images: a checkout of an image made of packages verifies clean
 * under `rpm -V` against the database rpm itself wrote when installing the same .rpm
 * files into another root, and `bazaar layer import-rpmdb` of that rpm-installed root
 * answers `-qa`, `-ql` and `-V` as rpm does there.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { projectRoot, testWith } from '../helpers/tools.js';

const t = suite('checkout-rpm');
const WRAPPER = join(projectRoot, 'dist/src/cli/rpm-wrapper.js');
const DBPATH = '/var/lib/rpm';
const PACKAGES = /\/(setup-2\.2\.9|filesystem-2|bash-5\.2\.26-alt2|coreutils-9\.4-alt1\.x86_64|sed-4|libc6-2\.38-alt2\.x86_64|webserver-1|webapp-2\.4\.1-alt1\.noarch)/;

function sh(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LANG: 'C' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const ok = (args: string[]): string => {
  const r = bazaar(args);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const rpmAt = (root: string, args: string[]) => sh('rpm', ['--root', root, '--dbpath', DBPATH, ...args]);
const wrapper = (args: string[]) => sh(process.execPath, [WRAPPER, ...args]);
const sorted = (text: string): string[] => text.trim().split('\n').sort();

/** The sample packages installed by rpm itself into a fresh root (no scripts, no deps). */
function rpmInstalled(files: string[]): string {
  const root = join(tempDir('rpm-root'), 'root');
  const r = rpmAt(root, ['-i', '--nodeps', '--noscripts', '--nosignature', ...files]);
  assert.is(r.status, 0, r.stderr);
  return root;
}

testWith(t, 'a checkout of an image verifies clean under rpm -V with the database rpm wrote for the same packages', ['rpm', 'root'], () => {
  const files = sampleRpms().filter((f) => PACKAGES.test(f) && !f.endsWith('.src.rpm'));
  assert.is(files.length, 8);
  const rpmRoot = rpmInstalled(files);
  const store = freshStore('checkout-rpm');
  ok(['add', '--store', store, ...files]);
  const nevras = files.map((f) => sh('rpm', ['-qp', '--nosignature', f]).stdout.trim());
  ok(['layer', 'create', '--store', store, 'sys@1.0.0', '--package', ...nevras]);
  ok(['image', 'create', '--store', store, 'sys@1.0.0', '--layer', 'sys@^1']);
  for (const mode of ['copy', 'hardlink']) {
    const co = join(tempDir(`checkout-rpm-${mode}`), 'va');
    ok(['image', 'checkout', '--store', store, 'sys', co, ...(mode === 'hardlink' ? ['--hardlink'] : [])]);
    // bazaar-rpm answers from the checkout's snippets as rpm does from its database
    assert.equal(sorted(wrapper(['--root', co, '-qa']).stdout), sorted(rpmAt(rpmRoot, ['-qa']).stdout));
    for (const n of nevras) assert.is(wrapper(['--root', co, '-ql', n]).stdout, rpmAt(rpmRoot, ['-ql', n]).stdout, `${n} -ql`);
    // rpm's own database over bazaar's files: every digest, mode, owner, time and link target checks
    mkdirSync(join(co, DBPATH), { recursive: true });
    cpSync(join(rpmRoot, DBPATH), join(co, DBPATH), { recursive: true });
    const verified = rpmAt(co, ['-Va', '--nodeps']);
    assert.is(verified.stdout, '', `${mode}: rpm -Va on the checkout reports ${verified.stdout}`);
    assert.is(wrapper(['--root', co, '-Va', '--nodeps']).stdout, '', `${mode}: bazaar-rpm -Va`);
    if (mode === 'copy') {
      // a changed file is found by both, in the same words
      appendFileSync(join(co, 'bin/sed'), 'x');
      const rpmSays = rpmAt(co, ['-V', '--nodeps', 'sed']);
      assert.match(rpmSays.stdout, /^S\.5\.\.\.\.T\.\s+\/bin\/sed$/m);
      assert.is(wrapper(['--root', co, '-V', '--nodeps', 'sed']).stdout, rpmSays.stdout);
    }
  }
});

testWith(t, 'layer import-rpmdb of an rpm-installed root answers -qa, -ql and -V as rpm does there', ['rpm', 'root'], () => {
  const files = sampleRpms().filter((f) => PACKAGES.test(f) && !f.endsWith('.src.rpm'));
  const rpmRoot = rpmInstalled(files);
  const store = freshStore('import-rpmdb');
  const imported = JSON.parse(ok(['layer', 'import-rpmdb', '--store', store, '--json', 'host@1.0.0', rpmRoot])) as { packages: string[]; files: number };
  assert.equal([...imported.packages].sort(), sorted(rpmAt(rpmRoot, ['-qa']).stdout));
  ok(['image', 'create', '--store', store, 'host@1.0.0', '--layer', 'host@1']);
  const nevras = sorted(rpmAt(rpmRoot, ['-qa']).stdout);
  assert.equal(sorted(wrapper(['--store', store, '--image', 'host', '-qa']).stdout), nevras);
  for (const n of nevras) assert.is(wrapper(['--store', store, '--image', 'host', '-qR', n]).stdout, rpmAt(rpmRoot, ['-qR', n]).stdout, `${n} -qR`);
  const co = join(tempDir('import-rpmdb-co'), 'va');
  ok(['image', 'checkout', '--store', store, 'host', co]);
  // the layer holds the files, not rpm's database: the snippets are its database
  assert.is(sh('test', ['-e', join(co, DBPATH)]).status, 1);
  for (const n of nevras) assert.is(wrapper(['--root', co, '-ql', n]).stdout, rpmAt(rpmRoot, ['-ql', n]).stdout, `${n} -ql`);
  assert.is(wrapper(['--root', co, '-Va', '--nodeps']).stdout, rpmAt(rpmRoot, ['-Va', '--nodeps']).stdout);
  // the same files and build ids: a re-import is the same tree, so publishing it again is a patch bump at most
  const again = JSON.parse(ok(['layer', 'import-rpmdb', '--store', store, '--json', '--dry-run', 'host@1.0.1', rpmRoot])) as { tree: string; check: { required: string } };
  const first = JSON.parse(ok(['layer', 'show', '--store', store, '--json', 'host@1.0.0'])) as { tree: string };
  assert.is(again.tree, first.tree);
});

testWith(t, 'layer import-rpmdb refuses a root without an rpm database, and the store is unchanged', [], () => {
  const store = freshStore('import-rpmdb-none');
  const empty = tempDir('no-rpmdb');
  const r = bazaar(['layer', 'import-rpmdb', '--store', store, 'x@1.0.0', empty]);
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /no rpm database found/);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.is(bazaar(['layer', 'ls', '--store', store]).stdout.trim(), '');
  assert.is(bazaar(['fsck', '--store', store]).status, 0);
});

t.run();
