/**
 * The two ways a layer comes in, each giving the neutral entry stream (layer-entry.ts):
 * an archive (`.tar.zst`, `.tar.gz`, `.tar`, as a file or a byte stream) and a directory
 * on disk, typically an overlayfs upper dir. docs/overlay-import.md says what each
 * accepts and refuses.
 */
import { realpathSync, statSync } from 'node:fs';
import { BazaarError } from '../errors.js';
import { tarChunks } from './archive-input.js';
import type { ArchiveSource } from './archive-input.js';
import { directorySourceEntries } from './directory-source.js';
import type { LayerEntry } from './layer-entry.js';
import { badLayer } from './layer-path.js';
import { overlayEntries } from './overlay-entries.js';
import { tarSourceEntries } from './tar-source.js';
import { readTar } from './tar-reader.js';
import { XattrReader } from './xattrs.js';
import type { XattrMode } from './xattrs.js';

/**
 * Reads a layer archive. A file's content must be read (or not) before asking for the
 * next entry; memory stays bounded whatever the archive's size.
 *
 * @example
 *   for await (const e of readLayerArchive('va1-rw.tar.zst')) {
 *     if (e.whiteout) deleted.push(e.path);
 *     else if (e.content) await store.put(e.content());
 *   }
 */
export async function* readLayerArchive(source: ArchiveSource): AsyncGenerator<LayerEntry> {
  const chunks = await tarChunks(source);
  yield* overlayEntries(tarSourceEntries(readTar(chunks)));
}

export interface ReadLayerDirectoryOptions {
  /** Which extended attributes to read (xattrs.ts); default 'all', which needs root. */
  xattrs?: XattrMode;
}

/**
 * Reads a directory tree (an overlay upper dir) as a layer. Content is read from disk
 * when asked for, at any time.
 *
 * @example
 *   for await (const e of readLayerDirectory('/srv/va1/.rw/upper')) console.log(e.path, e.kind, e.whiteout ?? '');
 */
export async function* readLayerDirectory(dir: string, options: ReadLayerDirectoryOptions = {}): AsyncGenerator<LayerEntry> {
  const mode = options.xattrs ?? 'all';
  if (!['all', 'visible', 'none'].includes(mode)) throw new BazaarError('ERR_USAGE', `xattrs is 'all', 'visible' or 'none', not ${JSON.stringify(mode)}`);
  let root: string;
  try {
    root = realpathSync(dir); // the root may be reached through a symlink; nothing below it is followed
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) throw badLayer(dir, `cannot read (${code})`);
    throw err;
  }
  if (!statSync(root).isDirectory()) throw badLayer(dir, 'is not a directory');
  const xattrs = mode === 'none' ? null : new XattrReader(mode, dir);
  try {
    yield* overlayEntries(directorySourceEntries(root, { xattrs }));
  } finally {
    xattrs?.close();
  }
}
