/**
 * A layer stack's merged filesystem as a layer entry stream (layer-entry.ts), for the tar
 * writer: the root directory first (mode 0755, owner 0:0, time 0, so the archive does not
 * depend on when it was made), then every entry in walk order. Owners are numeric (names
 * resolved in the image's own passwd and group files, owner-ids.ts), the second and later
 * names of a hardlinked file are `hardlink` entries to the first, content is read from
 * the store, verified, when the writer asks for it. Sockets, which tar cannot hold, are
 * left out and reported through `onSkip`.
 */
import type { ObjectId, ObjectReader } from '../store/index.js';
import { treeReader } from './compose-tree.js';
import { DirTimes } from './dir-times.js';
import { TYPE_BITS } from '../archive/index.js';
import type { LayerEntry } from '../archive/index.js';
import { mergedTree } from './merged-tree.js';
import type { WalkOptions } from './merged-tree.js';
import { OwnerIds } from './owner-ids.js';
import { EMPTY_BLOB } from '../store/index.js';

export async function* mergedLayerEntries(objects: ObjectReader, layerRoots: readonly ObjectId[], options: WalkOptions & { onSkip?: (path: string) => void } = {}): AsyncGenerator<LayerEntry> {
  const owners = new OwnerIds(objects, layerRoots);
  const firstOfGroup = new Map<string, string>();
  const dirTimes = new DirTimes(treeReader(objects));
  yield { path: '.', kind: 'dir', mode: TYPE_BITS.dir | 0o755, uid: 0, gid: 0, size: 0, mtime: 0, xattrs: {} };
  for await (const m of mergedTree(objects, layerRoots, options)) {
    const e = m.entry;
    if (e.kind === 'socket') { options.onSkip?.(m.path); continue; }
    if (!owners.loaded && (OwnerIds.isName(e.user) || OwnerIds.isName(e.group))) await owners.load();
    const { uid, gid } = owners.ids(e.user, e.group);
    const xattrs: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(e.xattrs ?? {})) xattrs[k] = Buffer.from(v, 'base64');
    const out: LayerEntry = { path: m.path, kind: e.kind, mode: TYPE_BITS[e.kind] | (e.mode & 0o7777), uid, gid, size: 0, mtime: await dirTimes.of(e), xattrs };
    if (e.linkTo !== undefined) {
      const key = `${m.layer}\0${e.linkTo}`;
      const first = firstOfGroup.get(key);
      if (first !== undefined) {
        yield { ...out, kind: 'hardlink', linkTo: first, xattrs: {} };
        continue;
      }
      firstOfGroup.set(key, m.path);
    }
    if (e.kind === 'symlink') out.target = e.target;
    if (e.kind === 'char' || e.kind === 'block') out.rdev = e.rdev ?? 0;
    if (e.kind === 'file') {
      out.size = e.size ?? 0;
      const id = e.id;
      if (id !== undefined && (out.size > 0 || id !== EMPTY_BLOB)) out.content = () => objects.stream(id);
    }
    yield out;
  }
}
