/**
 * `rpm -V`'s dependency checks with rich dependencies, against rpm 4.18: the reverse
 * checks (a package's provides and files can break an installed `(a if b else c)` or
 * `(a unless b)`, or meet an installed rich Conflicts), rich self-conflicts, and seeded
 * random package sets of every rich operator (test/helpers/rich-sets.ts), installed
 * database-only by stock rpm into temp roots; every -V line, its order and the exit code
 * must be rpm's. BAZAAR_SEED replays a run, BAZAAR_RICH_SETS sets how many sets.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../helpers/cli.js';
import { makePackageRpm } from '../helpers/make-rpm.js';
import type { PackageSpec } from '../helpers/make-rpm.js';
import { richSet, writeRichSet } from '../helpers/rich-sets.js';
import { compareWithRpm } from '../helpers/rpm-compare.js';
import { installAll, installRoot, removeRoot, rpm } from '../helpers/rpm-root.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { testWith } from '../helpers/tools.js';

const t = suite('rpm -V: rich dependency checks as rpm 4.18 makes them');
const roots: string[] = [];

const pkg = (name: string, fields: Omit<Partial<PackageSpec>, 'files'> & { files?: string[] } = {}): PackageSpec => ({
  name, version: '1', release: '1',
  ...fields,
  files: (fields.files ?? []).map((path) => ({ path })),
  provides: [{ name, flags: 8, version: '1-1' }, ...(fields.provides ?? [])],
});

/** The case and its kin: each verified package, and a line rpm itself prints for it. */
const CASES: Array<{ what: string; packages: PackageSpec[]; verify: string; line: string }> = [
  {
    what: 'a provide in an if-else condition breaks the installed requirer',
    packages: [pkg('richa', { requires: [{ name: '(capx if capy else capz)' }] }), pkg('richb', { provides: [{ name: 'capy' }] })],
    verify: 'richb', line: '\t(capx if capy else capz) is needed by (installed) richa-1-1.noarch\n',
  },
  {
    what: 'a provide in an unless condition',
    packages: [pkg('richc', { requires: [{ name: '(capx unless capw)' }] }), pkg('richd', { provides: [{ name: 'capw' }] })],
    verify: 'richd', line: '\t(capx unless capw) is needed by (installed) richc-1-1.noarch\n',
  },
  {
    what: 'a file in an if condition',
    packages: [pkg('riche', { requires: [{ name: '(capx if /opt/fixed/f)' }] }), pkg('richf', { files: ['/opt/fixed/f'] })],
    verify: 'richf', line: '\t(capx if /opt/fixed/f) is needed by (installed) riche-1-1.noarch\n',
  },
  {
    what: 'a rich conflict with what its own package provides',
    packages: [pkg('richg', { conflicts: [{ name: '(capq or capr)' }], provides: [{ name: 'capq' }] })],
    verify: 'richg', line: '\t(capq or capr) conflicts with (installed) richg-1-1.noarch\n',
  },
  {
    what: 'an installed rich conflict met by a provide',
    packages: [pkg('richh', { conflicts: [{ name: '(capv with capu)' }] }), pkg('richi', { provides: [{ name: 'capv' }, { name: 'capu' }] })],
    verify: 'richi', line: '\t(capv with capu) conflicts with (installed) richh-1-1.noarch\n',
  },
];

testWith(t, 'reverse and self checks of rich dependencies: rpm\'s lines and exit codes', ['rpm'], async () => {
  const failures: string[] = [];
  for (const c of CASES) {
    const dir = tempDir('rich-case');
    const files = c.packages.map((p) => {
      const f = join(dir, `${String(p.name)}.rpm`);
      writeFileSync(f, makePackageRpm(p));
      return f;
    });
    const r = await installRoot(files, { justdb: true, prefix: 'rich-case' });
    roots.push(r.root);
    const want = rpm(['--root', r.root, '-V', c.verify]);
    assert.ok(want.stdout.toString('utf8').includes(c.line), `${c.what}: rpm itself reports it (${JSON.stringify(want.stdout.toString('utf8'))})`);
    assert.is.not(want.status, 0, `${c.what}: rpm exits non-zero`);
    for (const args of [['-V', c.verify], ['-Va'], ['-Va', '--nofiles'], ['-V', '--nodeps', c.verify]]) {
      const d = await compareWithRpm(r, args);
      if (d) failures.push(`${c.what}: ${d}`);
    }
  }
  assert.equal(failures, [], failures.join('\n'));
});

testWith(t, 'seeded random rich dependency sets: -V, -Va and --nofiles as rpm', ['rpm'], async () => {
  const rand = seededRandom('verify-rich');
  const sets = Number(process.env.BAZAAR_RICH_SETS ?? 30);
  const failures: string[] = [];
  let packages = 0;
  let commands = 0;
  let reverse = 0;
  let problemLines = 0;
  for (let s = 0; s < sets; s++) {
    const dir = join(tempDir('rich-set'), 'rpms');
    mkdirSync(dir);
    const files = writeRichSet(richSet(rand, s), dir);
    for (const r of await installAll(files, { justdb: true, prefix: 'rich-set' })) {
      roots.push(r.root);
      const names = r.packages.map((p) => p.header.string(1000)!);
      packages += names.length;
      for (const args of [['-Va', '--nofiles'], ['-Va'], ['-V', '--nofiles', ...names, 'nosuchpkg']]) {
        commands++;
        const d = await compareWithRpm(r, args);
        if (d) failures.push(`set ${s}: ${d}`);
      }
      // What rpm found: the reverse checks must have had something to do.
      let verified = '';
      for (const line of rpm(['--root', r.root, '-Va', '--nofiles']).stdout.toString('utf8').split('\n')) {
        const head = /^Unsatisfied dependencies for (\S+):$/.exec(line);
        if (head) { verified = head[1]; continue; }
        const m = /\(installed\) (\S+)$/.exec(line);
        if (!m) continue;
        problemLines++;
        if (m[1] !== verified) reverse++;
      }
    }
    if (failures.length > 5) break;
  }
  console.log(`verify-rich: ${sets} sets, ${packages} packages, ${commands} command lines compared; rpm reported ${problemLines} problems, ${reverse} of them another package's`);
  assert.equal(failures, [], failures.join('\n'));
  assert.ok(reverse > 0, 'the sets exercise the reverse checks');
});

t.after(() => { for (const r of roots) removeRoot(r); });

t.run();
