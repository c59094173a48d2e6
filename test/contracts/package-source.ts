/**
 * The PackageSource contract (style.md rule 13): every implementation runs this suite
 * with a factory that gives a source holding the fixture universe below, however it
 * stores it (memory, rpm-md on disk, the universe cache, later the store's catalog).
 */
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PackageRecord, PackageSource } from '../../src/resolver/source.js';
import { formatNevraWithEpoch as formatNevra } from '../../src/rpm/nevra.js';
import { pkg } from '../../src/resolver/memory-source.js';
import { Pool } from '../../src/resolver/provides-index.js';
import { resolve } from '../../src/resolver/solve.js';

/** The universe every implementation must hold. */
export function fixture(): PackageRecord[] {
  return [
    pkg('app-1:2.0-1.x86_64', { requires: ['lib >= 2', '(gui or tui)', '/usr/bin/sh'], prereqs: ['setup'], conflicts: ['oldapp'], obsoletes: ['app-legacy < 2'] }),
    pkg('lib-2.1-3.x86_64', { provides: ['libfoo.so.2()(64bit)'] }),
    pkg('lib-1.0-1.i686'),
    pkg('tui-1-1.noarch'),
    pkg('setup-1-1.noarch', { files: ['/usr/bin/sh'] }),
  ];
}

export function run(suite: Test, name: string, factory: (records: PackageRecord[]) => Promise<PackageSource>): void {
  suite(`${name}: holds every record with its dependencies, in order`, async () => {
    const want = fixture();
    const src = await factory(want);
    const got = src.packages();
    assert.equal(got.map(formatNevra), want.map(formatNevra));
    const app = got[0];
    assert.equal(app.requires.map((d) => [d.name, d.flags, d.evr, d.pre === true]), want[0].requires.map((d) => [d.name, d.flags, d.evr, d.pre === true]));
    assert.equal(app.conflicts.map((d) => d.name), ['oldapp']);
    assert.equal(app.obsoletes.map((d) => `${d.name} ${d.flags} ${d.evr}`), ['app-legacy < 2']);
    assert.ok(got[4].files.includes('/usr/bin/sh'));
    assert.type(src.label, 'string');
  });

  suite(`${name}: the solver gets the same answer from it`, async () => {
    const pool = new Pool(await factory(fixture()));
    const res = resolve(pool, { jobs: [{ kind: 'install', name: 'app' }] });
    assert.ok(res.ok);
    if (res.ok) assert.equal(res.install.map((id) => pool.key(id)).sort(), ['app-1:2.0-1.x86_64', 'lib-0:2.1-3.x86_64', 'setup-0:1-1.noarch', 'tui-0:1-1.noarch']);
  });
}
