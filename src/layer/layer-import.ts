/**
 * Layers that do not come from the store's packages: an overlay upper directory or a layer
 * archive (`bazaar layer import`, the net-boot workflow's `.rw` changes) or a live
 * system's squashfs or ISO image (live-import.ts), and an installed system whose rpm
 * database becomes snippets (`bazaar layer import-rpmdb`). All publish
 * through the same semver check as `layer create`: the Provides of the snippets in the
 * layer decide the bump (docs/images.md#layers, docs/overlay-import.md). Importing the
 * content of a published version again restores its lost objects (layer-restore.ts).
 */
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { BazaarError, isBazaarError } from '../errors.js';
import { formatNvra, packageMeta, readRpmdb, RpmHeader } from '../rpm/index.js';
import type { RpmdbLocation } from '../rpm/index.js';
import type { ObjectId, Store } from '../store/index.js';
import { SNIPPET_DIR, encodeSnippet, snippetName } from '../store/index.js';
import { imageFormatOf, readLayerArchive, readLayerDirectory, TYPE_BITS } from '../archive/index.js';
import type { ImageFormat, LayerEntry, XattrMode } from '../archive/index.js';
import { importLiveImage } from './live-import.js';
import type { LiveImageChoice, LiveImport } from './live-import.js';
import { publishEntries } from './publish-entries.js';
import type { ImportLayerResult, ImportOptions } from './publish-entries.js';

export type { ImportLayerResult, ImportOptions } from './publish-entries.js';

function defaultXattrs(): XattrMode {
  return process.getuid?.() === 0 ? 'all' : 'visible';
}

/** What `bazaar layer import` reads, for the messages refusing something else. */
const IMPORTABLE = 'an overlay upper directory, a .tar.zst/.tar.gz/.tar layer archive, a squashfs or an ISO image';

/**
 * A layer archive's entries; when not even its first entry can be read, the error says
 * what else the file could have been (a squashfs or an ISO is recognised before this).
 */
async function* archiveEntries(from: string): AsyncGenerator<LayerEntry> {
  let first = true;
  try {
    for await (const e of readLayerArchive(from)) {
      first = false;
      yield e;
    }
  } catch (err) {
    if (!first || !isBazaarError(err, 'ERR_BAD_INPUT') || /cannot read \(/.test(err.message)) throw err;
    throw new BazaarError('ERR_BAD_INPUT', `${from}: not ${IMPORTABLE} (read as a tar archive: ${err.message})`, { data: { ...err.data, path: from }, cause: err });
  }
}

/**
 * Publishes an overlay upper directory, a layer archive (`.tar.zst`, `.tar.gz`, `.tar`)
 * or a live system's squashfs or ISO image (live-import.ts) as `name@version`: whiteouts
 * delete from the layers below, snippets it carries (what bazaar-rpm wrote on the VA)
 * are its packages. The kind of file is told by its first bytes, not its name.
 *
 * @example
 *   await importLayer(store, 'va1-rw@1.0.0', '/srv/va1/.rw/upper');
 *   await importLayer(store, 'alt-live@10.4.0', 'alt-p10-live.iso');
 */
export async function importLayer(store: Store, ref: string, from: string, options: ImportOptions & LiveImageChoice = {}): Promise<ImportLayerResult & { live?: LiveImport }> {
  let isDir: boolean;
  let format: ImageFormat | null = null;
  try {
    const st = statSync(from);
    isDir = st.isDirectory();
    // a device or FIFO would be read forever (or block): only files and directories are layers
    if (!isDir && !st.isFile()) throw new BazaarError('ERR_USAGE', `${from}: not a regular file or a directory; give ${IMPORTABLE}`);
    if (!isDir) format = imageFormatOf(from);
  } catch (err) {
    if (err instanceof BazaarError) throw err;
    throw new BazaarError('ERR_USAGE', `${from}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'}); give ${IMPORTABLE}`);
  }
  if (format !== null) return importLiveImage(store, ref, from, format, options);
  for (const o of ['squashfs', 'kernel'] as const) {
    if (options[o] !== undefined) throw new BazaarError('ERR_USAGE', `--${o} picks a member of an ISO image; ${from} is not one`);
  }
  const entries = isDir ? () => readLayerDirectory(from, { xattrs: options.xattrs ?? defaultXattrs() }) : () => archiveEntries(from);
  return publishEntries(store, ref, 'overlay', entries, options);
}

/** The snippet file of an installed header, as a layer entry. */
function snippetEntry(header: Uint8Array, installTime: number, where: string): LayerEntry {
  const meta = packageMeta(new RpmHeader(Buffer.from(header.buffer, header.byteOffset, header.byteLength), 'header'), where);
  const s = { name: meta.name, epoch: meta.epoch ?? 0, version: meta.version, release: meta.release, arch: meta.arch };
  const bytes = encodeSnippet({
    ...s, nevra: formatNvra(meta),
    build: `sha256:${createHash('sha256').update(header).digest('hex')}` as ObjectId,
    installtime: installTime, header: Buffer.from(header).toString('base64'),
  });
  return {
    path: `${SNIPPET_DIR}/${snippetName(s)}`, kind: 'file', mode: TYPE_BITS.file | 0o644, uid: 0, gid: 0,
    size: bytes.length, mtime: installTime, xattrs: {},
    content: async function* () { yield bytes; },
  };
}

/** Whether `path` (layer-relative) is `dir` or beneath it. */
function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/**
 * Publishes an installed system as a layer: the files under `root` except its rpm
 * database, and one snippet per package the database holds (sqlite, BerkeleyDB or ndb).
 * Refuses a root whose database has a damaged header: a layer missing a package would
 * answer queries wrongly.
 */
export async function importRpmdbLayer(store: Store, ref: string, root: string, options: ImportOptions & { dbpath?: string } = {}): Promise<ImportLayerResult & { rpmdb: { format: string; path: string } }> {
  const snippets: LayerEntry[] = [];
  let location: RpmdbLocation | null = null;
  for await (const pkg of readRpmdb(root, { ...(options.dbpath ? { dbpath: options.dbpath } : {}), onLocated: (l) => { location = l; } })) {
    snippets.push(snippetEntry(pkg.header, pkg.installTime ?? 0, `${root}: header #${pkg.hnum ?? '?'}`));
  }
  const found = location as RpmdbLocation | null;
  if (!found) throw new BazaarError('ERR_BAD_INPUT', `${root}: no rpm database found`);
  // the database directory as the system names it, and where it really is (a symlinked dbpath)
  const named = found.dbpath.split('/').filter(Boolean).join('/');
  const real = relative(realpathSync(root), dirname(found.path));
  const dbDirs = real.startsWith('..') ? [named] : [named, real];
  const xattrs = options.xattrs ?? defaultXattrs();
  async function* entries(): AsyncIterable<LayerEntry> {
    for await (const e of readLayerDirectory(root, { xattrs })) {
      if (dbDirs.some((d) => under(e.path, d)) || under(e.path, SNIPPET_DIR)) continue;
      yield e;
    }
    yield* snippets;
  }
  const r = await publishEntries(store, ref, 'rpmdb', entries, options);
  return { ...r, rpmdb: { format: found.format, path: found.path } };
}
