/**
 * Overlay semantics over any layer source: paths normalised and checked against the rest
 * of the layer, and every whiteout form turned into one representation
 * (docs/overlay-import.md#whiteouts-and-opaque-directories):
 *
 * - overlayfs: a char device 0/0 is a whiteout; a directory with `overlay.opaque=y` is
 *   opaque; a zero-size file with `overlay.whiteout` inside a directory with
 *   `overlay.opaque=x` is a whiteout too (kernel 6.7+ "xwhiteouts"; without the marker
 *   the kernel's view of it is inconsistent, so that is refused);
 * - OCI: `.wh.NAME` whites out NAME, `.wh..wh..opq` makes its directory opaque; the
 *   marker files themselves are not entries;
 * - a hardlink to a whiteout is a whiteout (since 5.8 overlayfs links every whiteout to
 *   one shared inode, so an archiver may store the second as a hardlink to the first).
 *
 * An overlayfs whiteout occupies its name like any file; an OCI whiteout of a path the
 * layer also holds means "deleted below, present here" (opaque, if a directory).
 *
 * Output order is source order, except that whiteouts come last (in tree order), and that a
 * directory whose OCI opaque marker comes after other entries of the layer is given a
 * second time at the end with `opaque: true` (the later entry wins, as in tar). A
 * directory entry is held back until the next entry is given, so a marker right after
 * its directory (what docker, containerd and our writer produce) needs no second entry.
 *
 * Memory: one small record per path (dirs keep their entry), never file content.
 */
import { TYPE_BITS, whiteoutEntry } from './layer-entry.js';
import type { LayerEntry, LayerEntryKind } from './layer-entry.js';
import { ancestorsOf, badLayer, compareLayerPaths, joinLayerPath, normaliseLayerPath, splitLayerPath } from './layer-path.js';
import { splitOverlayXattrs } from './overlay-xattrs.js';
import { quotePath } from '../fs/index.js';
import type { SourceEntry } from './source-entry.js';

/** Linux's largest valid uid/gid: (uid_t)-1 means "no id". */
const MAX_ID = 0xfffffffe;
/** Linux symlink targets are at most PATH_MAX - 1 bytes. */
const MAX_SYMLINK_TARGET = 4095;
const OCI_PREFIX = '.wh.';
const OCI_OPAQUE = '.wh..wh..opq';

interface Seen {
  /** 'implicit': a parent of entries, with no entry of its own (yet); 'whiteout': the overlayfs forms. */
  kind: LayerEntryKind | 'implicit' | 'whiteout';
  /** Directories: their entry. */
  dir?: LayerEntry;
  /** Symlinks: the target, for the message when something lies beneath. */
  target?: string;
  /** Hardlinks resolve to the first path of the inode, and its kind. */
  linkRoot?: string;
  linkKind?: LayerEntryKind;
}

const q = quotePath;

export async function* overlayEntries(source: AsyncIterable<SourceEntry>): AsyncGenerator<LayerEntry> {
  const seen = new Map<string, Seen>();
  /** Whited-out paths with no entry of their own (yet), and where the whiteout was. */
  const whiteouts = new Map<string, string>();
  /** Directories to be opaque once their entry arrives. */
  const opaqueWanted = new Map<string, string>();
  const opaqueDirs = new Set<string>();
  const lateOpaque = new Set<string>();
  const xwhiteoutDirs = new Set<string>();
  let held: LayerEntry | null = null;

  const release = (): LayerEntry | null => {
    const h = held;
    held = null;
    return h;
  };

  const makeOpaque = (p: string, where: string): void => {
    const s = seen.get(p);
    if (s?.kind === 'dir') {
      if (held?.path === p) held.opaque = true;
      else if (!s.dir!.opaque) lateOpaque.add(p);
      opaqueDirs.add(p);
    } else if (s && s.kind !== 'implicit') {
      throw badLayer(where, `marks ${q(p)} opaque, but it is not a directory`);
    } else {
      opaqueWanted.set(p, where);
    }
  };

  const addWhiteout = (p: string, where: string): void => {
    const s = seen.get(p);
    if (s?.kind === 'dir') makeOpaque(p, where); // deleted below, recreated here: opaque
    else if (s?.kind === 'implicit') opaqueWanted.set(p, where);
    else if (!s) whiteouts.set(p, where);
    // A non-directory entry of this layer replaces whatever was below anyway.
  };

  const checkAncestors = (path: string, where: string): void => {
    for (const a of ancestorsOf(path)) {
      const s = seen.get(a);
      if (!s) {
        seen.set(a, { kind: 'implicit' });
        const w = whiteouts.get(a);
        if (w !== undefined) { whiteouts.delete(a); opaqueWanted.set(a, w); }
      } else if (s.kind === 'symlink') {
        throw badLayer(where, `lies beneath the symlink ${q(a)} -> ${q(s.target ?? '')}; unpacking it would write through the link`);
      } else if (s.kind !== 'dir' && s.kind !== 'implicit') {
        throw badLayer(where, `lies beneath ${q(a)}, which is not a directory`);
      }
    }
  };

  for await (const e of source) {
    const where = e.where;
    const path = normaliseLayerPath(e.path, where);
    checkAncestors(path, where);
    const { parent, name } = splitLayerPath(path);

    if (path !== '.' && name.startsWith(OCI_PREFIX)) {
      if (e.kind === 'dir') throw badLayer(where, `a directory named ${OCI_PREFIX}*: the prefix is reserved for OCI whiteouts`);
      if (name === OCI_OPAQUE) { makeOpaque(parent, where); continue; }
      const target = name.slice(OCI_PREFIX.length);
      if (target.startsWith(OCI_PREFIX)) throw badLayer(where, 'aufs metadata (.wh..wh.*) is not supported');
      if (target === '.' || target === '..') throw badLayer(where, `whites out ${q(target)}, which is no name`);
      addWhiteout(joinLayerPath(parent, target), where);
      continue;
    }

    const { kept, marks } = splitOverlayXattrs(e.xattrs, where);
    if (path === '.' && e.kind !== 'dir') throw badLayer(where, 'the layer root is not a directory');
    const overlayWhiteout = e.kind === 'char' && e.rdev === 0; // (a hardlink to one is one too, below)
    const xWhiteout = e.kind === 'file' && e.size === 0 && marks.whiteout === true;
    if (xWhiteout && !xwhiteoutDirs.has(parent)) {
      // Seen on 6.18: lookup hides such a file, readdir still lists it. Neither reading is right.
      throw badLayer(where, `an overlay.whiteout file in a directory not marked overlay.opaque=x: overlayfs hides it from lookup but still lists it; mark the directory (setfattr -n trusted.overlay.opaque -v x) or drop the attribute`);
    }
    const prev = seen.get(path);
    const linkTo = e.kind === 'hardlink' ? normaliseLayerPath(e.linkTo ?? '', `${where} (hardlink target ${q(e.linkTo ?? '')})`) : '';
    if (overlayWhiteout || xWhiteout || (e.kind === 'hardlink' && seen.get(linkTo)?.kind === 'whiteout')) {
      // An overlayfs whiteout is a file of its own: its name is taken, nothing lies beneath it.
      if (prev) throw badLayer(where, prev.kind === 'implicit' ? 'a whiteout with entries beneath it' : 'appears twice in the layer');
      seen.set(path, { kind: 'whiteout' });
      whiteouts.set(path, where);
      continue;
    }

    if (e.uid > MAX_ID || e.gid > MAX_ID) throw badLayer(where, `owner ${e.uid}:${e.gid} is not a Linux user/group id`);
    if (e.kind === 'hardlink') {
      for (const a of ancestorsOf(linkTo)) {
        if (seen.get(a)?.kind === 'symlink') throw badLayer(where, `hardlink target ${q(linkTo)} lies beneath the symlink ${q(a)}`);
      }
      const t = seen.get(linkTo);
      if (!t || t.kind === 'implicit') throw badLayer(where, `hardlink to ${q(linkTo)}, which is not earlier in the layer`);
      if (t.kind === 'dir') throw badLayer(where, `hardlink to the directory ${q(linkTo)}`);
      if (prev) throw badLayer(where, 'appears twice in the layer');
      const root = t.linkRoot ?? linkTo;
      const kind = (t.linkKind ?? t.kind) as Exclude<LayerEntryKind, 'hardlink'>;
      seen.set(path, { kind: 'hardlink', linkRoot: root, linkKind: kind });
      whiteouts.delete(path);
      // Attributes belong to the inode, given with its first path: GNU tar repeats none on a
      // hardlink, bsdtar and a directory walk repeat them all. One form: none.
      const out: LayerEntry = { path, kind: 'hardlink', mode: TYPE_BITS[kind] | (e.mode & 0o7777), uid: e.uid, gid: e.gid, size: 0, mtime: e.mtime, linkTo: root, xattrs: {} };
      if (e.uname) out.uname = e.uname;
      if (e.gname) out.gname = e.gname;
      const h = release();
      if (h) yield h;
      yield out;
      continue;
    }

    if (prev && !(prev.kind === 'implicit' && e.kind === 'dir')) throw badLayer(where, 'appears twice in the layer');
    const out: LayerEntry = { path, kind: e.kind, mode: TYPE_BITS[e.kind] | (e.mode & 0o7777), uid: e.uid, gid: e.gid, size: 0, mtime: e.mtime, xattrs: kept };
    if (e.uname) out.uname = e.uname;
    if (e.gname) out.gname = e.gname;
    if (e.kind === 'file') { out.size = e.size; out.content = e.content; }
    if (e.kind === 'char' || e.kind === 'block') out.rdev = e.rdev ?? 0;
    if (e.kind === 'symlink') {
      const target = e.target ?? '';
      if (target === '' || target.includes('\0')) throw badLayer(where, 'a symlink with an empty target or a NUL in it');
      if (Buffer.byteLength(target) > MAX_SYMLINK_TARGET) throw badLayer(where, `symlink target longer than ${MAX_SYMLINK_TARGET} bytes`);
      out.target = target;
    }

    if (e.kind === 'dir') {
      const whitedOut = whiteouts.delete(path);
      const wanted = opaqueWanted.delete(path);
      if (marks.opaque === 'y' || whitedOut || wanted) out.opaque = true;
      if (marks.opaque === 'x') xwhiteoutDirs.add(path);
      if (out.opaque) opaqueDirs.add(path);
      seen.set(path, { kind: 'dir', dir: out });
      const h = release();
      if (h) yield h;
      held = out;
      continue;
    }
    whiteouts.delete(path);
    seen.set(path, e.kind === 'symlink' ? { kind: 'symlink', target: out.target } : { kind: e.kind });
    const h = release();
    if (h) yield h;
    yield out;
  }

  const h = release();
  if (h) yield h;
  for (const [p, where] of opaqueWanted) {
    throw badLayer(where, `${q(p)} is marked opaque or whited out and has entries in the layer, but no directory entry of its own`);
  }
  for (const p of [...lateOpaque].sort(compareLayerPaths)) yield { ...seen.get(p)!.dir!, opaque: true };
  const hidden = (p: string): boolean => opaqueDirs.has('.') || ancestorsOf(p).some((a) => opaqueDirs.has(a));
  for (const p of [...whiteouts.keys()].sort(compareLayerPaths)) {
    // A whiteout below an opaque directory hides nothing that is not hidden already.
    if (!hidden(p)) yield whiteoutEntry(p);
  }
}
