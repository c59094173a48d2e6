/**
 * rpm judges bazaar's images: a checkout of an image made of packages verifies clean
 * under `rpm -V` against the database rpm itself wrote when installing the same .rpm
 * files into another root, and `bazaar layer import-rpmdb` of that rpm-installed root
 * answers `-qa`, `-ql` and `-V` as rpm does there.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { corpusDir, projectRoot, testWith } from '../helpers/tools.js';

const t = suite('checkout-rpm');
const WRAPPER = join(projectRoot, 'dist/bin/bazaar-rpm.js');
const DBPATH = '/var/lib/rpm';
const PACKAGES = /\/(setup-2\.2\.9|filesystem-2|bash-5\.2\.26-alt2|coreutils-9\.4-alt1\.x86_64|sed-4|libc6-2\.38-alt2\.x86_64|webserver-1|webapp-2\.4\.1-alt1\.noarch)/;

function sh(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LANG: 'C' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const ok = (args: string[]): string => {
  const r = bazaarFast(args);
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

/** Per-package queries: byte for byte and the same exit code (only the install time differs). */
const PER_PACKAGE = [['-qi'], ['-qlv'], ['-qc'], ['-qd'], ['-qR'], ['-q', '--provides'], ['-q', '--conflicts'], ['-q', '--obsoletes'],
['-q', '--recommends'], ['-q', '--suggests'], ['-q', '--supplements'], ['-q', '--enhances'], ['-q', '--scripts'], ['-q', '--changelog'],
['-q', '--qf', '[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEDIGESTS}\n]'],
['-q', '--qf', '%{NAME} %{EPOCHNUM} %{BUILDTIME:date} %{SIZE} [%{REQUIRENAME} %{REQUIREFLAGS:depflags} %{REQUIREVERSION}, ]\n'], ['-q']];
/** Multi-package answers: the same set (rpm lists in its install-transaction order, bazaar in its own: docs/rpm-query.md). */
const ACROSS = [['-qa'], ['-qa', 'se*'], ['-q', '--whatprovides', '/bin/sh'], ['-q', '--whatrequires', 'libc.so.6()(64bit)'], ['-qf', '/bin/sed', '/etc/passwd', '/bin'],
['-qf', '/no/such/file'], ['-q', 'no-such-package'], ['-q', 'bash-5.2.26'], ['-q', 'sed-4.9-alt1.x86_64'], ['-q', '--whatprovides', 'nothing-gives-this']];
const INSTALL_DATE_ALL = /^Install Date: .*$/gm;

/** Between them: scriptlets, config and doc files, users, weak and versioned dependencies, an epoch. */
const QUERIED = /^(bash|setup|webserver|webapp|coreutils|sed)-/;

function sameAnswers(co: string, rpmRoot: string, nevras: string[], queried = QUERIED): void {
  // one call per query, naming every package: answers come in argument order in both
  const named = nevras.filter((x) => queried.test(x));
  assert.ok(named.length > 0);
  for (const q of PER_PACKAGE) {
    const ours = wrapper(['--root', co, ...q, ...named]);
    const theirs = rpmAt(rpmRoot, [...q, ...named]);
    assert.is(ours.stdout.replace(INSTALL_DATE_ALL, ''), theirs.stdout.replace(INSTALL_DATE_ALL, ''), `${q.join(' ')} ${named.join(' ')}`);
    assert.is(ours.status, theirs.status, `${q.join(' ')}: exit code`);
  }
  for (const q of ACROSS) {
    const ours = wrapper(['--root', co, ...q]);
    const theirs = rpmAt(rpmRoot, q);
    assert.equal(sorted(ours.stdout), sorted(theirs.stdout), q.join(' '));
    assert.is(ours.status, theirs.status, `${q.join(' ')}: exit code`);
  }
}

testWith(t, 'a checkout of an image verifies clean under rpm -V with the database rpm wrote for the same packages', ['rpm', 'root'], () => {
  const files = sampleRpms().filter((f) => PACKAGES.test(f) && !f.endsWith('.src.rpm'));
  assert.is(files.length, 8);
  const rpmRoot = rpmInstalled(files);
  const store = freshStore('checkout-rpm');
  ok(['add', '--store', store, ...files]);
  const nevras = files.map((f) => sh('rpm', ['-qp', '--nosignature', f]).stdout.trim());
  // installed as rpm --nodeps installed them (webserver and webapp without all they need)
  ok(['layer', 'create', '--store', store, 'sys@1.0.0', '--nodeps', '--package', ...nevras]);
  ok(['image', 'create', '--store', store, 'sys@1.0.0', '--nodeps', '--layer', 'sys@^1']);
  for (const mode of ['copy', 'hardlink']) {
    const co = join(tempDir(`checkout-rpm-${mode}`), 'va');
    ok(['image', 'checkout', '--store', store, 'sys', co, ...(mode === 'hardlink' ? ['--hardlink'] : [])]);
    // bazaar-rpm answers from the checkout's snippets as rpm does from its database
    assert.equal(sorted(wrapper(['--root', co, '-qa']).stdout), sorted(rpmAt(rpmRoot, ['-qa']).stdout));
    for (const n of nevras) assert.is(wrapper(['--root', co, '-ql', n]).stdout, rpmAt(rpmRoot, ['-ql', n]).stdout, `${n} -ql`);
    if (mode === 'copy') sameAnswers(co, rpmRoot, nevras);
    // rpm's own database over bazaar's files: every digest, mode, owner, time and link target checks
    mkdirSync(join(co, DBPATH), { recursive: true });
    cpSync(join(rpmRoot, DBPATH), join(co, DBPATH), { recursive: true });
    const verified = rpmAt(co, ['-Va', '--nodeps']);
    assert.is(verified.stdout, '', `${mode}: rpm -Va on the checkout reports ${verified.stdout}`);
    assert.is(wrapper(['--root', co, '-Va', '--nodeps']).stdout, '', `${mode}: bazaar-rpm -Va`);
    if (mode === 'copy') {
      // a changed file is found by both, in the same words
      appendFileSync(join(co, 'bin/sed'), 'x');
      chmodSync(join(co, 'bin/bash'), 0o700);
      const rpmSays = rpmAt(co, ['-Va', '--nodeps']);
      assert.match(rpmSays.stdout, /^S\.5\.\.\.\.T\.\s+\/bin\/sed$/m);
      assert.match(rpmSays.stdout, /^\.M\.\.\.\.\.\.\.\s+\/bin\/bash$/m);
      assert.is(rpmSays.stdout.trim().split('\n').length, 2, 'exactly the two changed files');
      assert.equal(sorted(wrapper(['--root', co, '-Va', '--nodeps']).stdout), sorted(rpmSays.stdout));
      assert.is(wrapper(['--root', co, '-V', '--nodeps', 'sed']).status, rpmAt(co, ['-V', '--nodeps', 'sed']).status);
    }
  }
});

/** Corpus packages that install side by side: file capabilities, hardlinks, every file type, i18n, rich deps, v3 signatures, an epoch. */
const CORPUS = ['createrepo_c/Archer-3.4.5-6.x86_64.rpm', 'createrepo_c/fake_bash-1.1.1-1.x86_64.rpm', 'createrepo_c/super_kernel-6.0.1-2.x86_64.rpm',
  'rpm-rs/RPMS/v6/rpm-file-attrs-1.0-1.noarch.rpm', 'rpm-rs/RPMS/v6/rpm-file-types-1.0-1.noarch.rpm', 'rpm-rs/RPMS/v6/rpm-hardlinks-1.0-1.noarch.rpm',
  'rpm-rs/RPMS/v6/rpm-i18n-1.0-1.noarch.rpm', 'rpm-rs/RPMS/v6/rpm-rich-deps-1.0-1.noarch.rpm', 'rpm-rs/RPMS/v6/rpm-scriptlets-1.0-1.noarch.rpm',
  'rpm/RPMS/capstest-1.0-1.noarch.rpm', 'rpm/RPMS/hello-1.0-1.i386.rpm', 'rpm/RPMS/hlinktest-1.0-1.noarch-v3sig.rpm',
  'rpmlint/binary/mc-4.8.15-10.3.1.x86_64.rpm', 'rpmlint/binary/ngircd-22-2.fc22.x86_64.rpm', 'rpm-rs/RPMS/v4/rpm-basic-2.3.4-5.el9.noarch.rpm'];

testWith(t, 'corpus packages: a checkout verifies clean under rpm -V (file capabilities included), and changes are found as rpm finds them', ['rpm', 'root', 'corpus', 'getfattr', 'setfattr'], () => {
  const files = CORPUS.map((f) => join(corpusDir, 'rpms', f));
  const rpmRoot = join(tempDir('rpm-root-corpus'), 'root');
  const installed = rpmAt(rpmRoot, ['-i', '--nodeps', '--noscripts', '--nosignature', '--ignorearch', ...files]);
  assert.is(installed.status, 0, installed.stderr);
  const store = freshStore('checkout-rpm-corpus');
  ok(['add', '--store', store, ...files]);
  const nevras = files.map((f) => sh('rpm', ['-qp', '--nosignature', f]).stdout.trim());
  ok(['layer', 'create', '--store', store, 'c@1.0.0', '--nodeps', '--package', ...nevras]);
  ok(['image', 'create', '--store', store, 'c@1.0.0', '--nodeps', '--layer', 'c@1']);
  const co = join(tempDir('checkout-rpm-corpus'), 'va');
  ok(['image', 'checkout', '--store', store, 'c', co]);
  sameAnswers(co, rpmRoot, nevras, /^(rpm-file-attrs|rpm-hardlinks|rpm-rich-deps|rpm-scriptlets|capstest|Archer|mc)-/);
  mkdirSync(join(co, DBPATH), { recursive: true });
  cpSync(join(rpmRoot, DBPATH), join(co, DBPATH), { recursive: true });
  const clean = rpmAt(co, ['-Va', '--nodeps', '--noscripts']);
  assert.is(clean.stdout, '', `rpm -Va on the checkout reports ${clean.stdout}`);
  assert.is(wrapper(['--root', co, '-Va', '--nodeps', '--noscripts']).stdout, '');
  // capabilities taken away, content changed: rpm and bazaar-rpm name the same files with the same flags
  assert.is(sh('setfattr', ['-x', 'security.capability', join(co, 'opt/rpm-file-attrs/with_caps')]).status, 0);
  appendFileSync(join(co, 'usr/bin/mc'), 'x');
  const rpmSays = rpmAt(co, ['-Va', '--nodeps', '--noscripts']);
  assert.match(rpmSays.stdout, /^\.{8}P\s+\/opt\/rpm-file-attrs\/with_caps$/m);
  assert.equal(sorted(wrapper(['--root', co, '-Va', '--nodeps', '--noscripts']).stdout), sorted(rpmSays.stdout));
});

testWith(t, 'layer import-rpmdb of an rpm-installed root answers -qa, -ql and -V as rpm does there', ['rpm', 'root'], () => {
  const files = sampleRpms().filter((f) => PACKAGES.test(f) && !f.endsWith('.src.rpm'));
  const rpmRoot = rpmInstalled(files);
  const store = freshStore('import-rpmdb');
  const imported = JSON.parse(ok(['layer', 'import-rpmdb', '--store', store, '--json', 'host@1.0.0', rpmRoot])) as { packages: string[]; files: number };
  assert.equal([...imported.packages].sort(), sorted(rpmAt(rpmRoot, ['-qa']).stdout));
  ok(['image', 'create', '--store', store, 'host@1.0.0', '--nodeps', '--layer', 'host@1']);
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
