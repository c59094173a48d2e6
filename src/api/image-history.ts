/**
 * An image's history (git, in the store): every change to an image is a commit on
 * `images/<name>`, each publishing a version. Log, diff between two versions (packages
 * added, removed and changed; files changed), rollback (the whole previous image object
 * becomes current again, as a new commit: atomic, history never rewritten) and
 * cherry-pick (the package request one commit made, run against another image through
 * the resolver).
 */
import { displayNevra } from '../rpm/index.js';
import { BazaarError } from '../errors.js';
import { commitsNamed, readRevision } from '../policy/index.js';
import type { BranchView, ObjectId, Store, Transaction, TreeEntry } from '../store/index.js';
import { IMAGE_CURRENT, IMAGE_PREFIX, imageBranch, versionPath, VERSIONS_DIR } from '../store/index.js';
import { treeReader } from '../stack/index.js';
import type { GetTree } from '../stack/index.js';
import { imageId, loadImage, parseJobs } from '../image/index.js';
import type { ChangeResult } from '../image/index.js';
import { changeImage } from './image-ops.js';
import semver from 'semver';
import { carryChildren, checkFamilies, childrenOf, imageClosure, imagePackages, linkRules, parseLinkPolicy, unaccepted, violations } from '../linked/index.js';
import type { InstalledPackage } from '../pkgdb/index.js';

export interface ImageLogEntry { commit: string; time: string; version: string; message: string }

/**
 * The commits of an image, newest first, with the version each made current.
 *
 * @example
 * (await store.read((s) => imageLog(store, s, 'webapp')))[0].version; // '1.0.1'
 */
export async function imageLog(store: Store, view: BranchView, name: string): Promise<ImageLogEntry[]> {
  await imageId(view, name);
  const out: ImageLogEntry[] = [];
  for (const c of await view.log(imageBranch(name))) {
    const id = await view.read(imageBranch(name), IMAGE_CURRENT, c.oid);
    const version = id ? (await store.readKind(id, 'image')).version : '';
    out.push({ commit: c.oid, time: new Date(c.timestamp * 1000).toISOString(), version, message: c.message });
  }
  return out;
}

/**
 * The image object a reference names: a version (`1.0.2`), a commit of the image's
 * branch (or a prefix of one), or `HEAD~N` (the state N commits back).
 */
export async function imageAt(view: BranchView, name: string, ref: string): Promise<ObjectId> {
  const branch = imageBranch(name);
  await imageId(view, name);
  const byVersion = await view.read(branch, versionPath(ref)).catch(() => null);
  if (byVersion) return byVersion;
  const named = readRevision(ref);
  const found = named ? commitsNamed(await view.log(branch), named) : [];
  const id = found.length === 1 ? await view.read(branch, IMAGE_CURRENT, found[0].oid) : null;
  if (!id) {
    const versions = [...(await view.list(branch, VERSIONS_DIR)).values.keys()];
    throw new BazaarError('ERR_IMAGE', `'${ref}' is not a version (${versions.join(', ')}), HEAD~N or commit of image ${name}`, { data: { image: name, ref }, reason: 'bad-revision' });
  }
  return id;
}

/** Every non-directory path of a merged image: path -> what it is (kind, content, mode, owner, target). */
async function mergedFiles(trees: readonly ObjectId[], get: GetTree): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const apply = async (tree: ObjectId, prefix: string): Promise<void> => {
    for (const e of (await get(tree)).entries) {
      const path = `${prefix}/${e.name}`;
      if (e.whiteout) { for (const k of [...out.keys()]) if (k === path || k.startsWith(`${path}/`)) out.delete(k); continue; }
      if (e.kind === 'dir') {
        if (e.opaque) for (const k of [...out.keys()]) if (k.startsWith(`${path}/`)) out.delete(k);
        if (e.id) await apply(e.id, path);
        continue;
      }
      for (const k of [...out.keys()]) if (k.startsWith(`${path}/`)) out.delete(k);
      out.set(path, signature(e));
    }
  };
  for (const t of trees) await apply(t, '');
  return out;
}

function signature(e: TreeEntry): string {
  return JSON.stringify([e.kind, e.id ?? null, e.mode, e.user, e.group, e.target ?? null, e.rdev ?? null]);
}

export interface ImageDiff {
  from: string;
  to: string;
  added: string[];
  removed: string[];
  changed: Array<{ name: string; from: string; to: string }>;
  files: { added: string[]; removed: string[]; changed: string[] };
}

/**
 * What changed between two states of an image (`a` and `b` as for `imageAt`).
 *
 * @example
 * await store.read((s) => diffImage(store, s, 'webapp', '1.0.0', '1.0.1'));
 */
export async function diffImage(store: Store, view: BranchView, name: string, a: string, b: string): Promise<ImageDiff> {
  const get = treeReader(store);
  const before = await loadImage(store, await imageAt(view, name, a), get);
  const after = await loadImage(store, await imageAt(view, name, b), get);
  const byName = (db: typeof before.db): Map<string, string> => new Map(db.map((p) => [`${p.snippet.name}.${p.snippet.arch}`, displayNevra(p.snippet)]));
  const x = byName(before.db);
  const y = byName(after.db);
  const fx = await mergedFiles(before.trees, get);
  const fy = await mergedFiles(after.trees, get);
  return {
    from: before.image.version, to: after.image.version,
    added: [...y].filter(([k]) => !x.has(k)).map(([, v]) => v).sort(),
    removed: [...x].filter(([k]) => !y.has(k)).map(([, v]) => v).sort(),
    changed: [...y].filter(([k, v]) => x.has(k) && x.get(k) !== v).map(([k, v]) => ({ name: k.slice(0, k.lastIndexOf('.')), from: x.get(k) as string, to: v })),
    files: {
      added: [...fy.keys()].filter((p) => !fx.has(p)).sort(),
      removed: [...fx.keys()].filter((p) => !fy.has(p)).sort(),
      changed: [...fy].filter(([p, s]) => fx.has(p) && fx.get(p) !== s).map(([p]) => p).sort(),
    },
  };
}

/**
 * Makes a past state of an image current again (`to`: a version, commit or HEAD~N;
 * default: the state before the current one), as one new commit: the identical image
 * object, layers and private layer included. Its linked children follow: mirror children
 * go back to their latest version that complies and holds together, the others are
 * carried along as after any change of their parent; the rollback is refused, naming
 * them, when a child (or the image itself, against its own parent) would be left
 * violating its link or broken. `skipChildren` leaves the children as they are.
 *
 * @example
 * await rollbackImage(store, 'webapp', { to: '1.0.0' });
 */
export async function rollbackImage(store: Store, name: string, options: { to?: string; skipChildren?: boolean } = {}): Promise<{ name: string; version: string; id: ObjectId; from: string; children: Array<{ image: string; version: string }> }> {
  return store.write(async (tx) => {
    const current = await imageId(tx, name);
    const id = await imageAt(tx, name, options.to ?? 'HEAD~1');
    const from = (await store.readKind(current, 'image')).version;
    const image = await store.readKind(id, 'image');
    if (id === current) return { name, version: image.version, id, from, children: [] };
    await tx.update(imageBranch(name), [{ path: IMAGE_CURRENT, id }], `roll back image ${name} from ${from} to ${image.version}\n\nimage ${name}@${image.version}`);
    const mirrored = options.skipChildren ? [] : await rollbackMirrors(store, tx, name);
    const carried = await carryChildren(store, tx, id, { skipChildren: options.skipChildren, previous: current });
    // the children of a mirror child taken back follow it as they follow any change
    for (const m of mirrored) carried.push(...(await carryChildren(store, tx, await imageId(tx, m.image))));
    await checkFamilies(store, tx, [name], `rolling ${name} back to ${image.version}`, options);
    return { name, version: image.version, id, from, children: [...mirrored, ...carried.map((c) => ({ image: c.image, version: c.version }))] };
  });
}

/**
 * A parent rolled back takes its mirror children back too: each to its latest version
 * that complies with the parent as it now is and holds together. A child with no such
 * version is carried along afterwards (rollbackImage), or blocks the rollback.
 */
async function rollbackMirrors(store: Store, tx: Transaction, parent: string): Promise<Array<{ image: string; version: string }>> {
  const out: Array<{ image: string; version: string }> = [];
  const get = treeReader(store);
  const parentNow = await loadImage(store, await imageId(tx, parent), get);
  for (const child of await childrenOf(tx, store, parent)) {
    const link = child.image.parent;
    if (!link || parseLinkPolicy(link.policy).kind !== 'mirror') continue;
    const rules = await linkRules(store, tx, link.policy, parentNow);
    if (violations(rules, await imagePackages(store, child.id, async () => (await loadImage(store, child.id, get)).db)).length === 0) continue;
    const versions = [...(await tx.list(imageBranch(child.image.name), VERSIONS_DIR)).values].sort((a, b) => semver.rcompare(a[0], b[0]));
    for (const [version, vid] of versions) {
      if ((await store.readKind(vid, 'image')).parent?.name !== parent) continue;
      const db = async (): Promise<InstalledPackage[]> => (await loadImage(store, vid, get)).db;
      if (violations(rules, await imagePackages(store, vid, db)).length || unaccepted(await imageClosure(store, vid, rules, db), child.image).length) continue;
      await tx.update(imageBranch(child.image.name), [{ path: IMAGE_CURRENT, id: vid }], `roll back image ${child.image.name} to ${version} with its parent ${parent}\n\nimage ${child.image.name}@${version}`);
      out.push({ image: child.image.name, version });
      out.push(...(await rollbackMirrors(store, tx, child.image.name)));
      break;
    }
  }
  return out;
}

/** The commit a reference names in any image's history: `IMAGE:REV` or a commit (prefix). */
async function findCommit(view: BranchView, ref: string): Promise<{ image: string; commit: string; message: string }> {
  const colon = ref.indexOf(':');
  const images = colon > 0 ? [ref.slice(0, colon)] : view.branches(IMAGE_PREFIX).map((b) => b.slice(IMAGE_PREFIX.length));
  const rev = colon > 0 ? ref.slice(colon + 1) : ref;
  const found: Array<{ image: string; commit: string; message: string }> = [];
  const named = readRevision(rev); // not a revision: no commit, refused below
  if (named) {
    for (const image of images) for (const c of commitsNamed(await view.log(imageBranch(image)), named)) found.push({ image, commit: c.oid, message: c.message });
  }
  if (found.length !== 1) {
    if (found.length === 0) throw new BazaarError('ERR_IMAGE', `no image commit '${ref}'`, { data: { ref }, reason: 'no-image-commit' });
    throw new BazaarError('ERR_IMAGE', `'${ref}' names ${found.length} commits (${found.map((f) => `${f.image}:${f.commit.slice(0, 12)}`).join(', ')}); give IMAGE:COMMIT`, { data: { ref } });
  }
  return found[0];
}

/**
 * Applies the package change one commit made (to any image) to `name`: its request (the
 * `Jobs:` the commit records) is run against this image through the resolver, so the
 * result is what making the same request here directly gives. Refused, saying why, when
 * the commit is not a package change or its request does not resolve here.
 *
 * @example
 * await cherryPick(store, 'webapp-eu', 'webapp:3f2a9c1');
 */
export async function cherryPick(store: Store, name: string, ref: string): Promise<ChangeResult & { from: string }> {
  const found = await store.read((view) => findCommit(view, ref));
  const change = parseJobs(found.message);
  if (!change) {
    throw new BazaarError('ERR_IMAGE', `commit ${found.commit.slice(0, 12)} of image ${found.image} is not a package change (${found.message.split('\n')[0]}); only installs, removals and upgrades can be picked`, { data: { commit: found.commit } });
  }
  const r = await changeImage(store, name, change, { message: `cherry-pick ${found.image}:${found.commit.slice(0, 12)} (${found.message.split('\n')[0]})` });
  return { ...r, from: `${found.image}:${found.commit}` };
}
