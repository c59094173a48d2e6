/**
 * The registry of object kinds, and typed reading and writing of JSON objects. Every
 * kind name maps to its module; the record is typed over KindName, so a kind that is
 * declared but not registered does not compile, and gc can never forget one.
 */
import { BazaarError } from '../../errors.js';
import { canonicalJson } from '../canonical-json.js';
import { isObjectId } from '../layout.js';
import type { ObjectId } from '../layout.js';
import type { ObjectStager } from '../object-reader.js';
import type { StagedObject } from '../objects.js';
import { buildKind } from './build.js';
import type { BuildRecord } from './build.js';
import { channelKind } from './channel.js';
import type { ChannelSettingsObject } from './channel.js';
import type { Kind, KindName, KindRef } from './kind.js';
import { packageKind } from './package.js';
import type { PackageManifest } from './package.js';
import { pinKind } from './pin.js';
import type { PinObject } from './pin.js';
import { treeKind } from './tree.js';
import type { TreeObject } from './tree.js';
import { layerKind } from './layer.js';
import type { LayerObject } from './layer.js';
import { imageKind } from './image.js';
import type { ImageObject } from './image.js';
import { groupKind } from './group.js';
import type { GroupObject } from './group.js';
import { snippetKind } from './snippet.js';
import type { SnippetObject } from './snippet.js';
import { upstreamKind } from './upstream.js';
import type { UpstreamObject } from './upstream.js';

export type { KindName, KindRef } from './kind.js';

/** The value type of each JSON kind. */
export interface KindValues {
  tree: TreeObject;
  package: PackageManifest;
  build: BuildRecord;
  channel: ChannelSettingsObject;
  pin: PinObject;
  layer: LayerObject;
  image: ImageObject;
  snippet: SnippetObject;
  group: GroupObject;
  upstream: UpstreamObject;
}
export type JsonKindName = keyof KindValues;

export const KINDS: { [K in JsonKindName]: Kind<KindValues[K]> } = {
  tree: treeKind, package: packageKind, build: buildKind, channel: channelKind, pin: pinKind,
  layer: layerKind, image: imageKind, snippet: snippetKind, group: groupKind, upstream: upstreamKind,
};

/** Blobs are raw bytes: no parsing, no references. */
export function isJsonKind(kind: KindName): kind is JsonKindName { return kind !== 'blob'; }

/** The kind a parsed JSON object says it is (`kind`, or layout 1's `type`). */
function declaredKind(value: Record<string, unknown>): string | undefined {
  const k = value.kind ?? value.type;
  return typeof k === 'string' ? k : undefined;
}

/**
 * Parses bytes as a JSON object of `kind`; ERR_STORE_OBJECT_CORRUPT when they are not one
 * (the store's own references name the kind they expect: another kind there is damage).
 * `asked`: the id came from a caller, for whom an intact object of another kind (a blob, a
 * build record where a manifest was asked for) is ERR_WRONG_KIND, a wrong id, not damage.
 */
export function decodeKind<K extends JsonKindName>(bytes: Buffer, id: ObjectId, kind: K, asked = false): KindValues[K] {
  let value: unknown = null;
  try { value = JSON.parse(bytes.toString('utf8')); } catch { /* a blob: reported below */ }
  const declared = value !== null && typeof value === 'object' && !Array.isArray(value) ? declaredKind(value as Record<string, unknown>) : undefined;
  if (declared !== kind) {
    const is = declared === undefined ? 'a blob (file content, an .rpm or its header), not a typed object' : `a ${declared}`;
    throw new BazaarError(asked ? 'ERR_WRONG_KIND' : 'ERR_STORE_OBJECT_CORRUPT', `object ${id} is ${is}, not a ${kind}`, { data: { id, kind, declared: declared ?? 'blob' } });
  }
  return KINDS[kind].parse(value as Record<string, unknown>, id) as KindValues[K];
}

/** An object id a caller gave, checked: ERR_USAGE when it is not one (undefined, a name, a typo). */
export function askedObjectId(id: unknown): ObjectId {
  if (typeof id === 'string' && isObjectId(id)) return id;
  const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 80)) : String(id);
  throw new BazaarError('ERR_USAGE', `${shown} is not an object id (sha256: and 64 hex digits)`, { data: { id: shown } });
}

/** Kinds small enough to keep parsed (manifests and trees can be large, and are many). */
const CACHED: ReadonlySet<JsonKindName> = new Set(['build', 'channel', 'pin', 'layer', 'image', 'group', 'upstream']);
const CACHE_MAX = 50_000;
/**
 * Trees up to this many entries are kept parsed too (frozen: callers build new trees, never
 * change one they read): images sharing layers walk the same directories again and again.
 */
const CACHED_TREE_ENTRIES = 1024;

function cacheable(kind: JsonKindName, value: unknown): boolean {
  if (CACHED.has(kind)) return true;
  if (kind !== 'tree') return false;
  const entries = (value as { entries: object[] }).entries;
  if (entries.length > CACHED_TREE_ENTRIES) return false;
  for (const e of entries) Object.freeze(e);
  Object.freeze(entries);
  return true;
}

/**
 * Parsed small typed objects (records, settings, images, layers, small trees) by id:
 * immutable, so a long-lived reader parses each once. Bounded; `cacheable` decides what
 * goes in. One per ObjectStore (objects.ts), whose `readKind` reads through it.
 */
export class ParsedObjects {
  private readonly parsed = new Map<ObjectId, unknown>();

  /** The parsed object `id` when it was read before as a `kind`. */
  get<K extends JsonKindName>(id: ObjectId, kind: K): KindValues[K] | undefined {
    const hit = this.parsed.get(id) as { kind: string } | undefined;
    return hit && hit.kind === kind ? hit as KindValues[K] : undefined;
  }

  /** Keeps `value` (just read and validated as `kind`) when its kind is kept; returns it. */
  keep<K extends JsonKindName>(id: ObjectId, kind: K, value: KindValues[K]): KindValues[K] {
    if (cacheable(kind, value)) {
      if (this.parsed.size >= CACHE_MAX) this.parsed.clear();
      this.parsed.set(id, value);
    }
    return value;
  }
}

/** The references of a JSON value of `kind`. */
export function refsOf<K extends JsonKindName>(kind: K, value: KindValues[K]): KindRef[] {
  return (KINDS[kind] as Kind<KindValues[K]>).refs(value);
}

/** A title for messages ("package bash-5.2-alt1.x86_64"), when the kind has one. */
export function titleOf<K extends JsonKindName>(kind: K, value: KindValues[K]): string | undefined {
  return (KINDS[kind] as Kind<KindValues[K]>).title?.(value);
}

/** The canonical bytes of a value of `kind`, with `kind` and the current schema version. */
export function encodeKind<K extends JsonKindName>(kind: K, value: Omit<KindValues[K], 'kind' | 'v'>): Buffer {
  return Buffer.from(canonicalJson({ ...value, kind, v: KINDS[kind].version }));
}

/** Stages a value of `kind`; returns the staged object (its id is the hash of the bytes). */
export function stageKind<K extends JsonKindName>(objects: ObjectStager, kind: K, value: Omit<KindValues[K], 'kind' | 'v'>): Promise<StagedObject> {
  return objects.stageBytes(encodeKind(kind, value));
}
