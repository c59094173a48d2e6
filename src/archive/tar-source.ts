/**
 * Tar entries as a layer source: header fields mapped onto the neutral kinds, device
 * numbers checked against what Linux can hold.
 */
import { MAX_DEV_MAJOR, MAX_DEV_MINOR, TYPE_BITS, makeRdev } from './layer-entry.js';
import { badLayer } from './layer-path.js';
import { quotePath } from '../fs/index.js';
import type { SourceEntry } from './source-entry.js';
import type { TarEntry } from './tar-reader.js';

export async function* tarSourceEntries(entries: AsyncIterable<TarEntry>): AsyncGenerator<SourceEntry> {
  for await (const t of entries) {
    const where = `tar entry ${quotePath(t.path)} at offset ${t.offset}`;
    const e: SourceEntry = {
      where,
      path: t.path,
      kind: t.type,
      mode: (t.type === 'hardlink' ? 0 : TYPE_BITS[t.type]) | t.mode,
      uid: t.uid,
      gid: t.gid,
      uname: t.uname,
      gname: t.gname,
      size: t.size,
      mtime: t.mtime,
      xattrs: t.xattrs,
    };
    if (t.type === 'symlink') e.target = t.linkpath;
    if (t.type === 'hardlink') e.linkTo = t.linkpath;
    if (t.type === 'char' || t.type === 'block') {
      if (t.devmajor > MAX_DEV_MAJOR || t.devminor > MAX_DEV_MINOR) {
        throw badLayer(where, `device ${t.devmajor}:${t.devminor} is beyond Linux's limits (major < 4096, minor < 2^20)`);
      }
      e.rdev = makeRdev(t.devmajor, t.devminor);
    }
    if (t.type === 'file') e.content = () => t.body();
    yield e;
  }
}
