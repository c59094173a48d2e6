/**
 * Atomic regeneration: a new `repodata/` is prepared in a staging directory next to it
 * and then put in place so that a client never reads a half-written repository.
 *
 * With checksum-prefixed names (the default, as createrepo_c's --unique-md-filenames) the
 * documents are moved into `repodata/` first, under names that no older repomd.xml uses,
 * and then repomd.xml is replaced by rename(2), which is atomic: a client sees the old
 * repomd.xml and its files, or the new one and its files. The files of the repomd.xml
 * just replaced are kept, so a client that fetched it a moment ago can still download
 * them; older ones (names like ours that neither repomd.xml lists) are deleted.
 *
 * With simple names (`primary.xml.gz`) files would be overwritten in place, so instead
 * the whole directory is swapped: `repodata` is renamed aside and the staging directory
 * renamed to `repodata`. Between the two renames `repodata/` does not exist (a client
 * gets "not found", never a mix of old and new). createrepo_c does the same.
 *
 * One writer per repository at a time: callers serialise regenerations of a channel.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isErrno } from '../../errors.js';
import { parseRepomd } from '../repomd.js';

/** Document names we own in `repodata/` (and createrepo_c's, whose databases we replace). */
const OWN_NAME = /^[0-9a-f]{64}-(primary|filelists|other)\.(xml|sqlite)(\.[A-Za-z0-9]+)?$/;

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** Basenames listed by `repodata/repomd.xml`, or none when there is no such file. */
async function listedFiles(repodata: string): Promise<Set<string>> {
  let xml: string;
  try {
    xml = await readFile(join(repodata, 'repomd.xml'), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return new Set();
    throw err;
  }
  return new Set(parseRepomd(xml).map((e) => basename(e.href)));
}

/** A fresh name beside `dir` for a directory on its way in or out. */
export function siblingName(dir: string, label: string): string {
  return join(dir, '..', `.${basename(dir)}.${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !isErrno(err, 'ESRCH'); // EPERM: alive, someone else's
  }
}

/**
 * Removes staging and set-aside directories that a crashed writer left beside `dir`
 * (their names carry the writer's pid; a live writer's are left alone).
 */
export async function removeStaleSiblings(dir: string): Promise<void> {
  const pattern = new RegExp(`^\\.${basename(dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-[0-9a-f]{8}$`);
  for (const name of await readdir(join(dir, '..'))) {
    const m = pattern.exec(name);
    if (m && Number(m[2]) !== process.pid && !processAlive(Number(m[2]))) await rm(join(dir, '..', name), { recursive: true, force: true });
  }
}

/**
 * Puts the contents of `staging` (documents and repomd.xml) in place as `repodata`
 * and removes `staging`. See the module comment for the guarantees.
 */
export async function publishRepodata(staging: string, repodata: string, options: { uniqueFilenames: boolean }): Promise<void> {
  if (!options.uniqueFilenames) {
    const aside = siblingName(repodata, 'old');
    let moved = false;
    try {
      await rename(repodata, aside);
      moved = true;
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    await rename(staging, repodata);
    await syncDir(join(repodata, '..'));
    if (moved) await rm(aside, { recursive: true, force: true });
    return;
  }
  await mkdir(repodata, { recursive: true });
  const previous = await listedFiles(repodata);
  const names = (await readdir(staging)).filter((n) => n !== 'repomd.xml');
  for (const name of names) await rename(join(staging, name), join(repodata, name));
  await syncDir(repodata);
  await rename(join(staging, 'repomd.xml'), join(repodata, 'repomd.xml'));
  await syncDir(repodata);
  const keep = new Set([...names, ...previous, 'repomd.xml']);
  for (const name of await readdir(repodata)) {
    if (keep.has(name) || !OWN_NAME.test(name)) continue;
    try {
      await unlink(join(repodata, name));
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err; // gone already: nothing to do
    }
  }
  await rm(staging, { recursive: true, force: true });
}
