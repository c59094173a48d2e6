/**
 * Finding builds in a package-like branch (`packages`, a channel, the pins) by the ways
 * packagers name them: `name`, `name.arch`, `name-version`, `name-version-release`,
 * `name-[epoch:]version-release.arch`, or the build id that `bazaar ls` prints (the header
 * digest, `sha256:...`). That grammar is closed: a reference is never read as a file's
 * path, because the server passes references that clients wrote (the CLI, which takes an
 * .rpm path as `rpm -qp` does, turns it into its build id with `buildIdOfFile` first).
 * Lookups by name read only the trees on that name's path (ref-paths.ts), so they cost
 * the same in a store of 40 builds or 60,000.
 */
import { BazaarError, isErrno } from '../errors.js';
import { fsPromises } from '../lazy-builtins.js';
import type { FilePath } from '../rpm/index.js';
import { nevraKey, nevraOfKey, parseNevra } from '../rpm/names.js';
import type { BranchView } from './branch-view.js';
import type { BuildRecord } from './kinds/build.js';
import { isObjectId, objectIdOf } from './layout.js';
import type { ObjectId } from './layout.js';
import type { ObjectStore } from './objects.js';
import type { IndexedBuild, PackageIndex } from './package-index.js';
import { buildOfPath, buildPath, namePath } from './ref-paths.js';

/** A build as a branch lists it: its name and key from the path, the value it points at. */
export interface BuildEntry { name: string; key: string; nevra: string; value: ObjectId }

/** A build entry with its record read. `value` may be a layout-1 manifest: see `record`. */
export interface StoredBuild extends BuildEntry { build: BuildRecord }

function entryOf(name: string, key: string, value: ObjectId): BuildEntry {
  return { name, key, nevra: nevraOfKey(key), value };
}

/** The builds of one name in a branch (records not read). */
export async function entriesNamed(view: BranchView, branch: string, name: string): Promise<BuildEntry[]> {
  const { values } = await view.list(branch, namePath(name));
  return [...values].map(([key, value]) => entryOf(name, key, value)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The build at a key (`name-E:V-R.A`) in a branch, or null. */
export async function entryAt(view: BranchView, branch: string, name: string, key: string): Promise<BuildEntry | null> {
  const value = await view.read(branch, buildPath(name, key));
  return value === null ? null : entryOf(name, key, value);
}

/** Every build of a branch, sorted by name then key (reads every name's tree). */
export async function allEntries(view: BranchView, branch: string, commit?: string): Promise<BuildEntry[]> {
  const out: BuildEntry[] = [];
  for (const [path, value] of await view.entries(branch, commit)) {
    const b = buildOfPath(path);
    if (b) out.push(entryOf(b.name, b.key, value));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Reads the record an entry points at. */
export async function readBuild(objects: ObjectStore, entry: BuildEntry): Promise<StoredBuild> {
  return { ...entry, build: await objects.readKind(entry.value, 'build') };
}

/** How a reference narrows the builds of one candidate name. */
interface Candidate { name: string; test: (key: ReturnType<typeof parseNevra> & object) => boolean }

/** Every reading of `ref` as name plus constraints, as `rpm -q` reads a package label. */
function candidatesOf(ref: string): Candidate[] {
  const out: Candidate[] = [{ name: ref, test: () => true }];
  const dot = ref.lastIndexOf('.');
  if (dot > 0) out.push({ name: ref.slice(0, dot), test: (k) => k.arch === ref.slice(dot + 1) });
  const dash = ref.lastIndexOf('-');
  if (dash > 0) {
    const v = ref.slice(dash + 1);
    const colon = v.indexOf(':');
    const epoch = colon > 0 ? Number(v.slice(0, colon)) : null;
    const version = colon > 0 ? v.slice(colon + 1) : v;
    out.push({ name: ref.slice(0, dash), test: (k) => k.version === version && (epoch === null || (k.epoch ?? 0) === epoch) });
    const dash2 = ref.lastIndexOf('-', dash - 1);
    if (dash2 > 0) {
      const v2 = ref.slice(dash2 + 1, dash);
      const c2 = v2.indexOf(':');
      const e2 = c2 > 0 ? Number(v2.slice(0, c2)) : null;
      const ver2 = c2 > 0 ? v2.slice(c2 + 1) : v2;
      const rel = ref.slice(dash + 1);
      out.push({ name: ref.slice(0, dash2), test: (k) => k.version === ver2 && k.release === rel && (e2 === null || (k.epoch ?? 0) === e2) });
    }
  }
  const n = parseNevra(ref);
  if (n) {
    // No epoch written matches any epoch, as `rpm -q name-version-release.arch` does.
    out.push({ name: n.name, test: (k) => k.version === n.version && k.release === n.release && k.arch === n.arch && (n.epoch === null || (k.epoch ?? 0) === n.epoch) });
  }
  return out;
}

/**
 * The package index of the branch being searched: `loaded` when one is in memory (a
 * long-lived reader: every lookup is then a map access), `load` to read or build it
 * (needed for lookups by build id).
 */
export interface IndexSource { loaded(): PackageIndex | null; load(): Promise<PackageIndex> }

const fromIndex = (b: IndexedBuild): BuildEntry => ({ name: b.name, key: b.key, nevra: nevraOfKey(b.key), value: b.value });

/**
 * Every build of a branch that `ref` names (see the module comment), without reading
 * records. An exact key match wins over looser readings.
 */
export async function matchBuilds(view: BranchView, branch: string, ref: string, index?: IndexSource): Promise<BuildEntry[]> {
  const mem = index?.loaded() ?? null;
  if (isObjectId(ref)) {
    if (!index) return [];
    const idx = mem ?? (await index.load());
    return idx.builds.filter((b) => b.header === ref || b.value === ref).map(fromIndex);
  }
  const at = async (name: string, key: string): Promise<BuildEntry | null> => {
    if (mem) { const b = mem.get(key); return b ? fromIndex(b) : null; }
    return entryAt(view, branch, name, key);
  };
  const named = async (name: string): Promise<BuildEntry[]> => (mem ? mem.named(name).map(fromIndex) : entriesNamed(view, branch, name));
  // The common case first: a whole NEVRA, whose key (epoch 0 when none is written) exists.
  const exact = parseNevra(ref);
  if (exact) {
    const hit = await at(exact.name, nevraKey(exact));
    if (hit) return [hit];
  }
  const found = new Map<string, BuildEntry>();
  const byName = new Map<string, BuildEntry[]>();
  for (const c of candidatesOf(ref)) {
    if (c.name === '') continue;
    let list = byName.get(c.name);
    if (!list) { list = await named(c.name); byName.set(c.name, list); }
    for (const e of list) {
      const k = parseNevra(e.key);
      if (k && c.test(k)) found.set(e.key, e);
    }
  }
  return [...found.values()];
}

/** Longer than any NEVRA a packager writes; a longer reference is refused unread. */
const MAX_REF = 1024;

/**
 * Refuses what no package reference can be: empty, overlong, or holding a `/` (a name is
 * one git tree entry; a path is never looked up) or a control character (NUL included).
 * Returns the reference.
 */
export function checkPackageRef(ref: string): string {
  if (ref !== '' && ref.length <= MAX_REF && !/[/\x00-\x1f\x7f]/.test(ref) && ref !== '.' && ref !== '..') return ref;
  const shown = JSON.stringify(ref.length > 80 ? `${ref.slice(0, 80)}...` : ref);
  throw new BazaarError('ERR_BAD_INPUT', `${shown} is not a package reference: give a name, name.arch, name-version[-release], name-[epoch:]version-release.arch or a build id (sha256:...)`, { data: { ref: ref.slice(0, MAX_REF) } });
}

/**
 * The build id (header digest) of the .rpm file at `path`, as `rpm -qp` names a package
 * by its file; null when no file is there. For callers that were given a path by their
 * own user (the CLI): nothing that reads references calls it.
 */
export async function buildIdOfFile(path: FilePath): Promise<ObjectId | null> {
  if (String(path).includes('\0')) return null; // no file name holds a NUL
  try {
    if (!(await fsPromises().stat(path)).isFile()) return null;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
    // a symlink loop, a name too long, a directory we may not enter
    throw new BazaarError('ERR_BAD_INPUT', `${String(path)}: cannot read it as an .rpm file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err, data: { path: String(path) } });
  }
  // the .rpm reader is loaded here only: lookups by reference never read a file
  const { readRpmFile } = await import('../rpm/index.js');
  return objectIdOf((await readRpmFile(path)).header.bytes);
}

/** Where a reference is looked up: the store's packages, its pins, or a channel's builds. */
export type BuildScope = 'store' | 'pins' | { channel: string };

/**
 * The one build `ref` names in a branch (`scope` says which, for messages);
 * ERR_BAD_INPUT when `ref` is not a reference (checkPackageRef), ERR_PACKAGE_NOT_FOUND
 * (reason `no-package`, `data.scope`) or ERR_PACKAGE_AMBIGUOUS (listing the candidates)
 * otherwise.
 */
export async function findBuild(view: BranchView, branch: string, ref: string, scope: BuildScope, index?: IndexSource): Promise<BuildEntry> {
  const where = scope === 'store' ? 'the store' : scope === 'pins' ? 'the pins' : `channel ${scope.channel}`;
  const matches = await matchBuilds(view, branch, checkPackageRef(ref), index);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new BazaarError('ERR_PACKAGE_AMBIGUOUS', `${ref} names ${matches.length} builds in ${where} (${matches.map((b) => b.nevra).join(', ')}); give the full NEVRA`, { data: { ref, where, candidates: matches.map((b) => b.nevra) } });
  }
  const scopeData = typeof scope === 'string' ? { scope } : { scope: 'channel', channel: scope.channel };
  throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `no package ${ref} in ${where}`, { data: { ref, where, ...scopeData }, reason: 'no-package' });
}
