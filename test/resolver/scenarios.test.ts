/** Hand-written scenarios, one per dependency kind, against in-memory universes. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { equalSet, exactBuild } from '../../src/resolver/constraint.js';
import { golden, install, solve } from './scenario.js';
import { resolve } from '../../src/resolver/solve.js';
import { renderProblem } from '../../src/resolver/explain.js';

const t = suite('resolver scenarios');

t('newest EVR of a name, versioned requires narrow it', () => {
  const u: Parameters<typeof solve>[0] = [
    ['app-1.0-1.x86_64', { requires: ['lib >= 2.0', 'lib < 3'] }],
    ['lib-1.5-1.x86_64'], ['lib-2.1-1.x86_64'], ['lib-2.4-2.x86_64'], ['lib-3.0-1.x86_64'],
  ];
  assert.equal(solve(u, install('app')).install, ['app-0:1.0-1.x86_64', 'lib-0:2.4-2.x86_64']);
  assert.equal(solve(u, install('lib')).install, ['lib-0:3.0-1.x86_64']);
  assert.equal(solve(u, [{ kind: 'install', name: 'lib', flags: '<', evr: '2.4' }]).install, ['lib-0:2.1-1.x86_64']);
});

t('epochs outrank versions; an unversioned provide meets a versioned require', () => {
  const u: Parameters<typeof solve>[0] = [
    ['tool-9.0-1.x86_64'], ['tool-1:1.0-1.x86_64'],
    ['user-1-1.noarch', { requires: ['virtual-cap >= 5'] }], ['impl-1-1.noarch', { provides: ['virtual-cap'] }],
  ];
  assert.equal(solve(u, install('tool')).install, ['tool-1:1.0-1.x86_64']);
  assert.equal(solve(u, install('user')).install, ['impl-0:1-1.noarch', 'user-0:1-1.noarch']);
});

t('a require without release ignores the release; "> V" is not met by V-R (rpm rule)', () => {
  const u: Parameters<typeof solve>[0] = [
    ['libc6-2.36-9.x86_64'],
    ['a-1-1.x86_64', { requires: ['libc6 >= 2.36'] }],
    ['b-1-1.x86_64', { requires: ['libc6 > 2.36'] }],
    ['c-1-1.x86_64', { requires: ['libc6 = 2.36'] }],
  ];
  assert.ok(solve(u, install('a')).ok);
  assert.not.ok(solve(u, install('b')).ok);
  assert.ok(solve(u, install('c')).ok);
});

t('rich or / and pick providers; if / else / unless follow the condition', () => {
  const u: Parameters<typeof solve>[0] = [
    ['x-1-1.noarch', { requires: ['(a or b)'] }],
    ['y-1-1.noarch', { requires: ['(a and c)'] }],
    ['z-1-1.noarch', { requires: ['(d if b else e)'] }],
    ['w-1-1.noarch', { requires: ['(d unless b)'] }],
    ['a-1-1.noarch'], ['b-1-1.noarch'], ['c-1-1.noarch'], ['d-1-1.noarch'], ['e-1-1.noarch'],
  ];
  assert.equal(solve(u, install('x')).install, ['a-0:1-1.noarch', 'x-0:1-1.noarch']);
  assert.equal(solve(u, install('y')).install, ['a-0:1-1.noarch', 'c-0:1-1.noarch', 'y-0:1-1.noarch']);
  assert.equal(solve(u, install('z')).install, ['e-0:1-1.noarch', 'z-0:1-1.noarch'], 'b absent: else branch');
  assert.equal(solve(u, install('z', 'b')).install, ['b-0:1-1.noarch', 'd-0:1-1.noarch', 'z-0:1-1.noarch'], 'b present: then branch');
  assert.equal(solve(u, install('w')).install, ['d-0:1-1.noarch', 'w-0:1-1.noarch']);
  assert.equal(solve(u, install('w', 'b')).install, ['b-0:1-1.noarch', 'w-0:1-1.noarch']);
});

t('rich with / without need one provider to match both sides', () => {
  const u: Parameters<typeof solve>[0] = [
    ['p-1-1.noarch', { requires: ['(font with lang-de)'] }],
    ['q-1-1.noarch', { requires: ['(font without lang-de)'] }],
    ['f1-1-1.noarch', { provides: ['font', 'lang-fr'] }],
    ['f2-1-1.noarch', { provides: ['font', 'lang-de'] }],
    ['f0-1-1.noarch', { provides: ['lang-de'] }],
  ];
  assert.equal(solve(u, install('p')).install, ['f2-0:1-1.noarch', 'p-0:1-1.noarch']);
  assert.equal(solve(u, install('q')).install, ['f1-0:1-1.noarch', 'q-0:1-1.noarch']);
  assert.not.ok(solve(u, install('q', 'f2')).ok === false, 'q with f2 present is still fine (f1 satisfies)');
});

t('rich conflicts: (a and b) forbids only the pair', () => {
  const u: Parameters<typeof solve>[0] = [['k-1-1.noarch', { conflicts: ['(a and b)'] }], ['a-1-1.noarch'], ['b-1-1.noarch']];
  assert.ok(solve(u, install('k', 'a')).ok);
  assert.not.ok(solve(u, install('k', 'a', 'b')).ok);
});

t('file dependencies are met by file lists and by file provides', () => {
  const u: Parameters<typeof solve>[0] = [
    ['script-1-1.noarch', { requires: ['/usr/bin/python3', '/bin/sh'] }],
    ['python3-3.11-1.x86_64', { files: ['/usr/bin/python3'] }],
    ['bash-5-1.x86_64', { provides: ['/bin/sh'] }],
  ];
  assert.equal(solve(u, install('script')).install, ['bash-0:5-1.x86_64', 'python3-0:3.11-1.x86_64', 'script-0:1-1.noarch']);
});

t('conflicts steer to another provider; self-conflicts are ignored', () => {
  const u: Parameters<typeof solve>[0] = [
    ['mta-user-1-1.noarch', { requires: ['mail-transport-agent'] }],
    ['exim-4-1.x86_64', { provides: ['mail-transport-agent'], conflicts: ['libdb4'] }],
    ['postfix-3-1.x86_64', { provides: ['mail-transport-agent'], conflicts: ['postfix < 2'] }],
    ['libdb4-4-1.x86_64'],
  ];
  const r = solve(u, install('mta-user', 'libdb4'));
  assert.equal(r.install, ['libdb4-0:4-1.x86_64', 'mta-user-0:1-1.noarch', 'postfix-0:3-1.x86_64']);
});

t('obsoletes: a renamed package replaces the old one; self-obsoletes are harmless', () => {
  const u: Parameters<typeof solve>[0] = [
    ['newname-2-1.noarch', { obsoletes: ['oldname < 2'], provides: ['oldname = 2'] }],
    ['oldname-1-1.noarch'],
    ['self-2-1.noarch', { obsoletes: ['self < 2'] }],
  ];
  assert.not.ok(solve(u, install('newname', 'oldname')).ok);
  const up = solve(u, install('newname'), { installed: [['oldname-1-1.noarch']] });
  assert.equal(up.install, ['newname-0:2-1.noarch']);
  assert.equal(up.erase, ['oldname-0:1-1.noarch']);
  assert.equal(solve(u, install('self')).install, ['self-0:2-1.noarch']);
});

t('arch: x86_64 preferred to i686, i686 allowed, ppc never, noarch everywhere', () => {
  const u: Parameters<typeof solve>[0] = [
    ['lib-1-1.i686'], ['lib-1-1.x86_64'], ['only32-1-1.i586'], ['ppconly-1-1.ppc'], ['data-1-1.noarch'],
  ];
  assert.equal(solve(u, install('lib')).install, ['lib-0:1-1.x86_64']);
  assert.equal(solve(u, install('only32')).install, ['only32-0:1-1.i586']);
  const ppc = solve(u, install('ppconly'));
  assert.not.ok(ppc.ok);
  assert.match(ppc.problem, /no package named ppconly can be installed here \(ppconly-1-1.ppc: not for this system's architecture x86_64\)/);
  assert.equal(solve(u, install('data')).install, ['data-0:1-1.noarch']);
  assert.equal(solve(u, install('lib'), { arch: 'i686' }).install, ['lib-0:1-1.i686']);
});

t('multiversion names keep several builds; others are replaced', () => {
  const u: Parameters<typeof solve>[0] = [['kernel-6.1-1.x86_64'], ['kernel-6.6-1.x86_64']];
  const inst: Parameters<typeof solve>[0] = [['kernel-6.1-1.x86_64']];
  const multi = solve(u, [{ kind: 'install', name: 'kernel', flags: '=', evr: '6.6-1' }], { installed: inst, multiversion: ['kernel'] });
  assert.equal(multi.install, ['kernel-0:6.6-1.x86_64']);
  assert.equal(multi.erase, []);
  const single = solve(u, [{ kind: 'install', name: 'kernel', flags: '=', evr: '6.6-1' }], { installed: inst });
  assert.equal(single.erase, ['kernel-0:6.1-1.x86_64']);
});

t('erase takes what depends on the erased package along, and nothing else', () => {
  const u: Parameters<typeof solve>[0] = [['lib-1-1.x86_64'], ['app-1-1.x86_64', { requires: ['lib'] }], ['other-1-1.x86_64']];
  const r = solve(u, [{ kind: 'erase', name: 'lib' }], { installed: u });
  assert.equal(r.erase, ['app-0:1-1.x86_64', 'lib-0:1-1.x86_64']);
  assert.equal(r.install, []);
});

t('upgrade moves one name to its newest installable build; upgrade-all moves all', () => {
  const u: Parameters<typeof solve>[0] = [
    ['a-1-1.noarch'], ['a-2-1.noarch'], ['a-3-1.noarch', { requires: ['missing'] }],
    ['b-1-1.noarch'], ['b-2-1.noarch'],
  ];
  const inst: Parameters<typeof solve>[0] = [['a-1-1.noarch'], ['b-1-1.noarch']];
  const one = solve(u, [{ kind: 'upgrade', name: 'a' }], { installed: inst });
  assert.equal(one.install, ['a-0:2-1.noarch']);
  assert.equal(one.erase, ['a-0:1-1.noarch']);
  const all = solve(u, [{ kind: 'upgradeAll' }], { installed: inst });
  assert.equal(all.install, ['a-0:2-1.noarch', 'b-0:2-1.noarch']);
  const none = solve(u, install('b'), { installed: inst });
  assert.equal(none.install, [], 'an installed name satisfies install without upgrading');
});

t('install never removes installed packages except by replacing them', () => {
  const u: Parameters<typeof solve>[0] = [['new-1-1.noarch', { conflicts: ['old'] }], ['old-1-1.noarch']];
  const r = solve(u, install('new'), { installed: [['old-1-1.noarch']] });
  assert.not.ok(r.ok);
  golden('conflict-with-installed', r.problem);
});

t('fewest packages: an already chosen provider is reused', () => {
  const u: Parameters<typeof solve>[0] = [
    ['top-1-1.noarch', { requires: ['cap', 'big'] }],
    ['big-1-1.noarch', { provides: ['cap'] }],
    ['aaa-1-1.noarch', { provides: ['cap'] }],
  ];
  assert.equal(solve(u, install('top')).install.length, 2);
});

t('install order: requirements first, pre-requirements win inside cycles', () => {
  const u: Parameters<typeof solve>[0] = [
    ['app-1-1.noarch', { requires: ['lib'], prereqs: ['shell'] }],
    ['lib-1-1.noarch', { requires: ['app'] }],
    ['shell-1-1.noarch', { requires: ['base'] }],
    ['base-1-1.noarch'],
  ];
  const r = solve(u, install('app'));
  assert.equal(r.order.slice(0, 2), ['base-0:1-1.noarch', 'shell-0:1-1.noarch']);
  const cyc = solve([
    ['x-1-1.noarch', { prereqs: ['y'] }], ['y-1-1.noarch', { requires: ['x'] }],
  ], install('x'));
  assert.equal(cyc.order, ['y-0:1-1.noarch', 'x-0:1-1.noarch']);
});

t('constraint generators add rules and are named in failures', () => {
  const u: Parameters<typeof solve>[0] = [['glibc-2.36-1.x86_64'], ['glibc-2.38-1.x86_64'], ['app-1-1.x86_64', { requires: ['glibc >= 2.38'] }]];
  const ok = solve(u, install('glibc'), { constraints: [exactBuild('sync:core-os', 0, 'update the parent image first')] });
  assert.equal(ok.install, ['glibc-0:2.36-1.x86_64']);
  const bad = solve(u, install('app'), { constraints: [exactBuild('sync:core-os', 0, 'update the parent image first')] });
  assert.not.ok(bad.ok);
  golden('policy-exact-build', bad.problem);
});

t('equalSet pulls the parent\'s builds in and keeps other builds out', () => {
  const u: Parameters<typeof solve>[0] = [['base-1-1.noarch'], ['base-2-1.noarch'], ['tool-1-1.noarch', { requires: ['base'] }], ['new-1-1.noarch', { requires: ['base >= 2'] }]];
  const r = solve(u, install('tool'), { constraints: [equalSet('mirror:minimal', [0])] });
  assert.equal(r.install, ['base-0:1-1.noarch', 'tool-0:1-1.noarch']);
  const bad = solve(u, install('new'), { constraints: [equalSet('mirror:minimal', [0], 'the parent runs base-1')] });
  assert.not.ok(bad.ok);
  assert.match(bad.problem, /mirror:minimal: base must be exactly base-1-1.noarch, not base-2-1.noarch \(hint: the parent runs base-1\)/);
});

t('explanations: nothing provides, with the chain from the job', () => {
  const r = solve([
    ['web-1-1.noarch', { requires: ['php >= 8'] }],
    ['php-8.2-1.x86_64', { requires: ['libssl.so.3'] }],
    ['php-7.4-1.x86_64'],
    ['openssl-libs-1.1-1.x86_64', { provides: ['libssl.so.1.1'] }],
  ], install('web'));
  assert.not.ok(r.ok);
  golden('nothing-provides-chain', r.problem);
});

t('explanations: conflict between two requirements', () => {
  const r = solve([
    ['a-1-1.noarch', { requires: ['b', 'c'] }],
    ['b-1-1.noarch', { conflicts: ['c < 2'] }],
    ['c-1-1.noarch'],
  ], install('a'));
  assert.not.ok(r.ok);
  golden('conflict-chain', r.problem);
});

t('explanations: two builds of one name demanded', () => {
  const r = solve([
    ['a-1-1.noarch', { requires: ['lib = 1'] }],
    ['b-1-1.noarch', { requires: ['lib = 2'] }],
    ['lib-1-1.noarch'], ['lib-2-1.noarch'],
  ], install('a', 'b'));
  assert.not.ok(r.ok);
  golden('same-name', r.problem);
});

t('independent failures are each reported', () => {
  const u: Parameters<typeof solve>[0] = [['ok-1-1.noarch'], ['bad1-1-1.noarch', { requires: ['gone1'] }], ['bad2-1-1.noarch', { requires: ['gone2'] }]];
  const pool = solve(u, install('ok')).pool;
  const res = resolve(pool, { jobs: install('bad1', 'ok', 'bad2') });
  assert.not.ok(res.ok);
  if (!res.ok) {
    assert.is(res.problems.length, 2);
    assert.match(renderProblem(pool, res.problems[0]), /bad1-1-1.noarch requires gone1/);
    assert.match(renderProblem(pool, res.problems[1]), /bad2-1-1.noarch requires gone2/);
  }
});

t('explanations: obsoletes and missing job names', () => {
  const r = solve([['n-2-1.noarch', { obsoletes: ['o'] }], ['o-1-1.noarch']], install('n', 'o'));
  golden('obsoletes', r.problem);
  const missing = solve([['n-2-1.noarch']], install('nosuch'));
  golden('no-package', missing.problem);
  const rich = solve([['r-1-1.noarch', { requires: ['(x or y)'] }]], install('r'));
  golden('rich-unmet', rich.problem);
});

t.run();
