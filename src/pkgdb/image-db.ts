/**
 * The package database of an image: the union of its layers' snippet folders (an upper
 * layer's snippet shadows a lower one of the same name; a whiteout deletes it), read with
 * the same merge an overlay mount makes (merged-dir.ts). Each installed package is known
 * by its snippet, its header and the layer that holds it.
 */
import { packageMeta, RpmHeader } from '../rpm/index.js';
import type { PackageMeta } from '../rpm/index.js';
import { SNIPPET_DIR, decodeSnippet } from '../store/index.js';
import type { ObjectId, ObjectReader, SnippetObject } from '../store/index.js';
import type { PackageRecord } from '../resolver/index.js';
import type { GetTree } from '../stack/index.js';
import { mergedDir } from '../stack/index.js';

export interface InstalledPackage {
  snippet: SnippetObject;
  /** The snippet file's blob. */
  blob: ObjectId;
  /** The snippet's file name in var/lib/bazaar/db. */
  file: string;
  /** Index of the layer holding it (lowest first). */
  layer: number;
  header: Buffer;
}

/** Decoded snippets by blob: images sharing a layer read its snippets once. */
export type SnippetCache = Map<ObjectId, { snippet: SnippetObject; header: Buffer }>;

/**
 * Every caller without its own cache shares one per store (the reader it passes): snippets are immutable
 * (content-addressed, verified when first read), and sharing their header buffers lets
 * installedMeta parse each header once per process. Bounded: cleared when it grows past
 * SHARED_SNIPPETS_MAX.
 */
const sharedSnippets = new WeakMap<ObjectReader, SnippetCache>();
const SHARED_SNIPPETS_MAX = 8192;
function snippetCacheOf(objects: ObjectReader): SnippetCache {
  let c = sharedSnippets.get(objects);
  if (!c) { c = new Map(); sharedSnippets.set(objects, c); }
  if (c.size > SHARED_SNIPPETS_MAX) c.clear();
  return c;
}

export async function imageDb(objects: ObjectReader, layers: readonly ObjectId[], get: GetTree, cache: SnippetCache = snippetCacheOf(objects)): Promise<InstalledPackage[]> {
  const out: InstalledPackage[] = [];
  for (const [file, { entry, layer }] of await mergedDir(layers, SNIPPET_DIR, get)) {
    if (entry.kind !== 'file' || !entry.id || !file.endsWith('.json')) continue;
    let hit = cache.get(entry.id);
    if (!hit) {
      const s = decodeSnippet(await objects.readBytes(entry.id), `${SNIPPET_DIR}/${file}`);
      const { headerBytes, ...snippet } = s;
      hit = { snippet, header: headerBytes };
      cache.set(entry.id, hit);
    }
    out.push({ ...hit, blob: entry.id, file, layer });
  }
  return out.sort((a, b) => (a.snippet.nevra < b.snippet.nevra ? -1 : a.snippet.nevra > b.snippet.nevra ? 1 : 0));
}

const metas = new WeakMap<Buffer, PackageMeta>();
/** The header metadata of an installed package (parsed once). */
export function installedMeta(p: { header: Buffer; snippet: SnippetObject }): PackageMeta {
  let m = metas.get(p.header);
  if (!m) { m = packageMeta(new RpmHeader(p.header, p.snippet.nevra), p.snippet.nevra); metas.set(p.header, m); }
  return m;
}

/** An installed package as the resolver sees it: its dependencies from its header, its build id. */
export function installedRecord(p: InstalledPackage): PackageRecord {
  const m = installedMeta(p);
  const r: PackageRecord = {
    name: m.name, epoch: m.epoch ?? 0, version: m.version, release: m.release, arch: m.arch,
    provides: m.provides, requires: m.requires, conflicts: m.conflicts, obsoletes: m.obsoletes,
    files: m.files.map((f) => f.path), buildId: p.snippet.build, buildtime: m.buildtime,
  };
  if (m.disttag) r.disttag = m.disttag;
  return r;
}
