/**
 * A directory on disk (an overlay upper dir, an unpacked layer) as a layer source: the
 * root first, then each directory's entries sorted by name bytes (an OCI `.wh..wh..opq`
 * first), parents before their children. Names are read as bytes (path-bytes.ts), hardlinks found by (dev, ino), and
 * extended attributes read per file (xattrs.ts; a hardlink's come with its first name).
 */
import { createReadStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { BazaarError } from '../errors.js';
import { TYPE_BITS } from './layer-entry.js';
import type { LayerEntryKind } from './layer-entry.js';
import { badLayer } from './layer-path.js';
import { decodePathBytes, quotePath } from '../fs/index.js';
import type { SourceEntry } from './source-entry.js';
import type { XattrReader } from './xattrs.js';

const KIND_BY_TYPE = new Map<number, Exclude<LayerEntryKind, 'hardlink'>>(
  Object.entries(TYPE_BITS).map(([k, v]) => [v, k as Exclude<LayerEntryKind, 'hardlink'>]),
);

const SLASH = Buffer.from('/');
const OCI_OPAQUE = Buffer.from('.wh..wh..opq');

/** Runs a file-system call, turning errno failures into bad input that names the file. */
function fsCall<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) throw badLayer(where, `cannot read (${code})`);
    throw err;
  }
}

/** The file's bytes, checked against the size lstat gave: a file changing under us is an error, not a corrupt layer. */
function fileContent(full: Buffer, size: number, where: string): () => AsyncIterable<Buffer> {
  return async function* content() {
    let got = 0;
    try {
      for await (const chunk of createReadStream(full, { start: 0, end: size, highWaterMark: 1 << 20 })) {
        const b = chunk as Buffer;
        const take = Math.min(b.length, size - got);
        got += b.length;
        if (take > 0) yield take === b.length ? b : b.subarray(0, take);
      }
    } catch (err) {
      if (err instanceof BazaarError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('E')) throw badLayer(where, `cannot read (${code})`);
      throw err;
    }
    if (got !== size) throw badLayer(where, `changed while being read (${got > size ? 'grew past' : 'shrank below'} ${size} bytes)`);
  };
}

export interface DirectorySourceOptions {
  /** Reads each file's attributes; none when null. */
  xattrs: Pick<XattrReader, 'read'> | null;
}

export async function* directorySourceEntries(dir: string, options: DirectorySourceOptions): AsyncGenerator<SourceEntry> {
  const root = Buffer.from(dir.replace(/\/+$/, '') || '/');
  const firstPathOfInode = new Map<string, string>();
  const noXattrs = new Map<string, Buffer>();

  const entryOf = (full: Buffer, rel: Buffer | null): SourceEntry => {
    const where = quotePath(decodePathBytes(full));
    const st: BigIntStats = fsCall(where, () => lstatSync(full, { bigint: true }));
    const mode = Number(st.mode);
    const kind = KIND_BY_TYPE.get(mode & 0o170000);
    if (!kind) throw badLayer(where, `unknown file type (mode ${mode.toString(8)})`);
    const path = rel ? decodePathBytes(rel) : '.';
    const mtime = st.mtimeNs > 0n ? Number(st.mtimeNs / 1_000_000_000n) : 0; // before 1970: 0
    const e: SourceEntry = { where, path, kind, mode, uid: Number(st.uid), gid: Number(st.gid), size: 0, mtime, xattrs: noXattrs };
    // Hardlinks: any non-directory with other names, except overlayfs whiteouts, which
    // share one inode (kernel 5.8+ links every whiteout to one in the work dir).
    const whiteout = kind === 'char' && st.rdev === 0n;
    if (kind !== 'dir' && st.nlink > 1n && !whiteout) {
      const inode = `${st.dev}:${st.ino}`;
      const first = firstPathOfInode.get(inode);
      if (first !== undefined) return { ...e, kind: 'hardlink', mode: mode & 0o7777, linkTo: first };
      firstPathOfInode.set(inode, path);
    }
    if (options.xattrs) e.xattrs = options.xattrs.read(full, kind === 'dir', where);
    if (kind === 'file') { e.size = Number(st.size); e.content = fileContent(full, e.size, where); }
    if (kind === 'symlink') e.target = decodePathBytes(fsCall(where, () => readlinkSync(full, { encoding: 'buffer' })));
    if (kind === 'char' || kind === 'block') e.rdev = Number(st.rdev);
    return e;
  };

  async function* walk(full: Buffer, rel: Buffer | null): AsyncGenerator<SourceEntry> {
    const where = quotePath(decodePathBytes(full));
    // OCI's opaque marker goes first, so its directory is known opaque before any sibling
    // is given (overlay-entries.ts would otherwise have to repeat the directory).
    const names = fsCall(where, () => readdirSync(full, { encoding: 'buffer' }))
      .sort((a, b) => (a.equals(OCI_OPAQUE) ? -1 : b.equals(OCI_OPAQUE) ? 1 : Buffer.compare(a, b)));
    for (const name of names) {
      const childFull = Buffer.concat([full, SLASH, name]);
      const childRel = rel ? Buffer.concat([rel, SLASH, name]) : name;
      const e = entryOf(childFull, childRel);
      yield e;
      if (e.kind === 'dir') yield* walk(childFull, childRel);
    }
  }

  const top = entryOf(root, null);
  if (top.kind !== 'dir') throw badLayer(top.where, 'is not a directory');
  yield top;
  yield* walk(root, null);
}
