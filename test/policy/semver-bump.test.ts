/** rule-layer-semver and rule-layer-bump: what a layer version bump must be. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isBazaarError } from '../../src/errors.js';
import { parseLayerRef, pickLayerVersion } from '../../src/layer/layer-ref.js';
import { actualBump, checkLayerVersion, isSoname, requiredBump } from '../../src/layer/semver-bump.js';
import type { Dependency } from '../../src/rpm/dependency.js';

const t = suite('semver-bump');

const p = (name: string, evr = ''): Dependency => ({ name, flags: evr === '' ? '' : '=', evr });

t('rule-layer-bump: a dropped soname or capability needs a major', () => {
  const r = requiredBump({ previous: [p('libfoo.so.1()(64bit)'), p('foo')], next: [p('libfoo.so.2()(64bit)'), p('foo')] });
  assert.is(r.bump, 'major');
  assert.equal(r.reasons[0], { kind: 'dropped', name: 'libfoo.so.1()(64bit)', soname: true });
  assert.equal(r.reasons[1], { kind: 'added', name: 'libfoo.so.2()(64bit)', soname: true });
  assert.is(requiredBump({ previous: [p('foo'), p('bar')], next: [p('foo')] }).bump, 'major');
});

t('rule-layer-bump: versioned provides: down is major, up is minor, same is patch', () => {
  assert.is(requiredBump({ previous: [p('foo', '1.3-alt1')], next: [p('foo', '1.2-alt1')] }).bump, 'major');
  assert.is(requiredBump({ previous: [p('foo', '1.2-alt1')], next: [p('foo', '1.3-alt1')] }).bump, 'minor');
  assert.is(requiredBump({ previous: [p('foo', '1:1.0-alt1')], next: [p('foo', '2.0-alt1')] }).bump, 'major', 'epochs count');
  assert.is(requiredBump({ previous: [p('foo', '1.2-alt1')], next: [p('foo', '1.2-alt1')] }).bump, 'patch');
  assert.is(requiredBump({ previous: [p('foo')], next: [p('foo', '1.0')] }).bump, 'major', 'became versioned');
  assert.is(requiredBump({ previous: [p('foo', '1.0')], next: [p('foo')] }).bump, 'patch', 'became unversioned');
  assert.is(requiredBump({ previous: [], next: [] }).bump, 'patch');
  assert.is(requiredBump({ previous: [], next: [p('foo')] }).bump, 'minor');
});

t('rule-layer-semver: the bump a version change makes, read as caret ranges read it', () => {
  assert.is(actualBump('1.4.2', '2.0.0'), 'major');
  assert.is(actualBump('1.4.2', '1.5.0'), 'minor');
  assert.is(actualBump('1.4.2', '1.4.3'), 'patch');
  assert.is(actualBump('1.4.2', '1.4.2'), null);
  assert.is(actualBump('0.2.5', '0.3.0'), 'major');
  assert.throws(() => actualBump('1.4', '1.5.0'), (e: unknown) => isBazaarError(e, 'ERR_VERSION'));
});

t('rule-layer-bump: checkLayerVersion refuses a bump that is too small, naming what was lost', () => {
  const previousProvides = [p('libssl.so.1.1()(64bit)'), p('openssl', '1.1.1w-alt1')];
  const nextProvides = [p('libssl.so.3()(64bit)'), p('openssl', '3.1.4-alt1')];
  let caught: unknown;
  try {
    checkLayerVersion({ name: 'base', previous: '1.4.2', next: '1.5.0', previousProvides, nextProvides });
  } catch (err) { caught = err; }
  assert.ok(isBazaarError(caught, 'ERR_POLICY_VIOLATION'));
  const msg = (caught as Error).message;
  assert.match(msg, 'base');
  assert.match(msg, 'minor bump, but a major bump is required');
  assert.match(msg, 'libssl.so.1.1()(64bit) is no longer provided');
  const ok = checkLayerVersion({ name: 'base', previous: '1.4.2', next: '2.0.0', previousProvides, nextProvides });
  assert.is(ok.required, 'major');
  assert.is(ok.actual, 'major');
  assert.throws(() => checkLayerVersion({ name: 'base', previous: '1.4.2', next: '1.4.2', previousProvides, nextProvides: previousProvides }),
    (e: unknown) => isBazaarError(e, 'ERR_POLICY_VIOLATION') && /not later/.test((e as Error).message));
  assert.is(checkLayerVersion({ name: 'base', previous: '1.4.2', next: '1.4.3', previousProvides, nextProvides: previousProvides }).required, 'patch');
});

t('rule-layer-bump: sonames are recognised as rpm writes them', () => {
  for (const s of ['libz.so.1()(64bit)', 'libc.so.6(GLIBC_2.34)(64bit)', 'libfoo.so', 'ld-linux-x86-64.so.2()(64bit)']) assert.ok(isSoname(s), s);
  for (const s of ['bash', '/usr/lib64/libz.so.1', 'perl(Foo::Bar)', 'python3(so)']) assert.not.ok(isSoname(s), s);
});

t('rule-layer-semver: layer references parse, and malformed ones are refused', () => {
  assert.equal(parseLayerRef('base@^1.2'), { name: 'base', range: '^1.2' });
  assert.equal(parseLayerRef('webapp'), { name: 'webapp', range: '*' });
  assert.equal(parseLayerRef('base@>=1.2 <2'), { name: 'base', range: '>=1.2 <2' });
  for (const bad of ['Base@1.0.0', '@1.0.0', 'base@', 'base@banana', 'base@1.0.0@2']) {
    assert.throws(() => parseLayerRef(bad), (e: unknown) => isBazaarError(e, 'ERR_VERSION'), bad);
  }
  assert.is(pickLayerVersion(['1.2.0', 'not-semver', '1.3.0'], '^1.2'), '1.3.0', 'non-semver versions are ignored');
  assert.is(pickLayerVersion([], '*'), null);
});

t.run();
