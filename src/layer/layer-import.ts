/**
 * Layers that do not come from the store's packages: an overlay upper directory or a layer
 * archive (`bazaar layer import`, the net-boot workflow's `.rw` changes), and an installed
 * system whose rpm database becomes snippets (`bazaar layer import-rpmdb`). Both publish
 * through the same semver check as `layer create`: the Provides of the snippets in the
 * layer decide the bump (docs/images.md#layers, docs/overlay-import.md). Importing the
 * content of a published version again restores its lost objects (layer-restore.ts).
 */
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { BazaarError } from '../errors.js';
import { formatNvra, packageMeta, readRpmdb, RpmHeader } from '../rpm/index.js';
import type { RpmdbLocation } from '../rpm/index.js';
import type { LayerPackage, LayerSource, ObjectId, Store } from '../store/index.js';
import { SNIPPET_DIR, decodeSnippet, encodeSnippet, snippetName } from '../store/index.js';
import { treeReader } from '../stack/index.js';
import { imageDb } from '../pkgdb/index.js';
import type { SnippetCache } from '../pkgdb/index.js';
import { importLayerEntries } from './import-layer-entries.js';
import { readLayerArchive, readLayerDirectory, TYPE_BITS } from '../archive/index.js';
import type { LayerEntry, XattrMode } from '../archive/index.js';
import { checkVersion, layerVersions, parseVersionRef, publishLayer } from './layers.js';
import { restoreLayer } from './layer-restore.js';
import type { BuiltLayer } from './layer-restore.js';
import type { VersionCheck } from './layers.js';

export interface ImportLayerResult {
  name: string; version: string; id: ObjectId | null; tree: ObjectId;
  /** The packages whose snippets the layer holds (as rpm -qa prints them). */
  packages: string[];
  files: number; bytes: number;
  /** The version check; null when the version was published already with this content (see `restored`). */
  check: VersionCheck | null;
  /** When the version was published already with this content: the objects of it written again (missing or damaged; none when it was whole). */
  restored?: ObjectId[];
}

export interface ImportOptions {
  force?: boolean;
  /** Only compute the version check (`--dry-run`); nothing is published. */
  dryRun?: boolean;
  /** Which extended attributes to read from a directory; default 'all' as root, else 'visible'. */
  xattrs?: XattrMode;
  onEntry?: (path: string) => void;
}

function defaultXattrs(): XattrMode {
  return process.getuid?.() === 0 ? 'all' : 'visible';
}

/** A snippet larger than this is not one bazaar or rpm would write (rpm caps a header at 256 MiB; real ones are far below). */
const SNIPPET_MAX = 64 << 20;

/** Passes `entries` through, keeping each snippet file's content (decoded) in `cache`. */
async function* keepSnippets(entries: AsyncIterable<LayerEntry>, cache: SnippetCache): AsyncIterable<LayerEntry> {
  for await (const e of entries) {
    const dir = e.path.slice(0, e.path.lastIndexOf('/'));
    if (dir !== SNIPPET_DIR || e.kind !== 'file' || !e.content || !e.path.endsWith('.json')) { yield e; continue; }
    if (e.size > SNIPPET_MAX) throw new BazaarError('ERR_BAD_INPUT', `${e.path}: ${e.size} bytes is too large for a package snippet`);
    const parts: Buffer[] = [];
    for await (const chunk of e.content()) parts.push(chunk);
    const bytes = Buffer.concat(parts);
    const s = decodeSnippet(bytes, e.path);
    cache.set(`sha256:${createHash('sha256').update(bytes).digest('hex')}` as ObjectId, { snippet: s, header: s.headerBytes });
    yield { ...e, content: async function* () { yield bytes; } };
  }
}

/**
 * Builds the layer from `entries` and publishes it (or, dry, checks its version). A version
 * published already is restored when this is its content (layer-restore.ts), else refused.
 */
async function publishEntries(store: Store, ref: string, source: LayerSource, entries: () => AsyncIterable<LayerEntry>, options: ImportOptions): Promise<ImportLayerResult> {
  const { name, version } = parseVersionRef(ref, 'layer');
  return store.write(async (tx) => {
    // Snippet blobs are staged, not yet readable: their content is kept aside (small, one
    // per package) for the package list and the version check.
    const snippets: SnippetCache = new Map();
    let counts = { files: 0, bytes: 0 };
    const build = async (rewrite?: ReadonlySet<ObjectId>): Promise<BuiltLayer> => {
      const imported = await importLayerEntries(tx, keepSnippets(entries(), snippets), { ...(options.onEntry ? { onEntry: options.onEntry } : {}), ...(rewrite ? { rewrite } : {}) });
      try {
        if (imported.rootOpaque) {
          throw new BazaarError('ERR_BAD_INPUT', 'the layer\'s root directory is opaque (it would hide every layer below it); a layer of an image adds to the layers below, so import its content without the opaque marker');
        }
        const db = await imageDb(store, [imported.root], treeReader(store), snippets);
        const packages: LayerPackage[] = db.map((p) => ({ nevra: p.snippet.nevra, build: p.snippet.build }))
          .sort((a, b) => (a.nevra < b.nevra ? -1 : a.nevra > b.nevra ? 1 : 0));
        counts = { files: imported.files, bytes: imported.bytes };
        return { layer: { name, version, tree: imported.root, packages, source }, staged: imported.staged };
      } catch (err) {
        await tx.discard(imported.staged);
        throw err;
      }
    };
    const published = (await layerVersions(tx, name)).get(version);
    const built = await build();
    const base = () => ({ name, version, tree: built.layer.tree, packages: built.layer.packages.map((p) => p.nevra), ...counts });
    if (published !== undefined) {
      const r = await restoreLayer(store, tx, published, built, build, { dryRun: options.dryRun === true, snippets });
      return { ...base(), id: r.id, check: null, restored: r.restored };
    }
    try {
      if (options.dryRun) {
        const check = await checkVersion(store, tx, name, version, built.layer.tree, snippets);
        await tx.discard(built.staged);
        return { ...base(), id: null, check };
      }
      tx.stage(...built.staged);
      const { id, check } = await publishLayer(store, tx, built.layer, { force: options.force === true, snippets });
      return { ...base(), id, check };
    } catch (err) {
      await tx.discard(built.staged);
      throw err;
    }
  });
}

/**
 * Publishes an overlay upper directory or a layer archive (`.tar.zst`, `.tar.gz`, `.tar`)
 * as `name@version`: whiteouts delete from the layers below, snippets it carries (what
 * bazaar-rpm wrote on the VA) are its packages.
 *
 * @example
 *   await importLayer(store, 'va1-rw@1.0.0', '/srv/va1/.rw/upper');
 */
export async function importLayer(store: Store, ref: string, from: string, options: ImportOptions = {}): Promise<ImportLayerResult> {
  let isDir: boolean;
  try {
    const st = statSync(from);
    isDir = st.isDirectory();
    // a device or FIFO would be read forever (or block): only files and directories are layers
    if (!isDir && !st.isFile()) throw new BazaarError('ERR_USAGE', `${from}: not a regular file or a directory; give an overlay upper directory or a .tar.zst/.tar.gz/.tar layer archive`);
  } catch (err) {
    if (err instanceof BazaarError) throw err;
    throw new BazaarError('ERR_USAGE', `${from}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'}); give an overlay upper directory or a .tar.zst/.tar.gz/.tar layer archive`);
  }
  const entries = isDir ? () => readLayerDirectory(from, { xattrs: options.xattrs ?? defaultXattrs() }) : () => readLayerArchive(from);
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
