/** The real databases of test/fixtures/rpmdb, unpacked into a fresh root each time. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { projectRoot } from './tools.js';
import { tempRoot } from './rpmdb-roots.js';

export const rpmdbFixtureDir = join(projectRoot, 'test/fixtures/rpmdb');

/** ROOT with fixture `name` (gzipped) unpacked to ROOT/`dbpath`/`file`. */
export function fixtureRoot(name: string, dbpath: string, file: string): string {
  const root = tempRoot('fixture');
  mkdirSync(join(root, dbpath), { recursive: true });
  writeFileSync(join(root, dbpath, file), gunzipSync(readFileSync(join(rpmdbFixtureDir, name))));
  return root;
}
