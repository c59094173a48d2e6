/**
 * Which build holds a file: a package's files stay in its .rpm until a layer needs them,
 * yet every file id `show --json` prints must be readable (`cat`, `GET /v1/objects/...`).
 * For one commit of `packages`, the file ids of every build, sorted, map to the build's
 * key: `cache/files/<commit>.v1`, derived and checksummed, built on the first miss. Each
 * build's own list is a derived entry of its record (`derived/files/<record>`), so the
 * map of the next commit reads only the manifests of builds it has not seen.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isErrno } from '../errors.js';
import { StoreMemory } from './caches/store-memory.js';
import { readDerived, writeDerived } from './caches/derived-entries.js';
import { createFile, makeDir, removeFile, renameFile } from '../fs/ops.js';
import { tmpPath } from './layout.js';
import { fileLocatorPath } from './caches/paths.js';
import type { ObjectId } from './layout.js';
import type { ObjectStore } from './objects.js';
import type { PackageIndex } from './package-index.js';

const MAGIC = 'bazaar-file-locator 1';

/** Sorted `<file hex> <build key>` rows of one commit. */
type Rows = string[];

const memory = new StoreMemory<string, Rows>(4);
const sum = (body: string): string => createHash('sha256').update(body).digest('hex');

/** The key of the build of `index` whose manifest lists file `id`, or null. */
export async function buildKeyHoldingFile(root: string, objects: ObjectStore, index: PackageIndex, id: ObjectId): Promise<string | null> {
  if (index.commit === null) return null;
  const rows = memory.get(objects, index.commit) ?? readLocator(root, index.commit) ?? (await buildLocator(root, objects, index));
  memory.set(objects, index.commit, rows);
  const hex = id.slice('sha256:'.length);
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid] < hex) lo = mid + 1; else hi = mid;
  }
  return lo < rows.length && rows[lo].startsWith(`${hex} `) ? rows[lo].slice(hex.length + 1) : null;
}

function readLocator(root: string, commit: string): Rows | null {
  let text: string;
  try { text = readFileSync(fileLocatorPath(root, commit), 'utf8'); } catch { return null; }
  const nl = text.indexOf('\n');
  const head = `${MAGIC} ${commit} `;
  if (!text.startsWith(head) || sum(text.slice(nl + 1)) !== text.slice(head.length, nl)) return null;
  return text.slice(nl + 1).split('\n').filter((r) => r !== '');
}

async function buildLocator(root: string, objects: ObjectStore, index: PackageIndex): Promise<Rows> {
  const rows: Rows = [];
  for (const b of index.builds) {
    let ids = readDerived(root, 'files', b.value);
    if (ids === null) {
      try {
        const record = await objects.readKind(b.value, 'build');
        const manifest = await objects.readKind(record.manifest, 'package');
        ids = [...new Set(manifest.files.flatMap((f) => (f.id ? [f.id.slice('sha256:'.length)] : [])))].join('\n');
      } catch {
        continue; // damage (fsck names it): its files are not found here
      }
      writeDerived(root, 'files', b.value, ids);
    }
    for (const hex of ids.split('\n')) if (hex) rows.push(`${hex} ${b.key}`);
  }
  rows.sort();
  const body = rows.map((r) => `${r}\n`).join('');
  const path = fileLocatorPath(root, index.commit as string);
  try {
    makeDir(dirname(path));
    const tmp = tmpPath(root);
    createFile(tmp, `${MAGIC} ${index.commit} ${sum(body)}\n${body}`);
    try { renameFile(tmp, path); } catch (err) { removeFile(tmp); throw err; }
  } catch (err) {
    // derived: a store that cannot be written keeps it in memory
    if (!(isErrno(err, 'EACCES') || isErrno(err, 'EROFS') || isErrno(err, 'EPERM') || isErrno(err, 'ENOSPC') || isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR'))) throw err;
  }
  return rows;
}
