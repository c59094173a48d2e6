/**
 * The one way an imported layer is published: its entry stream (a directory, an archive,
 * a squashfs, an installed root) built into a tree in a transaction, its snippets read as
 * its packages, then the version check (layer create's) and publication; or, when the
 * version is published already with this content, its lost objects restored.
 */
import { createHash } from 'node:crypto';
import { BazaarError } from '../errors.js';
import type { LayerPackage, LayerSource, ObjectId, Store } from '../store/index.js';
import { SNIPPET_DIR, decodeSnippet } from '../store/index.js';
import { treeReader } from '../stack/index.js';
import { imageDb } from '../pkgdb/index.js';
import type { SnippetCache } from '../pkgdb/index.js';
import type { LayerEntry, XattrMode } from '../archive/index.js';
import { importLayerEntries } from './import-layer-entries.js';
import { checkVersion, layerVersions, parseVersionRef, publishLayer } from './layers.js';
import type { VersionCheck } from './layers.js';
import { restoreLayer } from './layer-restore.js';
import type { BuiltLayer } from './layer-restore.js';

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
export async function publishEntries(store: Store, ref: string, source: LayerSource, entries: () => AsyncIterable<LayerEntry>, options: ImportOptions): Promise<ImportLayerResult> {
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
      tx.stageAll(built.staged);
      const { id, check } = await publishLayer(store, tx, built.layer, { force: options.force === true, snippets });
      return { ...base(), id, check };
    } catch (err) {
      await tx.discard(built.staged);
      throw err;
    }
  });
}
