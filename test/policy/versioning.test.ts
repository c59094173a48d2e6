/** rule-identity, rule-upgrade-newest, rule-no-silent-downgrade, rule-obsoletes. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isBazaarError } from '../../src/errors.js';
import { parseEvr } from '../../src/rpm/nevra.js';
import { checkPublishIdentity, checkUpgrade, compareBuilds, newestBuild, obsoletesBuild } from '../../src/policy/versioning.js';
import type { Build } from '../../src/policy/versioning.js';

const t = suite('versioning');

function b(nevr: string, id = 'sha256:aa', extra: Partial<Build> = {}): Build {
  const m = /^(.+?)-((?:\d+:)?[^-]+-[^-]+)$/.exec(nevr);
  if (!m) throw new Error(nevr);
  const evr = parseEvr(m[2] as string);
  return { name: m[1] as string, epoch: evr.epoch, version: evr.version, release: evr.release as string, arch: 'x86_64', id, ...extra };
}

t('rule-identity: same NEVRA and content is idempotent, other content is refused naming both ids', () => {
  const existing = [b('bash-5.2-alt1', 'sha256:1111')];
  assert.is(checkPublishIdentity({ incoming: b('bash-5.2-alt1', 'sha256:1111'), existing }), 'idempotent');
  assert.is(checkPublishIdentity({ incoming: b('bash-5.2-alt2', 'sha256:2222'), existing }), 'new');
  let caught: unknown;
  try { checkPublishIdentity({ incoming: b('bash-5.2-alt1', 'sha256:3333'), existing }); } catch (err) { caught = err; }
  assert.ok(isBazaarError(caught, 'ERR_NEVRA_CONFLICT'));
  assert.match((caught as Error).message, 'sha256:1111');
  assert.match((caught as Error).message, 'sha256:3333');
  assert.match((caught as Error).message, 'bash-5.2-alt1.x86_64');
  assert.throws(() => checkPublishIdentity({ incoming: b('bash-0:5.2-alt1', 'sha256:4444'), existing }),
    (e: unknown) => isBazaarError(e, 'ERR_NEVRA_CONFLICT'), 'epoch 0 is the same identity as no epoch');
  assert.is(checkPublishIdentity({ incoming: b('bash-5.2-alt1', 'sha256:5555', { arch: 'aarch64' }), existing }), 'new', 'arch is part of the NEVRA');
});

t('rule-upgrade-newest: the newest build by the channel order; ties keep the first added', () => {
  const builds = [b('foo-1.0-alt1', 'a'), b('foo-1.0-alt1.1', 'b'), b('foo-1.0-alt0.p10.1', 'c')];
  assert.is(newestBuild(builds)?.id, 'b');
  assert.is(newestBuild([]), undefined);
  const qa = [b('foo-1.0-alt1.1', 'nmu'), b('foo-1.0-alt1.qa1', 'qa')];
  assert.is(newestBuild(qa)?.id, 'nmu', 'upstream: the number is newer');
  assert.is(newestBuild(qa, { order: 'alt' })?.id, 'qa', 'ALT: the letters are newer');
  const twins = [b('foo-1.0-alt1', 'first', { disttag: 'p10+1.1', buildtime: 5 }), b('foo-1.0-alt1', 'second', { disttag: 'p10+2.1', buildtime: 5 })];
  assert.is(newestBuild(twins, { order: 'alt' })?.id, 'first');
  assert.is(compareBuilds(twins[0] as Build, b('foo-1.0-alt1', 'x', { disttag: 'sisyphus+1.1', buildtime: 1 }), { order: 'alt' }), -1);
});

t('rule-no-silent-downgrade: older is refused unless asked, equal is a no-op', () => {
  const installed = b('foo-1.0-alt2');
  assert.is(checkUpgrade({ installed, candidate: b('foo-1.0-alt3') }), 'upgrade');
  assert.is(checkUpgrade({ installed, candidate: b('foo-0:1.0-alt2') }), 'same');
  assert.throws(() => checkUpgrade({ installed, candidate: b('foo-1.0-alt1') }),
    (e: unknown) => isBazaarError(e, 'ERR_POLICY_VIOLATION') && /foo-1.0-alt1.x86_64 is older than the installed foo-1.0-alt2.x86_64/.test((e as Error).message));
  assert.is(checkUpgrade({ installed, candidate: b('foo-1.0-alt1'), allowDowngrade: true }), 'downgrade');
});

t('rule-epoch-bump: a higher epoch outranks every version, in both orders', () => {
  const installed = b('foo-2.0-alt5');
  assert.is(checkUpgrade({ installed, candidate: b('foo-1:0.1-alt1') }), 'upgrade');
  assert.is(checkUpgrade({ installed, candidate: b('foo-1:0.1-alt1'), order: 'alt' }), 'upgrade');
  assert.is(newestBuild([b('foo-1:0.1-alt1', 'e'), b('foo-9.9-alt9', 'v')])?.id, 'e');
  assert.throws(() => checkUpgrade({ installed: b('foo-1:0.1-alt1'), candidate: b('foo-9.9-alt1') }),
    (e: unknown) => isBazaarError(e, 'ERR_POLICY_VIOLATION'), 'and dropping the epoch again is a downgrade');
});

t('rule-obsoletes: a versioned Obsoletes replaces the builds in its range only', () => {
  const old = b('foo-old-1.5-alt1');
  assert.ok(obsoletesBuild([{ name: 'foo-old', flags: '<', evr: '2.0' }], old));
  assert.not.ok(obsoletesBuild([{ name: 'foo-old', flags: '<', evr: '1.5' }], old), '1.5-alt1 is 1.5, not below it');
  assert.ok(obsoletesBuild([{ name: 'foo-old', flags: '<=', evr: '1.5' }], old));
  assert.ok(obsoletesBuild([{ name: 'foo-old', flags: '', evr: '' }], b('foo-old-9.0-alt1')), 'unversioned obsoletes everything');
  assert.not.ok(obsoletesBuild([{ name: 'foo', flags: '<', evr: '2.0' }], old), 'names must match');
  assert.not.ok(obsoletesBuild([{ name: 'foo-old', flags: '<', evr: '2.0' }], b('foo-old-1:1.0-alt1')), 'the epoch counts');
});

t.run();
