/**
 * Revision syntax (src/policy/revision.ts), read in one place for channel and image
 * history: the grammar's good and bad forms, huge and negative counts, trailing text,
 * and the history lookups that use it (a channel's state, an image's state, a
 * cherry-picked commit) refusing what it refuses.
 */
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cherryPick, diffImage } from '../../src/api/image-history.js';
import { BazaarError } from '../../src/errors.js';
import { commitsNamed, parseRevision, readRevision } from '../../src/policy/revision.js';
import { resolveChannelRev } from '../../src/store/channel-history.js';
import { createChannel } from '../../src/store/channels.js';
import { Store } from '../../src/store/store.js';
import { bazaar, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('revision syntax');

const HEX40 = '0123456789abcdef0123456789abcdef01234567';

t('good forms: HEAD, HEAD~N (leading zeros, the largest safe N), commit prefixes of 4 to 40 hex digits', () => {
  assert.equal(parseRevision('HEAD'), { kind: 'head', back: 0 });
  assert.equal(parseRevision('HEAD~0'), { kind: 'head', back: 0 });
  assert.equal(parseRevision('HEAD~1'), { kind: 'head', back: 1 });
  assert.equal(parseRevision('HEAD~007'), { kind: 'head', back: 7 });
  assert.equal(parseRevision(`HEAD~${Number.MAX_SAFE_INTEGER}`), { kind: 'head', back: Number.MAX_SAFE_INTEGER });
  assert.equal(parseRevision('3f2a'), { kind: 'commit', prefix: '3f2a' });
  assert.equal(parseRevision(HEX40), { kind: 'commit', prefix: HEX40 });
  assert.equal(parseRevision('1234'), { kind: 'commit', prefix: '1234' }, 'all digits is a prefix too');
});

t('bad forms: typed ERR_VERSION naming the text, and readRevision gives null', () => {
  const bad = ['', 'HEAD~', 'HEAD~-1', 'HEAD~+1', 'HEAD~1.5', 'HEAD~1x', 'HEAD~1 ', ' HEAD', 'HEAD\n', 'HEAD~1\n', 'head', 'HEAD^', 'HEAD^1', 'HEAD~~1', 'HEAD@{1}', '@{1}',
    'abc', '3F2A', '3f2g', `${HEX40}8`, '3f2a~1', 'web:3f2a', '-1', '~1', '\u0000', 'H'.repeat(10_000)];
  for (const text of bad) {
    assert.is(readRevision(text), null, JSON.stringify(text));
    try {
      parseRevision(text);
      assert.unreachable(`${JSON.stringify(text)} was read as a revision`);
    } catch (err) {
      assert.instance(err, BazaarError, JSON.stringify(text));
      assert.is((err as BazaarError).code, 'ERR_VERSION');
      assert.equal((err as BazaarError).data, { rev: text });
      assert.match((err as BazaarError).message, 'is not a revision: give HEAD, HEAD~N (N states back) or a commit id (4 to 40 hex digits)');
    }
  }
});

t('a count past 2^53 is refused, never rounded to some other state', () => {
  for (const n of ['9007199254740992', '99999999999999999999', '9'.repeat(400)]) {
    assert.is(readRevision(`HEAD~${n}`), null, n);
    try {
      parseRevision(`HEAD~${n}`);
      assert.unreachable(n);
    } catch (err) {
      assert.is((err as BazaarError).code, 'ERR_VERSION');
      assert.match((err as BazaarError).message, 'goes back further than any history');
    }
  }
});

t('commitsNamed: HEAD~N the N-th back (none past the first commit), a prefix every commit it starts', () => {
  const log = [{ oid: `aaaa${'1'.repeat(36)}` }, { oid: `aaab${'2'.repeat(36)}` }, { oid: `bbbb${'3'.repeat(36)}` }];
  assert.equal(commitsNamed(log, { kind: 'head', back: 0 }), [log[0]]);
  assert.equal(commitsNamed(log, { kind: 'head', back: 2 }), [log[2]]);
  assert.equal(commitsNamed(log, { kind: 'head', back: 3 }), []);
  assert.equal(commitsNamed(log, { kind: 'head', back: Number.MAX_SAFE_INTEGER }), []);
  assert.equal(commitsNamed(log, { kind: 'commit', prefix: 'aaa' }), [log[0], log[1]], 'ambiguous: both, the caller refuses');
  assert.equal(commitsNamed(log, { kind: 'commit', prefix: 'bbbb' }), [log[2]]);
  assert.equal(commitsNamed(log, { kind: 'commit', prefix: 'cccc' }), []);
});

t("channel history: HEAD~N one past the first commit is the empty state; every bad form is the channel's refusal", async () => {
  const dir = join(tempDir('revision-channel'), 'store');
  const store = await Store.init(dir);
  await createChannel(store, 'c');
  const [head] = await store.read((view) => view.log('channels/c'));
  await store.read(async (view) => {
    assert.is(await resolveChannelRev(view, 'c', 'HEAD'), head.oid);
    assert.is(await resolveChannelRev(view, 'c', head.oid.slice(0, 4)), head.oid);
    assert.is(await resolveChannelRev(view, 'c', 'HEAD~1'), null, 'before the channel existed');
    for (const rev of ['HEAD~2', 'HEAD~99999999999999999999', 'HEAD~-1', 'HEAD~1x', head.oid.slice(0, 3), head.oid.toUpperCase()]) {
      await resolveChannelRev(view, 'c', rev).then(() => assert.unreachable(rev), (err: BazaarError) => {
        assert.is(err.code, 'ERR_CHANNEL', rev);
        assert.match(err.message, `'${rev}' is not a state of channel c (1 commits)`);
      });
    }
  });
});

t('image history: diff and cherry-pick read the same grammar (a 3-digit or empty prefix names no commit)', async () => {
  const dir = join(tempDir('revision-image'), 'store');
  const files = sampleRpms().filter((f) => /\/filesystem-2/.test(f) && !f.endsWith('.src.rpm'));
  for (const args of [['init'], ['add', ...files], ['layer', 'create', 'base@1.0.0', '--nodeps', '--package', 'filesystem'], ['image', 'create', 'web@1.0.0', '--nodeps', '--layer', 'base@1']]) {
    const r = bazaar([...args, '--store', dir]);
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  const store = await Store.open(dir);
  const [head] = await store.read((view) => view.log('images/web'));
  await store.read(async (view) => {
    assert.equal((await diffImage(store, view, 'web', 'HEAD', head.oid.slice(0, 4))).added, [], 'HEAD and its commit by a 4-digit prefix are one state');
    for (const rev of ['HEAD~1', 'HEAD~99999999999999999999', 'HEAD~-1', 'HEAD~0x', head.oid.slice(0, 3)]) {
      await diffImage(store, view, 'web', rev, 'HEAD').then(() => assert.unreachable(rev), (err: BazaarError) => {
        assert.is(err.code, 'ERR_IMAGE', rev);
        assert.match(err.message, `'${rev}' is not a version (1.0.0), HEAD~N or commit of image web`);
      });
    }
  });
  for (const ref of ['web:', `web:${head.oid.slice(0, 3)}`, 'web:HEAD~-1', 'web:HEAD~99999999999999999999']) {
    await cherryPick(store, 'web', ref).then(() => assert.unreachable(ref), (err: BazaarError) => {
      assert.is(err.code, 'ERR_IMAGE', ref);
      assert.match(err.message, `no image commit '${ref}'`);
    });
  }
});

t.run();
