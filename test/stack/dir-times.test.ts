/**
 * Directories no package owns (/usr under a layer of webapp-doc alone) get the newest
 * time below them in checkouts and exports: not 1970, and not the time of the run, so an
 * export stays byte for byte the same.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { run } from '../helpers/layer-fixtures.js';
import { testWith } from '../helpers/tools.js';

const t = suite('unowned directory times');

function image(): string {
  const dir = freshStore('dir-times');
  const ok = (args: string[]): string => { const r = bazaar([...args, '--store', dir]); assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`); return r.stdout; };
  ok(['add', sampleRpms().find((f) => f.endsWith('/webapp-doc-2.4.1-alt1.noarch.rpm')) as string]);
  ok(['layer', 'create', 'docs@1.0.0', '--package', 'webapp-doc']);
  ok(['image', 'create', 'd@1.0.0', '--layer', 'docs@^1.0']);
  return dir;
}

t('a checkout gives /usr, /usr/share and /usr/share/doc the newest time below them', () => {
  const dir = image();
  const out = join(tempDir('dir-times-co'), 'root');
  assert.is(bazaar(['image', 'checkout', 'd', out, '--store', dir]).status, 0);
  const guide = lstatSync(join(out, 'usr/share/doc/webapp-doc-2.4.1/guide.html')).mtimeMs;
  const owned = lstatSync(join(out, 'usr/share/doc/webapp-doc-2.4.1')).mtimeMs;
  for (const d of ['usr', 'usr/share', 'usr/share/doc']) {
    const m = lstatSync(join(out, d)).mtimeMs;
    assert.ok(m > 0, `${d} is not 1970`);
    assert.is(m, Math.max(guide, owned, lstatSync(join(out, 'usr/share/doc/webapp-doc-2.4.1/guide.txt')).mtimeMs), `${d}: the newest time below it`);
  }
});

testWith(t, 'a tar.zst export carries the same times and is the same bytes each time', ['tar', 'zstd'], () => {
  const dir = image();
  const a = join(tempDir('dir-times-a'), 'd.tar.zst');
  const b = join(tempDir('dir-times-b'), 'd.tar.zst');
  assert.is(bazaar(['image', 'export', 'd', a, '--store', dir]).status, 0);
  assert.is(bazaar(['image', 'export', 'd', b, '--store', dir]).status, 0);
  assert.equal(readFileSync(a), readFileSync(b), 'deterministic');
  const listing = run('tar', ['--zstd', '--full-time', '-tvf', a]).toString();
  const usr = listing.split('\n').find((l) => / usr\/$/.test(l)) as string;
  assert.ok(usr, listing);
  assert.not.match(usr, ' 1970-01-01 ');
});

t.run();
