/** rule-retention (the pure part): which states of a history the window keeps; channel names. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isBazaarError } from '../../src/errors.js';
import { checkChannelName } from '../../src/policy/channel-name.js';
import { DEFAULT_RETENTION_DAYS, checkRetentionDays, retainedStates } from '../../src/policy/retention.js';
import { sortNewestFirst } from '../../src/policy/versioning.js';
import type { Build } from '../../src/policy/versioning.js';

const t = suite('retention');
const DAY = 86_400;
const NOW = 1_800_000_000;
// Newest first: c3 (head, 1 day ago) replaced c2 (40 days ago), which replaced c1 (100 days ago).
const history = [{ oid: 'c3', timestamp: NOW - DAY }, { oid: 'c2', timestamp: NOW - 40 * DAY }, { oid: 'c1', timestamp: NOW - 100 * DAY }];

t('rule-retention: the head always, older states while the commit that replaced them is inside the window', () => {
  const at = (days: number): string[] => retainedStates(history, { retentionDays: days, now: NOW * 1000 });
  assert.equal(at(0), ['c3'], 'a window of 0 keeps the current state only');
  assert.equal(at(30), ['c3', 'c2'], 'c2 was current until a day ago');
  assert.equal(at(50), ['c3', 'c2', 'c1'], 'c1 was current until 40 days ago');
  assert.equal(at(39), ['c3', 'c2'], 'c1 was replaced 40 days ago: outside a 39-day window');
  assert.equal(retainedStates([{ oid: 'only', timestamp: 0 }], { retentionDays: 0, now: NOW * 1000 }), ['only'], 'an old head is still the head');
  assert.equal(retainedStates([], { retentionDays: 5, now: NOW * 1000 }), []);
  assert.is(DEFAULT_RETENTION_DAYS, 180);
});

t('rule-retention: a window is a whole number of days >= 0', () => {
  assert.is(checkRetentionDays(0), 0);
  for (const bad of [-1, 1.5, '30', null]) {
    assert.throws(() => checkRetentionDays(bad), (e: unknown) => isBazaarError(e, 'ERR_BAD_INPUT'), String(bad));
  }
});

t('rule-channels: channel names are plain and git-safe', () => {
  for (const ok of ['sisyphus', 'p11', 'c10f1', 'sample.x86_64', 'a+b', 'A-1']) assert.is(checkChannelName(ok), ok);
  for (const bad of ['', '.hidden', '-x', 'a/b', 'a..b', 'x.lock', 'a b', 'ä', 'x'.repeat(101)]) {
    assert.throws(() => checkChannelName(bad), (e: unknown) => isBazaarError(e, 'ERR_CHANNEL'), JSON.stringify(bad));
  }
});

t('rule-coexistence: sortNewestFirst lists every build, by name then newest first then arch', () => {
  const b = (name: string, version: string, release: string, arch = 'x86_64', extra: Partial<Build> = {}): Build =>
    ({ name, epoch: null, version, release, arch, id: `sha256:${name}${version}${release}${arch}`, ...extra });
  const got = sortNewestFirst([b('zlib', '1.3', 'alt1', 'i586'), b('openssl', '1.1.1w', 'alt1'), b('zlib', '1.3', 'alt1'), b('openssl', '3.1.4', 'alt1'), b('bash', '5.2', 'alt1.qa1'), b('bash', '5.2', 'alt1.1')]);
  assert.equal(got.map((x) => `${x.name}-${x.version}-${x.release}.${x.arch}`), [
    'bash-5.2-alt1.1.x86_64', 'bash-5.2-alt1.qa1.x86_64', 'openssl-3.1.4-alt1.x86_64', 'openssl-1.1.1w-alt1.x86_64', 'zlib-1.3-alt1.i586', 'zlib-1.3-alt1.x86_64',
  ]);
  const alt = sortNewestFirst([b('bash', '5.2', 'alt1.1'), b('bash', '5.2', 'alt1.qa1')], { order: 'alt' });
  assert.equal(alt.map((x) => x.release), ['alt1.qa1', 'alt1.1'], 'ALT order: the letter segment wins');
});

t.run();
