/**
 * The package database `bazaar-rpm` answers from: snippets, never an rpmdb file. Either a
 * checked-out image (`--root DIR`: the snippet files under DIR/var/lib/bazaar/db) or an
 * image in the store (`--image NAME`). Packages are in install order (install time, then
 * name), as rpm lists its database.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { RpmHeader, transactionColor } from '../rpm/index.js';
import type { InstalledDb, InstalledPackage } from './installed-db.js';
import { SNIPPET_DIR, decodeSnippet } from '../store/index.js';
import type { SnippetObject } from '../store/index.js';

/** One snippet as the query engine's installed package; `installColor` is its system's transaction colour (installedPackages). */
export function snippetPackage(s: SnippetObject, header: Buffer, installColor: number): InstalledPackage {
  const pkg: InstalledPackage = { header: new RpmHeader(header, s.nevra), installTime: s.installtime, installColor };
  if (s.signature) pkg.signature = new RpmHeader(Buffer.from(s.signature, 'base64'), `${s.nevra} signature`);
  return pkg;
}

/**
 * A system's snippets as the query engine's installed packages, in install order, each
 * with the INSTALLCOLOR rpm records: the transaction colour of the system's platform
 * (3 for an x86_64 system, its noarch and i586 packages included).
 */
export function installedPackages<T extends { snippet: SnippetObject; header: Buffer }>(list: T[]): InstalledPackage[] {
  const color = transactionColor(list.map((p) => p.snippet.arch));
  return installOrder(list).map((p) => snippetPackage(p.snippet, p.header, color));
}

/** Install order: by install time, then by NEVRA. */
export function installOrder<T extends { snippet: SnippetObject }>(list: T[]): T[] {
  return [...list].sort((a, b) => a.snippet.installtime - b.snippet.installtime || (a.snippet.nevra < b.snippet.nevra ? -1 : a.snippet.nevra > b.snippet.nevra ? 1 : 0));
}

/** The database of a checked-out image at `root`. ERR_BAD_INPUT when there is none. */
export function rootDb(root: string): InstalledDb {
  const dir = join(root, SNIPPET_DIR);
  let names: string[];
  try { names = readdirSync(dir); } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) {
      throw new BazaarError('ERR_BAD_INPUT', `${root} holds no bazaar package database (${SNIPPET_DIR})`, { data: { root }, reason: 'no-package-db' });
    }
    throw err;
  }
  const list = names.filter((n) => n.endsWith('.json')).map((n) => {
    const s = decodeSnippet(readFileSync(join(dir, n)), join(SNIPPET_DIR, n));
    const { headerBytes, ...snippet } = s;
    return { snippet, header: headerBytes };
  });
  const packages = installedPackages(list);
  return { packages: () => packages, root };
}
