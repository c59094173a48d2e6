/**
 * Linked images: a child image (a VA) follows its parent (its host) under a content
 * policy (linked/linked-image.ts, link-policy.ts). Linking brings the child into
 * compliance in the same step, or fails and changes nothing; an update of a parent
 * carries its children (and theirs) along in the same transaction, each child getting a
 * new version, or the whole update is refused naming every child and package that
 * blocks it; `skipChildren` leaves them out of sync on purpose, which audit then shows.
 */
import { BazaarError, isDamageError } from '../errors.js';
import { formatLinkPolicy, parseLinkPolicy } from './linked-image.js';
import type { Violation } from './linked-image.js';
import { channelSource, MemorySource } from '../resolver/index.js';
import type { BranchView, ImageObject, ImageParent, ObjectId, ObjectReader, Store, Transaction } from '../store/index.js';
import { treeReader } from '../stack/index.js';
import { applyPlan, imageId, imageNames, loadImage, planChange, planLines, recordsOfChannel } from '../image/index.js';
import type { ChangeResult, ImageChange, LoadedImage, RecordOf } from '../image/index.js';
import { imageClosure, unaccepted } from './image-closure.js';
import { imagePackages, packagesOfDb } from './image-packages.js';
import { checkFamilies } from './link-judge.js';
import { linkConstraints, linkRules, violations, withParentBuilds } from './link-policy.js';
import type { LinkRules } from './link-policy.js';

/**
 * The images linked to `parent`, by name. An image whose object cannot be read fails the
 * call (a write must not leave a child behind), unless the reader passes `onDamaged`: then
 * it is told of it (whether it is a child cannot be known) and the rest are listed.
 */
export async function childrenOf(view: BranchView, objects: ObjectReader, parent: string, onDamaged?: (name: string, err: BazaarError) => void): Promise<Array<{ id: ObjectId; image: ImageObject }>> {
  const out: Array<{ id: ObjectId; image: ImageObject }> = [];
  for (const name of imageNames(view)) {
    // the image object alone says whose child it is; package sets are read only where needed
    let id: ObjectId;
    let image: ImageObject;
    try {
      id = await imageId(view, name);
      image = await objects.readKind(id, 'image');
    } catch (err) {
      if (!onDamaged || !isDamageError(err)) throw err;
      onDamaged(name, err);
      continue;
    }
    if (image.parent?.name === parent) out.push({ id, image });
  }
  return out;
}

/** The rules of an image's link, against its parent's current state (null: not linked). */
export async function rulesOf(store: Store, view: BranchView, child: LoadedImage, parentNow?: LoadedImage): Promise<LinkRules | null> {
  const link = child.image.parent;
  if (!link) return null;
  const parent = parentNow ?? (await loadImage(store, await imageId(view, link.name)));
  return linkRules(store, view, link.policy, parent);
}

/** What brings a child into compliance: the names to install (at the parent's builds) and to erase. */
function complianceChange(found: readonly Violation[], rules: LinkRules): ImageChange {
  const install = new Set<string>();
  const erase = new Set<string>();
  const parentHas = new Set(rules.parent.db.map((p) => p.snippet.name));
  for (const v of found) {
    if (v.kind === 'not-in-parent' || (v.kind === 'parent-dependency' && !parentHas.has(v.name))) erase.add(v.name);
    else install.add(v.name);
  }
  return { install: [...install], erase: [...erase] };
}

/** Finds a build's record: in the child's channel, else anywhere in the store (a parent's build). */
export function recordsAnywhere(store: Store, view: BranchView, channel: string | undefined): RecordOf {
  const inChannel = channel ? recordsOfChannel(store, view, channel) : null;
  return async (buildId, key) => {
    const hit = inChannel ? await inChannel(buildId, key) : null;
    if (hit) return hit;
    // No build id: an on-demand mirror's package not fetched yet, stored nowhere.
    if (!buildId) return null;
    const found = (await store.index(view)).byHeader(buildId)[0];
    return found ? { record: await store.build(found.value), recordId: found.value } : null;
  };
}

/**
 * Brings `child` into compliance with its link (against `parentNow`), in `tx`, and keeps
 * it whole: what the link no longer gives it (a partial parent that dropped or moved a
 * package the child needs) is installed in it from its channel, within the policy. Null
 * when it complies and holds together already, else the change made. Refused
 * (ERR_POLICY_VIOLATION, ERR_NO_SOLUTION) naming the packages that would break.
 */
export async function bringIntoCompliance(store: Store, tx: Transaction, child: LoadedImage, rules: LinkRules, why: string, link: ImageParent): Promise<ChangeResult | null> {
  const found = violations(rules, packagesOfDb(child.db));
  const broken = unaccepted(await imageClosure(store, child.id, rules, async () => child.db), child.image);
  const linked = child.image.parent;
  if (found.length === 0 && broken.length === 0 && linked?.name === link.name && linked.policy === link.policy) return null;
  const { constraints, virtual, extra } = linkConstraints(rules, child);
  const universe = child.image.channel ? await channelSource(store, tx, child.image.channel) : new MemorySource([], 'no channel');
  const change = complianceChange(found, rules);
  // no job but the violations: the resolver keeps what is installed, so an unmet need pulls a provider in
  const plan = found.length === 0 && broken.length === 0 ? { add: [], remove: [] }
    : await planChange(child, withParentBuilds(universe, extra), change, recordsAnywhere(store, tx, child.image.channel), { constraints, virtual, allowUninstall: true });
  // compliance may replace or remove the packages it names, and replace others (a build
  // the parent replaced by an obsoleting package follows it), never take others along
  const named = new Set([...(change.install ?? []), ...(change.erase ?? [])]);
  const dragged = plan.remove.filter((p) => !named.has(p.snippet.name) && !plan.replaced?.has(p.blob));
  if (dragged.length) {
    const what = dragged.map((p) => p.snippet.nevra).join(', ');
    const needs = [...(named.size ? [`they need ${[...named].join(', ')}`] : []), ...broken.map((b) => b.text)].join('; ');
    throw new BazaarError('ERR_POLICY_VIOLATION', `image ${child.image.name}: ${found.length ? `complying with ${link.policy}` : `staying whole under ${link.policy}`} would break ${what} (${needs})`, { data: { image: child.image.name, breaks: dragged.map((p) => p.snippet.nevra) } });
  }
  const what = planLines(plan);
  return applyPlan(store, tx, child, plan, `${why}${what.length ? `\n\n${what.join('\n')}` : ''}`, { parent: link });
}

/** Why a child cannot follow, for the refusal naming every child that blocks (other errors go on up). */
function blocker(err: unknown, child: string, policy: string): string {
  if (!(err instanceof BazaarError) || !['ERR_NO_SOLUTION', 'ERR_POLICY_VIOLATION', 'ERR_FILE_CONFLICT', 'ERR_IMAGE'].includes(err.code)) throw err;
  return `child ${child} (${policy}): ${err.message.replace(/^image \S+: /, '')}`;
}

export interface FamilyResult { image: string; version: string; id: ObjectId; installed: string[]; removed: string[] }

/**
 * After `parent` changed (in `tx`), brings each linked child along, and theirs, each as a
 * new version: into compliance with its policy, and whole (what the parent no longer
 * gives it is installed in it, within the policy). All or nothing: ERR_POLICY_VIOLATION
 * naming every child and package that blocks. With `skipChildren`, nothing is done
 * (audit shows the children out of sync). `previous`: the parent before the change, to
 * report a group the change leaves empty.
 */
export async function carryChildren(store: Store, tx: Transaction, parentId: ObjectId, options: { skipChildren?: boolean; previous?: ObjectId } = {}): Promise<FamilyResult[]> {
  if (options.skipChildren) return [];
  const get = treeReader(store);
  const parent = await loadImage(store, parentId, get);
  const out: FamilyResult[] = [];
  const blockers: string[] = [];
  const rulesByPolicy = new Map<string, LinkRules>();
  const before = options.previous && options.previous !== parentId ? await loadImage(store, options.previous, get) : null;
  for (const { id, image } of await childrenOf(tx, store, parent.image.name)) {
    const link = image.parent as ImageParent;
    try {
      let rules = rulesByPolicy.get(link.policy);
      if (!rules) {
        rules = await linkRules(store, tx, link.policy, parent);
        rulesByPolicy.set(link.policy, rules);
        if (rules.groupEmpty && before && !(await linkRules(store, tx, link.policy, before)).groupEmpty) {
          store.notice(`${parent.image.name}@${parent.image.version} has no package of group ${rules.policy.group} any more: its children linked ${link.policy} get nothing of it from there (audit notes it)`);
        }
      }
      // the summary and the closure verdict spare loading children that need nothing; one loaded to make them is kept
      let loaded: LoadedImage | undefined;
      const load = async (): Promise<LoadedImage> => (loaded ??= await loadImage(store, id, get));
      const found = violations(rules, await imagePackages(store, id, async () => (await load()).db));
      if (found.length === 0 && unaccepted(await imageClosure(store, id, rules, async () => (await load()).db), image).length === 0) continue;
      const child = await load();
      const r = await bringIntoCompliance(store, tx, child, rules, `follow parent ${parent.image.name}@${parent.image.version} (${link.policy})`, link);
      if (!r) continue;
      out.push({ image: r.name, version: r.version, id: r.id, installed: r.installed, removed: r.removed });
      out.push(...(await carryChildren(store, tx, r.id)));
    } catch (err) {
      blockers.push(blocker(err, image.name, link.policy));
    }
  }
  if (blockers.length) {
    throw new BazaarError('ERR_POLICY_VIOLATION', `the update of ${parent.image.name} cannot carry its linked children: ${blockers.join('; ')}; fix them, or pass --skip-children to leave them out of sync`, { data: { image: parent.image.name, blockers } });
  }
  return out;
}

/**
 * After group `group` changed (in `tx`), the children linked under a policy over it
 * follow: each brought into compliance and kept whole (and its own children carried), or
 * ERR_POLICY_VIOLATION naming every child that blocks.
 */
export async function followGroup(store: Store, tx: Transaction, group: string): Promise<FamilyResult[]> {
  const out: FamilyResult[] = [];
  const blockers: string[] = [];
  const following: string[] = [];
  for (const name of imageNames(tx)) {
    const c = await loadImage(store, await imageId(tx, name));
    const link = c.image.parent;
    if (!link || parseLinkPolicy(link.policy).group !== group) continue;
    following.push(name);
    try {
      const r = await bringIntoCompliance(store, tx, c, await rulesOf(store, tx, c) as LinkRules, `follow group ${group} (${link.policy})`, link);
      if (!r) continue;
      out.push({ image: r.name, version: r.version, id: r.id, installed: r.installed, removed: r.removed }, ...(await carryChildren(store, tx, r.id)));
    } catch (err) {
      blockers.push(blocker(err, name, link.policy));
    }
  }
  if (blockers.length) throw new BazaarError('ERR_POLICY_VIOLATION', `changing group ${group} cannot carry the children linked over it: ${blockers.join('; ')}`, { data: { group, blockers } });
  await checkFamilies(store, tx, following, `changing group ${group}`);
  return out;
}

/** Refuses a link that would make a cycle (an image its own ancestor). */
async function checkNoCycle(store: Store, view: BranchView, child: string, parent: string): Promise<void> {
  let at: string | undefined = parent;
  for (let depth = 0; at !== undefined && depth < 64; depth++) {
    if (at === child) throw new BazaarError('ERR_USAGE', `linking ${child} under ${parent} would make ${child} its own ancestor`, { data: { child, parent } });
    at = (await loadImage(store, await imageId(view, at))).image.parent?.name;
  }
}

/**
 * Links `child` under `parent` with a content policy, bringing the child into compliance
 * in the same commit, or changing nothing.
 *
 * @example
 * await linkImage(store, 'webapp', 'host', 'sync:minimal');
 */
export async function linkImage(store: Store, child: string, parent: string, policyText: string): Promise<ChangeResult & { children: FamilyResult[] }> {
  const policy = formatLinkPolicy(parseLinkPolicy(policyText));
  return store.write(async (tx) => {
    const c = await loadImage(store, await imageId(tx, child));
    const p = await loadImage(store, await imageId(tx, parent));
    await checkNoCycle(store, tx, child, parent);
    const rules = await linkRules(store, tx, policy, p);
    const link: ImageParent = { name: parent, policy };
    const r = await bringIntoCompliance(store, tx, { ...c, image: { ...c.image, parent: undefined } }, rules, `link ${child} to ${parent} (${policy})`, link) as ChangeResult;
    const children = await carryChildren(store, tx, r.id);
    await checkFamilies(store, tx, [child], `linking ${child} to ${parent}`);
    return { ...r, children };
  });
}

/** Changes the policy of a link (bringing the child into compliance with it). */
export async function setLinkPolicy(store: Store, child: string, policyText: string): Promise<ChangeResult & { children: FamilyResult[] }> {
  const policy = formatLinkPolicy(parseLinkPolicy(policyText));
  return store.write(async (tx) => {
    const c = await loadImage(store, await imageId(tx, child));
    if (!c.image.parent) throw new BazaarError('ERR_USAGE', `image ${child} is not linked`, { data: { image: child, policy }, reason: 'not-linked' });
    const p = await loadImage(store, await imageId(tx, c.image.parent.name));
    const rules = await linkRules(store, tx, policy, p);
    const link: ImageParent = { name: c.image.parent.name, policy };
    const r = await bringIntoCompliance(store, tx, { ...c, image: { ...c.image, parent: undefined } }, rules, `set policy of ${child} to ${policy}`, link) as ChangeResult;
    const children = await carryChildren(store, tx, r.id);
    await checkFamilies(store, tx, [child], `setting the policy of ${child} to ${policy}`);
    return { ...r, children };
  });
}

/**
 * Unlinks a child, as a new version. Its packages stay as they are, and what its parent
 * gave it (a partial link) is installed in it from its channel, so that it stays whole;
 * refused, naming the package, when that cannot be done.
 */
export async function unlinkImage(store: Store, child: string): Promise<ChangeResult & { children: FamilyResult[] }> {
  return store.write(async (tx) => {
    const c = await loadImage(store, await imageId(tx, child));
    if (!c.image.parent) throw new BazaarError('ERR_USAGE', `image ${child} is not linked`);
    const alone = { ...c, image: { ...c.image, parent: undefined } };
    const plan = unaccepted(await imageClosure(store, c.id, null, async () => c.db), c.image).length === 0 ? { add: [], remove: [] }
      : await planChange(alone, c.image.channel ? await channelSource(store, tx, c.image.channel) : new MemorySource([], 'no channel'), {}, recordsAnywhere(store, tx, c.image.channel), { virtual: linkConstraints(null, c).virtual });
    const what = planLines(plan);
    const r = await applyPlan(store, tx, c, plan, `unlink ${child} from ${c.image.parent.name}${what.length ? `\n\n${what.join('\n')}` : ''}`, { unlink: true });
    await checkFamilies(store, tx, [child], `unlinking ${child}`);
    return { ...r, children: [] };
  });
}

/** Brings a child back into compliance (after --skip-children, or a policy change). */
export async function syncImage(store: Store, child: string): Promise<(ChangeResult & { children: FamilyResult[] }) | null> {
  return store.write(async (tx) => {
    const c = await loadImage(store, await imageId(tx, child));
    const rules = await rulesOf(store, tx, c);
    if (!rules || !c.image.parent) throw new BazaarError('ERR_USAGE', `image ${child} is not linked to a parent; nothing to sync with`);
    const r = await bringIntoCompliance(store, tx, c, rules, `sync ${child} with ${c.image.parent.name} (${c.image.parent.policy})`, { name: c.image.parent.name, policy: c.image.parent.policy });
    const children = r ? await carryChildren(store, tx, r.id) : [];
    await checkFamilies(store, tx, [child], `syncing ${child}`);
    return r ? { ...r, children } : null;
  });
}

export { audit, layerExceptions } from './link-judge.js';
export type { AuditEntry, LayerAuditEntry } from './link-judge.js';

/** One image in the tree of links; `damaged` (why) when its image object cannot be read: then it stands at the root, its link unknown. */
export interface LinkNode { image: string; version: string; policy: string | null; children: LinkNode[]; damaged?: string }

/** The forest of links: every image with no parent at the root, children under it. */
export async function linkTree(store: Store, view: BranchView): Promise<LinkNode[]> {
  // the image objects alone say who links to whom: package sets are not read
  const read = async (name: string): Promise<{ name: string; image: ImageObject | null; damaged?: string }> => {
    try {
      return { name, image: await store.readKind(await imageId(view, name), 'image') };
    } catch (err) {
      if (!isDamageError(err)) throw err;
      return { name, image: null, damaged: err.message.split('\n')[0] };
    }
  };
  const all = await Promise.all(imageNames(view).map(read));
  const node = (x: (typeof all)[number]): LinkNode => ({
    image: x.name, version: x.image?.version ?? '', policy: x.image?.parent?.policy ?? null,
    children: all.filter((c) => c.image?.parent?.name === x.name).map(node), ...(x.damaged ? { damaged: x.damaged } : {}),
  });
  return all.filter((x) => !x.image?.parent || !all.some((p) => p.name === x.image?.parent?.name)).map(node);
}
