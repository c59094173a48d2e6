/** The pure linked-image rules: policy parsing, group membership, core-os closure, violations. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError, isBazaarError } from '../../src/errors.js';
import { withHint } from '../../src/cli/error-hints.js';
import { globMatch } from '../../src/policy/glob.js';
import { coreOsNames, groupMembership, linkViolations, parseLinkPolicy } from '../../src/linked/linked-image.js';
import type { PolicyPackage } from '../../src/linked/linked-image.js';
import type { Dependency } from '../../src/rpm/dependency.js';

const t = suite('linked-image policy');

const dep = (name: string, evr = ''): Dependency => ({ name, flags: evr ? '=' : '', evr });
const pkg = (nevra: string, o: { provides?: Dependency[]; requires?: Dependency[]; files?: string[]; build?: string } = {}): PolicyPackage => {
  const name = nevra.replace(/-[^-]+-[^-]+$/, '');
  return { name, nevra, build: o.build ?? `sha256:${nevra}`, provides: o.provides ?? [], requires: o.requires ?? [], files: o.files ?? [] };
};

t('parseLinkPolicy takes <sync|mirror|partial>:<group> and refuses anything else by name', () => {
  assert.equal(parseLinkPolicy('mirror:core-os'), { kind: 'mirror', group: 'core-os' });
  assert.equal(parseLinkPolicy('partial:web.stack'), { kind: 'partial', group: 'web.stack' });
  for (const bad of ['sync', 'copy:all', 'sync:', 'sync:-x', 'SYNC:all', 'sync:a b']) {
    try { parseLinkPolicy(bad); assert.unreachable(bad); } catch (e) {
      assert.ok(isBazaarError(e) && e.code === 'ERR_USAGE', bad);
      assert.match((e as Error).message, 'sync:minimal');
    }
  }
});

t('core-os is the incorporation and its requirements, transitively, by name, provide or file', () => {
  const parent = [
    pkg('core-os-11-1.noarch', { provides: [dep('bazaar(install-hold)', 'core-os')], requires: [dep('bash'), dep('rpmlib(PayloadIsZstd)'), dep('bazaar(parent)')] }),
    pkg('bash-5-1.x86_64', { requires: [dep('libc.so.6()(64bit)'), dep('/etc/profile')] }),
    pkg('libc6-2-1.x86_64', { provides: [dep('libc.so.6()(64bit)')] }),
    pkg('setup-2-1.noarch', { files: ['/etc/profile'] }),
    pkg('lighttpd-1-1.x86_64', { requires: [dep('libc.so.6()(64bit)')] }),
    pkg('tools-1-1.noarch', { provides: [dep('bazaar(install-hold)', 'devel')], requires: [dep('lighttpd')] }),
  ];
  assert.equal([...coreOsNames(parent)].sort(), ['bash', 'core-os', 'libc6', 'setup']);
  assert.is(coreOsNames(parent.slice(1)).size, 0, 'no incorporation, an empty group');
  const inCore = groupMembership('core-os', null, parent);
  assert.ok(inCore('bash'));
  assert.not.ok(inCore('lighttpd'));
});

t('a configured group matches names exactly and globs as fnmatch does; an unknown group is refused', () => {
  const inWeb = groupMembership('web', ['lighttpd', 'libssl*', 'kernel-image-?td-def', 'x[!0-9]'], []);
  assert.ok(inWeb('lighttpd'));
  assert.not.ok(inWeb('lighttpd-mod'), 'a plain name is not a prefix');
  assert.ok(inWeb('libssl3'));
  assert.ok(inWeb('kernel-image-std-def'));
  assert.ok(inWeb('xa'));
  assert.not.ok(inWeb('x1'));
  assert.ok(groupMembership('all', null, [])('anything'));
  assert.ok(globMatch('a\\*b', 'a*b'));
  assert.not.ok(globMatch('a\\*b', 'axb'));
  // the core says what is wrong; the CLI adds 'bazaar group set nosuch ...' (test/cli/error-hints.test.ts)
  assert.throws(() => groupMembership('nosuch', null, []), (e: unknown) => isBazaarError(e) && e.reason === 'no-group' && e.data.group === 'nosuch' && /^no group nosuch$/.test(e.message));
  assert.match(withHint(new BazaarError('ERR_USAGE', 'no group nosuch', { data: { group: 'nosuch' }, reason: 'no-group' })), /bazaar group set nosuch NAME\|GLOB/);
});

const bash1 = pkg('bash-5-1.x86_64');
const bash2 = pkg('bash-5-2.x86_64');
const grep = pkg('grep-3-1.x86_64');
const mine = pkg('mine-1-1.noarch');
const kinds = (policy: string, parent: PolicyPackage[], child: PolicyPackage[], inGroup: (n: string) => boolean = () => true): string[] =>
  linkViolations({ policy: parseLinkPolicy(policy), inGroup, parent, child, parentName: 'host' }).map((v) => `${v.kind}:${v.name}`);

t('sync: in the group, only what the parent has at its builds; outside the group, free', () => {
  assert.equal(kinds('sync:all', [bash2, grep], [bash2]), [], 'a subset is fine');
  assert.equal(kinds('sync:all', [bash2], [bash1, mine]), ['other-build:bash', 'not-in-parent:mine']);
  assert.equal(kinds('sync:g', [bash2], [bash1, mine], (n) => n === 'bash'), ['other-build:bash']);
  const sameNevraOtherBuild = pkg('bash-5-2.x86_64', { build: 'sha256:rebuilt' });
  assert.equal(kinds('sync:all', [bash2], [sameNevraOtherBuild]), ['other-build:bash'], 'the same NEVRA is not the same build');
});

t('mirror: the group is exactly the parent\'s; partial: what both have is the same build, the rest is free', () => {
  assert.equal(kinds('mirror:all', [bash2, grep], [bash2]), ['missing:grep']);
  assert.equal(kinds('mirror:all', [bash2, grep], [bash1, grep]), ['other-build:bash'], 'another build is reported once, not also as missing');
  const k60 = pkg('kernel-6.6-60.x86_64'), k63 = pkg('kernel-6.6-63.x86_64');
  assert.equal(kinds('mirror:all', [k60, k63], [k60]), ['missing:kernel'], 'an install-only package: each of the parent\'s builds is wanted');
  assert.equal(kinds('mirror:all', [k60, k63], [k60, k63]), []);
  assert.equal(kinds('partial:all', [bash2, grep], [mine]), [], 'partial: the child need not hold the parent\'s packages and may have its own');
  assert.equal(kinds('partial:all', [bash2], [bash1]), ['other-build:bash']);
});

t('bazaar(parent): a child may hold such a package only at a build the parent has, under every policy', () => {
  const agent1 = pkg('agent-1-1.noarch', { requires: [dep('bazaar(parent)')] });
  const agent2 = pkg('agent-1-2.noarch', { requires: [dep('bazaar(parent)')] });
  for (const policy of ['sync:g', 'mirror:g', 'partial:g']) {
    assert.equal(kinds(policy, [agent1], [agent1], () => false), [], policy);
    assert.equal(kinds(policy, [agent1], [agent2], () => false), ['parent-dependency:agent'], policy);
    assert.equal(kinds(policy, [], [agent1], () => false), ['parent-dependency:agent'], policy);
  }
});

t.run();
