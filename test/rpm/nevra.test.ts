/**
 * NEVRA and EVR text has one owner per spelling (src/rpm/nevra.ts). Where two functions
 * of the same name used to disagree, each now has a name that says what it does, and
 * these tests pin where the contracts differ: rpm's EVR split against createrepo_c's,
 * rpm's NEVRA parse against the resolver's record NEVRA, the epoch-when-stated spellings
 * against the epoch-always ones. The rpm-facing spellings are checked against rpm itself.
 */
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { recordNevra } from '../../src/resolver/memory-source.js';
import {
  displayNevra, formatEvr, formatEvrWithEpoch, formatNevra, formatNevraParts, formatNevraWithEpoch, formatNvra, nevraKey, parseNevra, splitEvr,
} from '../../src/rpm/nevra.js';
import { packageMeta } from '../../src/rpm/package-meta.js';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import { crStrToEvr } from '../../src/rpmmd/write/evr-split.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { testWith } from '../helpers/tools.js';

const t = suite('NEVRA and EVR text');

const noEpoch = { name: 'bash', epoch: null, version: '5.2', release: 'alt1', arch: 'x86_64' };
const zero = { ...noEpoch, epoch: 0 };
const two = { ...noEpoch, epoch: 2 };

t('the NEVRA spellings: epoch when stated, when not 0, never, always', () => {
  assert.equal([noEpoch, zero, two].map(formatNevra), ['bash-5.2-alt1.x86_64', 'bash-0:5.2-alt1.x86_64', 'bash-2:5.2-alt1.x86_64']);
  assert.equal([noEpoch, zero, two].map(displayNevra), ['bash-5.2-alt1.x86_64', 'bash-5.2-alt1.x86_64', 'bash-2:5.2-alt1.x86_64']);
  assert.equal([noEpoch, zero, two].map(formatNvra), ['bash-5.2-alt1.x86_64', 'bash-5.2-alt1.x86_64', 'bash-5.2-alt1.x86_64']);
  assert.equal([noEpoch, zero, two].map(formatNevraWithEpoch), ['bash-0:5.2-alt1.x86_64', 'bash-0:5.2-alt1.x86_64', 'bash-2:5.2-alt1.x86_64']);
  assert.is(nevraKey(noEpoch), nevraKey(zero), 'no epoch and epoch 0 are one key');
});

t('the EVR spellings: formatEvr writes what is stated, formatEvrWithEpoch always an epoch', () => {
  assert.is(formatEvr({ epoch: null, version: '1.0', release: null }), '1.0');
  assert.is(formatEvr({ epoch: 0, version: '1.0', release: 'alt1' }), '0:1.0-alt1');
  assert.is(formatEvr({ epoch: '007', version: '1.0', release: '' }), '007:1.0-', 'a text epoch (rpm-md) and an empty release are written as given');
  assert.is(formatEvrWithEpoch({ epoch: null, version: '1.0', release: 'alt1' }), '0:1.0-alt1');
  assert.is(formatEvrWithEpoch({ epoch: 3, version: '1.0', release: 'alt1' }), '3:1.0-alt1');
  for (const b of [noEpoch, zero, two]) assert.is(formatNevra(b), `${b.name}-${formatEvr(b)}.${b.arch}`, 'formatNevra is name-formatEvr.arch');
});

t("formatNevraParts joins the parts a header has, as rpm's tag extensions do", () => {
  assert.is(formatNevraParts({ epoch: 1, version: '2.0', release: 'alt1' }), '1:2.0-alt1');
  assert.is(formatNevraParts({ epoch: 1n, version: '2.0', release: 'alt1' }), '1:2.0-alt1', 'a 64-bit tag value');
  assert.is(formatNevraParts({ name: 'foo', version: '2.0', arch: 'noarch' }), 'foo-2.0-.noarch', 'no release: the version keeps its dash');
  assert.is(formatNevraParts({ release: 'alt1' }), 'alt1');
  assert.is(formatNevraParts({}), '');
});

t("rpm's EVR split (splitEvr) and createrepo_c's (crStrToEvr) differ where rpm-md needs them to", () => {
  const both = (text: string): [unknown, unknown] => [splitEvr(text), crStrToEvr(text)];
  assert.equal(both('1-2-3'), [{ epoch: null, version: '1-2', release: '3' }, { epoch: '0', version: '1', release: '2-3', bad: false }], 'rpm: the last dash; createrepo_c: the first');
  assert.equal(both('abc:1'), [{ epoch: null, version: 'abc:1', release: null }, { epoch: null, version: '1', release: null, bad: true }], 'a non-numeric epoch: part of the version to rpm, dropped by createrepo_c');
  assert.equal(both('1.0-'), [{ epoch: null, version: '1.0', release: '' }, { epoch: '0', version: '1.0', release: null, bad: false }], 'an empty release');
  assert.equal(both('2:1.0-alt1'), [{ epoch: '2', version: '1.0', release: 'alt1' }, { epoch: '2', version: '1.0', release: 'alt1', bad: false }], 'and agree on the ordinary');
});

t("parseNevra (null when not one, the epoch as stated) and the resolver's recordNevra (typed error, epoch 0, blanks ignored)", () => {
  assert.equal(parseNevra('foo-1.0-1.noarch'), { name: 'foo', epoch: null, version: '1.0', release: '1', arch: 'noarch' });
  assert.equal(recordNevra('foo-1.0-1.noarch'), { name: 'foo', epoch: 0, version: '1.0', release: '1', arch: 'noarch' });
  assert.equal(recordNevra('  foo-2:1.0-1.noarch\n'), { name: 'foo', epoch: 2, version: '1.0', release: '1', arch: 'noarch' });
  assert.is(parseNevra(' foo-1.0-1.noarch ')?.arch, 'noarch ', 'parseNevra reads the text as given');
  assert.is(parseNevra('foo'), null);
  try {
    recordNevra('foo');
    assert.unreachable('recordNevra refuses what is not a NEVRA');
  } catch (err) {
    assert.instance(err, BazaarError);
    assert.is((err as BazaarError).code, 'ERR_BAD_INPUT');
  }
});

testWith(t, "every sample package: formatNevra, formatNvra and formatEvr spell it as rpm's %{NEVRA}, %{NVRA} and %{EVR}", ['rpm'], async () => {
  const files = sampleRpms().filter((f) => !f.endsWith('.src.rpm'));
  const rpm = spawnSync('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', '%{NEVRA} %{NVRA} %{EVR}\\n', ...files], { encoding: 'utf8' });
  assert.is(rpm.status, 0, rpm.stderr);
  const ours: string[] = [];
  for (const file of files) {
    const m = packageMeta((await readRpmFile(file)).header, file);
    ours.push(`${formatNevra(m)} ${formatNvra(m)} ${formatEvr(m)}`);
  }
  assert.equal(ours, rpm.stdout.trimEnd().split('\n'));
  assert.ok(ours.some((l) => /^\S+-\d+:/.test(l)), 'the sample has a package with an epoch');
});

t.run();
