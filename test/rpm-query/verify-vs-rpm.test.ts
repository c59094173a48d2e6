/**
 * `rpm -V` against rpm 4.18: packages installed with their files by stock rpm into a temp
 * root, then damaged the ways systems get damaged (content, mode, owner, links, missing
 * and replaced files, config edits), and each -V command line run through rpm and the
 * engine over the same root. Dependency problems are real too: the packages went in with
 * --nodeps, and repos/sample has an unmet Requires and two packages that conflict.
 *
 * Left out: rpm-scriptlets (it has a %verifyscript, which rpm runs inside the root;
 * bazaar runs no scriptlets) and the source packages (rpm installs no database entry).
 */
import { appendFileSync, chmodSync, copyFileSync, chownSync, mkdirSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareWithRpm } from '../helpers/rpm-compare.js';
import { corpusDir, testWith } from '../helpers/tools.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { describeRoot, installAll, readPackage, removeRoot, rpm, rpmInstall } from '../helpers/rpm-root.js';
import type { InstalledRoot } from '../helpers/rpm-root.js';

const t = suite('rpm -V: the engine answers as rpm 4.18');

/** Corpus packages with interesting files: owners, %ghost, %missingok, %verify, caps, hard links, odd names. */
const CORPUS = [
  'rpm-rs/RPMS/v6/rpm-file-attrs-1.0-1.noarch.rpm', 'rpm-rs/RPMS/v6/rpm-file-types-1.0-1.noarch.rpm',
  'rpm-rs/RPMS/v6/rpm-hardlinks-1.0-1.noarch.rpm', 'rpm/RPMS/capstest-1.0-1.noarch.rpm', 'rpm/RPMS/hlinktest-1.0-1.noarch.rpm',
];

let made: Promise<InstalledRoot[]> | null = null;

/** The damage, applied to the installed files. */
function damage(root: string): void {
  const p = (x: string): string => join(root, x);
  appendFileSync(p('/etc/webapp/webapp.conf'), '# edited by an admin\n');
  chmodSync(p('/usr/bin/webapp-manage'), 0o700);
  unlinkSync(p('/usr/share/webapp/templates/base.html'));
  writeFileSync(p('/usr/share/doc/webapp-2.4.1/README'), 'X'.repeat(0) + 'same size? no: different');
  utimesSync(p('/bin/bash'), new Date(0), new Date(0));
  utimesSync(p('/etc/bashrc'), new Date(86400000), new Date(86400000));
  chownSync(p('/etc/skel'), 4321, 4321);
  rmSync(p('/etc/webapp'), { recursive: true, force: true });
  mkdirSync(p('/etc/webapp'), { mode: 0o750 });
  writeFileSync(p('/etc/webapp/webapp.conf'), 'replaced wholesale\n');
  const attrs = '/opt/rpm-file-attrs';
  rmSync(p(`${attrs}/ghost`), { force: true });
  rmSync(p(`${attrs}/missingok`), { force: true });
  writeFileSync(p(`${attrs}/verify_none`), 'changed, but rpm was told not to look\n');
  writeFileSync(p(`${attrs}/verify_some`), 'changed a little\n');
  unlinkSync(p(`${attrs}/symlink`));
  symlinkSync('readme', p(`${attrs}/symlink`));
  rmSync(p(`${attrs}/dir/normal`));
  mkdirSync(p(`${attrs}/dir/normal`));
  chmodSync(p(`${attrs}/normal`), 0o4755);
  // A user and group the header names appear now: the files (owned by root) no longer match.
  // a package file inside the root, for -Vp (rpm opens it after chroot)
  mkdirSync(p('/pkgs'));
  copyFileSync(sampleRpms().find((f) => f.endsWith('/webapp-2.4.1-alt1.noarch.rpm'))!, p('/pkgs/webapp.rpm'));
  appendFileSync(p('/etc/passwd'), 'jane:x:1234:1234::/home/jane:/bin/sh\n');
  appendFileSync(p('/etc/group'), 'bob:x:2345:\n');
}

/**
 * The roots: everything but bash-5.2.26-alt2 in one transaction; then bash-5.2.26-alt2
 * in a second one with --excludedocs, so that rpm records file states other than normal
 * (its docs "not installed"); then the damage.
 */
function verifyRoot(): Promise<InstalledRoot[]> {
  made ??= (async () => {
    const files: string[] = [];
    for (const f of [...sampleRpms(), ...CORPUS.map((c) => join(corpusDir, 'rpms', c))]) {
      if ((await readPackage(f)).header.has(1044)) files.push(f);
    }
    const later = files.filter((f) => f.endsWith('bash-5.2.26-alt2.x86_64.rpm'));
    const roots = await installAll(files.filter((f) => !later.includes(f)), { justdb: false, prefix: 'verify' });
    rpmInstall(roots[0].root, later, ['--excludedocs']);
    roots[0] = await describeRoot(roots[0].root, [...roots[0].installed, ...later]);
    damage(roots[0].root);
    return roots;
  })();
  return made;
}

const COMMAND_LINES: string[][] = [
  ['-Va'], ['-Va', '--nodeps'], ['-Va', '--nofiles'], ['-V', 'webapp', 'bash', 'rpm-file-attrs', 'nosuch'],
  ['-Vv', 'webapp', 'rpm-file-attrs', 'rpm-hardlinks'], ['-Vc', '-a'], ['-Vd', '-a'], ['-V', '--nomtime', '--nosize', '--nomd5', '-a'],
  ['-V', '--nouser', '--nogroup', '--nomode', '--nolinkto', '--nordev', '-a'], ['-V', '--noghost', '--noconfig', '-a'],
  ['-Vf', '/etc/webapp/webapp.conf', '/usr/bin/webapp-manage', '/bin/sh', '/nonexistent'], ['-V', '--whatprovides', 'webserver'],
  ['-Va', 'name=web*'], ['-V', 'lighttpd', 'webserver', 'legacy-reporter'], ['-Vv', 'bash'],
  ['-Vp', '--nosignature', '/pkgs/webapp.rpm'], ['-Vp', '--nosignature', 'pkgs/webapp.rpm', '/nonexistent.rpm', '/pkgs/webapp.rpm'],
  ['-Vp', '--nosignature', '--nofiles', '/pkgs/webapp.rpm', '/etc/../pkgs/webapp.rpm'], ['-Vp', '--nosignature', sampleRpms()[0]],
  // Queries on this root: the file states a real install records.
  ['-qsa'], ['-qa', '--qf', '[%{FILESTATES:fstate} %{FILENAMES}\n]'], ['-qf', '/etc/bashrc', '/usr/share/doc/bash-5.2.26/NEWS'],
  ['-q', '--path', '/etc/bashrc', '/usr/share/doc/bash-5.2.26/NEWS'], ['-q', '--whatprovides', '/etc/bashrc'],
];

testWith(t, '-V on damaged files, every option: rpm\'s lines and exit codes', ['rpm', 'corpus'], async () => {
  const roots = await verifyRoot();
  assert.ok(roots[0].installed.length > 30, `installed ${roots[0].installed.length} packages with their files`);
  const failures: string[] = [];
  for (const r of roots) {
    for (const args of r === roots[0] ? COMMAND_LINES : [['-Va']]) {
      const d = await compareWithRpm(r, args);
      if (d) failures.push(d);
    }
  }
  assert.equal(failures, [], failures.join('\n'));
});

testWith(t, 'the damage is seen: rpm itself reports each kind (so the comparison above proves something)', ['rpm', 'corpus'], async () => {
  const [r] = await verifyRoot();
  const out = rpm(['--root', r.root, '-Va']).stdout.toString('utf8');
  for (const expected of [
    /^\.{5}UG\.\.    \/etc\/skel$/m, /^\.M\.{7}    \/usr\/bin\/webapp-manage$/m, /^missing     \/usr\/share\/webapp\/templates\/base\.html$/m,
    /^\.{4}L\.{4}    \/opt\/rpm-file-attrs\/symlink$/m, /^\.{5}UG\.\.    \/opt\/rpm-file-attrs\/different-owner-and-group$/m,
    /^S\.5\.{4}T\.    \/opt\/rpm-file-attrs\/verify_some$/m, /^\tlibmissing\.so\.1\(\)\(64bit\) is needed by \(installed\) legacy-reporter/m,
  ]) {
    assert.match(out, expected);
  }
  assert.match(rpm(['--root', r.root, '-qs', 'bash']).stdout.toString('utf8'), /^not installed \/usr\/share\/doc\/bash-5\.2\.26\/NEWS$/m);
});

t.after(async () => {
  if (made) for (const r of await made) removeRoot(r.root);
});

t.run();
