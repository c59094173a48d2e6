/**
 * An entry as a layer source (tar-source.ts, directory-source.ts) states it, before
 * overlay-entries.ts normalises its path, checks it against the rest of the layer and
 * turns whiteout forms into the one neutral representation.
 */
import type { LayerEntryKind } from './layer-entry.js';

export interface SourceEntry {
  /** For messages: `tar entry "a/b" at offset 1024`, or the file's path on disk. */
  where: string;
  /** As the source gives it: not yet normalised or checked. */
  path: string;
  kind: LayerEntryKind;
  /** Permission bits plus the S_IF* type bits (none for a hardlink). */
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  size: number;
  mtime: number;
  target?: string;
  /** Hardlinks: the linked path as the source gives it. */
  linkTo?: string;
  rdev?: number;
  xattrs: Map<string, Buffer>;
  content?: () => AsyncIterable<Buffer>;
}
