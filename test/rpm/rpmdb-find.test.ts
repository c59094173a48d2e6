/**
 * Where readRpmdb looks: rpm's stock locations, the installed system's own %_dbpath,
 * symlinks kept inside ROOT, and a missing database reported in one line naming every
 * path tried.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isBazaarError } from '../../src/errors.js';
import { findRpmdb, readRpmdb } from '../../src/rpm/rpmdb/index.js';
import { expandMacros, parseMacroDefinitions } from '../../src/rpm/rpmdb/rpm-macros.js';
import { ndbBytes, tempRoot } from '../helpers/rpmdb-roots.js';

const t = suite('rpmdb: finding the database');

/** A root with an (empty) ndb database at `dbpath`. */
function rootWith(dbpath: string, file = 'Packages.db'): string {
  const root = tempRoot('find');
  mkdirSync(join(root, dbpath), { recursive: true });
  writeFileSync(join(root, dbpath, file), ndbBytes([]));
  return root;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try { await p; } catch (err) { return err as Error; }
  throw new Error('expected a failure');
}

t('rpm\'s two stock locations, old first', async () => {
  assert.is((await findRpmdb(rootWith('var/lib/rpm'))).dbpath, '/var/lib/rpm');
  assert.is((await findRpmdb(rootWith('usr/lib/sysimage/rpm'))).dbpath, '/usr/lib/sysimage/rpm');
});

t('Fedora\'s /var/lib/rpm -> ../../usr/lib/sysimage/rpm, and an absolute link, resolve inside ROOT', async () => {
  for (const target of ['../../usr/lib/sysimage/rpm', '/usr/lib/sysimage/rpm']) {
    const root = rootWith('usr/lib/sysimage/rpm');
    mkdirSync(join(root, 'var/lib'), { recursive: true });
    symlinkSync(target, join(root, 'var/lib/rpm'));
    const found = await findRpmdb(root);
    assert.is(found.path, join(root, 'usr/lib/sysimage/rpm/Packages.db'));
    assert.is(found.dbpath, '/var/lib/rpm');
    assert.is(found.format, 'ndb');
  }
});

t('a link out of ROOT (/var/lib/rpm -> /var/lib/rpm) never reaches the host\'s database', async () => {
  const root = tempRoot('escape');
  mkdirSync(join(root, 'var/lib'), { recursive: true });
  symlinkSync('/../../../../var/lib/rpm', join(root, 'var/lib/rpm'));
  const err = await failure(findRpmdb(root));
  assert.ok(isBazaarError(err, 'ERR_BAD_INPUT'), String(err));
});

t('a symlink loop is "not found", not a hang', async () => {
  const root = tempRoot('loop');
  mkdirSync(join(root, 'var/lib'), { recursive: true });
  symlinkSync('rpm2', join(root, 'var/lib/rpm'));
  symlinkSync('rpm', join(root, 'var/lib/rpm2'));
  assert.ok(isBazaarError(await failure(findRpmdb(root)), 'ERR_BAD_INPUT'));
});

t('the installed system\'s own %_dbpath (macro files under ROOT) comes first', async () => {
  const root = rootWith('srv/rpmdb');
  rootWith('var/lib/rpm'); // an unrelated root: nothing leaks between roots
  mkdirSync(join(root, 'var/lib/rpm'), { recursive: true });
  writeFileSync(join(root, 'var/lib/rpm/Packages.db'), ndbBytes([]));
  mkdirSync(join(root, 'etc/rpm'), { recursive: true });
  writeFileSync(join(root, 'etc/rpm/macros.dbpath'), '# where the database lives\n%_srv /srv\n%_dbpath %{_srv}/rpmdb\n');
  assert.is((await findRpmdb(root)).dbpath, '/srv/rpmdb');
  // an explicit dbpath replaces the search
  assert.is((await findRpmdb(root, '/var/lib/rpm')).dbpath, '/var/lib/rpm');
});

t('%_db_backend picks the file when a directory holds two', async () => {
  const root = rootWith('var/lib/rpm');
  writeFileSync(join(root, 'var/lib/rpm/rpmdb.sqlite'), '');
  assert.is((await findRpmdb(root)).format, 'sqlite', 'newest first without a macro');
  mkdirSync(join(root, 'usr/lib/rpm/macros.d'), { recursive: true });
  writeFileSync(join(root, 'usr/lib/rpm/macros.d/macros.db'), '%_db_backend ndb\n');
  assert.is((await findRpmdb(root)).format, 'ndb');
});

t('macro values needing more than plain expansion are not guessed at', () => {
  const defs = new Map<string, string>();
  parseMacroDefinitions("%_dbpath %(bash -c 'echo ~/.rpmdb')\n%_a /x\\\n/y\n%_b %{?_nothing}%{_var}/lib/rpm\n", defs);
  assert.is(expandMacros(defs.get('_dbpath')!, defs), null);
  assert.is(expandMacros(defs.get('_b')!, defs), '/var/lib/rpm');
  assert.is(expandMacros('%{_loop}', new Map([['_loop', '%{_loop}']])), null, 'a self-referencing macro ends');
});

t('no database: one line naming every path tried', async () => {
  const root = tempRoot('none');
  const err = await failure(readRpmdb(root).next());
  assert.ok(isBazaarError(err, 'ERR_BAD_INPUT'));
  assert.not.match(err.message, /\n/);
  for (const p of ['var/lib/rpm/rpmdb.sqlite', 'var/lib/rpm/Packages.db', 'var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/rpmdb.sqlite']) {
    assert.ok(err.message.includes(join(root, p)), `${p} in: ${err.message}`);
  }
  assert.ok(isBazaarError(await failure(readRpmdb(join(root, 'missing')).next()), 'ERR_BAD_INPUT'));
});

t.run();
