/**
 * Deleting and renaming images, deleting layers. A deleted image or layer leaves the
 * state and waits under `trash/` for the retention window, as a deleted channel does
 * (its history stays readable: `bazaar image log` of the trash branch; gc keeps what it
 * reached until then). What other images depend on is refused, naming them: an image
 * with linked children (unlink them first), a layer any version of any image uses.
 */
import { BazaarError } from '../errors.js';
import type { BranchView, ObjectId, Store, Transaction } from '../store/index.js';
import { IMAGE_CURRENT, imageBranch, layerBranch, stageKind, TRASH_PREFIX, versionPath, VERSIONS_DIR } from '../store/index.js';
import { imageId, imageNames } from '../image/index.js';
import { childrenOf } from '../linked/index.js';
import { LAYER_NAME } from '../layer/index.js';


function checkName(name: string, what: 'image' | 'layer'): void {
  if (!LAYER_NAME.test(name)) throw new BazaarError('ERR_USAGE', `'${name.slice(0, 80)}' is not a ${what} name (a-z, 0-9, '.', '_', '-'; at most 100 characters)`, { data: { name: name.slice(0, 80) } });
}

/** Moves a branch under trash/ with a commit saying why; returns the trash branch. */
async function toTrash(store: Store, tx: Transaction, branch: string, message: string): Promise<string> {
  const trash = `${TRASH_PREFIX}${Math.floor(store.now() / 1000)}/${branch}`;
  tx.commitTree(branch, (await tx.tree(branch)) as string, message);
  tx.setHead(trash, tx.head(branch));
  tx.setHead(branch, null);
  return trash;
}

/** Refuses while linked children name `name` as their parent. */
async function refuseWithChildren(store: Store, view: BranchView, name: string, doing: string): Promise<void> {
  const children = await childrenOf(view, store, name);
  if (children.length) {
    const names = children.map((c) => c.image.name).sort();
    throw new BazaarError('ERR_IMAGE', `cannot ${doing} image ${name}: ${names.join(', ')} ${names.length === 1 ? 'is a child' : 'are children'} linked to it`, { data: { image: name, children: names }, reason: 'has-children' });
  }
}

/**
 * Deletes an image: refused while children are linked to it.
 *
 * @example
 * await deleteImage(store, 'scratch-va');
 */
export async function deleteImage(store: Store, name: string): Promise<{ name: string; trash: string }> {
  checkName(name, 'image');
  return store.write(async (tx) => {
    await imageId(tx, name);
    await refuseWithChildren(store, tx, name, 'delete');
    return { name, trash: await toTrash(store, tx, imageBranch(name), `delete image ${name}`) };
  });
}

/**
 * Renames an image, keeping its history (the new branch continues the old one) and its
 * versions: each is published again under the new name (the same layers and trees; only
 * the image and private layer objects, which carry the name, are new). Refused while
 * children are linked to it (they name it) or when the new name is taken.
 *
 * @example
 * await renameImage(store, 'web-beta', 'web');
 */
export async function renameImage(store: Store, from: string, to: string): Promise<{ name: string; from: string; versions: number }> {
  checkName(from, 'image');
  checkName(to, 'image');
  return store.write(async (tx) => {
    await imageId(tx, from);
    if (from === to) throw new BazaarError('ERR_USAGE', `image ${from} already has that name`);
    if (tx.head(imageBranch(to)) !== null) throw new BazaarError('ERR_IMAGE', `image ${to} exists; delete it first or choose another name`, { data: { image: to } });
    await refuseWithChildren(store, tx, from, 'rename');
    const oldBranch = imageBranch(from);
    const renamed = new Map<ObjectId, ObjectId>();
    const changes: Array<{ path: string; id: ObjectId | null }> = [];
    for (const [version, id] of (await tx.list(oldBranch, VERSIONS_DIR)).values) {
      const image = await store.readKind(id, 'image');
      const { kind: _pk, v: _pv, ...priv } = await store.readKind(image.private, 'layer');
      const privStaged = await stageKind(tx, 'layer', { ...priv, name: to });
      const { kind: _k, v: _v, ...rest } = image;
      const staged = await stageKind(tx, 'image', { ...rest, name: to, private: privStaged.id });
      tx.stage(privStaged, staged);
      renamed.set(id, staged.id);
      changes.push({ path: versionPath(version), id: staged.id });
    }
    const current = await tx.read(oldBranch, IMAGE_CURRENT);
    changes.push({ path: IMAGE_CURRENT, id: renamed.get(current as ObjectId) ?? current });
    tx.setHead(imageBranch(to), tx.head(oldBranch));
    tx.setHead(oldBranch, null);
    await tx.update(imageBranch(to), changes, `rename image ${from} to ${to}`);
    return { name: to, from, versions: renamed.size };
  });
}

/**
 * Deletes a layer (every version): refused while any version of any image is built on it.
 *
 * @example
 * await deleteLayer(store, 'old-base');
 */
export async function deleteLayer(store: Store, name: string): Promise<{ name: string; trash: string }> {
  checkName(name, 'layer');
  return store.write(async (tx) => {
    if (tx.head(layerBranch(name)) === null) throw new BazaarError('ERR_LAYER', `no layer ${name}`, { data: { layer: name }, reason: 'no-layer' });
    const users: string[] = [];
    for (const image of imageNames(tx)) {
      for (const [version, id] of (await tx.list(imageBranch(image), VERSIONS_DIR)).values) {
        const obj = await store.readKind(id, 'image');
        if (obj.layers.some((l) => l.name === name)) users.push(`${image}@${version}`);
      }
    }
    if (users.length) {
      const shown = users.slice(0, 10).join(', ') + (users.length > 10 ? `, and ${users.length - 10} more` : '');
      throw new BazaarError('ERR_LAYER', `cannot delete layer ${name}: image versions are built on it (${shown}); delete those images first`, { data: { layer: name, images: users } });
    }
    return { name, trash: await toTrash(store, tx, layerBranch(name), `delete layer ${name}`) };
  });
}
