/**
 * Judging images against their links, for audit and for the check every change of images
 * ends on: an image complies with its link's policy (link-policy.ts), and it holds
 * together with what the link gives it from outside (image-closure.ts). A child that
 * complies but lacks what it needs is broken, never "complies"; a group the parent has
 * nothing of is reported, not read as "nothing to follow".
 *
 * Image objects are read once per judge, parents loaded once, rules made once per
 * policy and parent, and package sets come from the summaries and closure verdicts the
 * store keeps per image id, so judging 200 children reads small entries.
 */
import { BazaarError } from '../errors.js';
import type { Violation } from './linked-image.js';
import type { SetProblem } from '../resolver/index.js';
import type { BranchView, ImageObject, ObjectId, Store } from '../store/index.js';
import { treeReader } from '../stack/index.js';
import { imageClosure, unaccepted } from './image-closure.js';
import { imagePackages } from './image-packages.js';
import { imageId, imageNames, loadImage } from '../image/index.js';
import type { LoadedImage } from '../image/index.js';
import { linkRules, violations } from './link-policy.js';
import type { LinkRules } from './link-policy.js';
import { layerNames, layerVersions } from '../layer/index.js';

export interface AuditEntry {
  kind: 'image';
  image: string;
  version: string;
  /** null for an image without a parent (audit lists those only when they do not hold together). */
  parent: string | null;
  policy: string | null;
  parentVersion: string | null;
  violations: Violation[];
  /** What keeps the image from holding together (with what its link gives it), as rpm's problem lines. */
  dependencies: SetProblem[];
  /** Facts worth knowing that break nothing: a group the parent has no package of. */
  notes: string[];
}

export interface LayerAuditEntry { kind: 'layer'; layer: string; version: string; nodeps: string[] }

/** Whether an entry reports something broken (what makes audit exit 1). */
export const isBroken = (e: AuditEntry): boolean => e.violations.length > 0 || e.dependencies.length > 0;

export class FamilyJudge {
  private readonly get;
  private objects: Map<string, { id: ObjectId; image: ImageObject }> | null = null;
  private readonly parents = new Map<string, Promise<LoadedImage>>();
  private readonly rules = new Map<string, Promise<LinkRules>>();

  constructor(private readonly store: Store, private readonly view: BranchView) {
    this.get = treeReader(store);
  }

  /** Every image's current object, read once. */
  private async all(): Promise<Map<string, { id: ObjectId; image: ImageObject }>> {
    if (!this.objects) {
      const out = new Map<string, { id: ObjectId; image: ImageObject }>();
      for (const name of imageNames(this.view)) {
        const id = await imageId(this.view, name);
        out.set(name, { id, image: await this.store.readKind(id, 'image') });
      }
      this.objects = out;
    }
    return this.objects;
  }

  /** The names of the images linked to `parent`. */
  async childrenOf(parent: string): Promise<string[]> {
    return [...(await this.all()).values()].filter((x) => x.image.parent?.name === parent).map((x) => x.image.name);
  }

  private async object(name: string): Promise<{ id: ObjectId; image: ImageObject }> {
    const hit = (await this.all()).get(name);
    if (!hit) await imageId(this.view, name); // the usual "no image" error
    return hit as { id: ObjectId; image: ImageObject };
  }

  private parent(name: string): Promise<LoadedImage> {
    let p = this.parents.get(name);
    if (!p) { p = this.object(name).then((o) => loadImage(this.store, o.id, this.get)); this.parents.set(name, p); }
    return p;
  }

  private rulesFor(policy: string, parent: LoadedImage): Promise<LinkRules> {
    const key = `${policy} ${parent.id}`;
    let r = this.rules.get(key);
    if (!r) { r = linkRules(this.store, this.view, policy, parent); this.rules.set(key, r); }
    return r;
  }

  /** One image, as it stands in the view. */
  async judge(name: string): Promise<AuditEntry> {
    const { id, image } = await this.object(name);
    const load = async (): Promise<LoadedImage['db']> => (await loadImage(this.store, id, this.get)).db;
    const link = image.parent;
    const parent = link ? await this.parent(link.name) : null;
    const rules = link && parent ? await this.rulesFor(link.policy, parent) : null;
    const closure = await imageClosure(this.store, id, rules, load);
    const dependencies = unaccepted(closure, image);
    const notes = closure.filter((p) => !dependencies.includes(p)).map((p) => `accepted with --nodeps when it was created: ${p.text}`);
    const base = { kind: 'image' as const, image: name, version: image.version, dependencies };
    if (!link || !parent || !rules) return { ...base, parent: null, policy: null, parentVersion: null, violations: [], notes };
    if (rules.groupEmpty) notes.unshift(`group ${rules.policy.group} is empty in the parent ${link.name}@${parent.image.version} (it has no package of it): ${rules.policy.kind === 'partial' ? 'the child gets nothing of it from there, and holds what it needs itself' : 'the child may hold none of it'}`);
    const found = violations(rules, await imagePackages(this.store, id, load));
    return { ...base, parent: link.name, policy: link.policy, parentVersion: parent.image.version, violations: found, notes };
  }
}

/** One line per problem of an entry: its violations, then what it lacks. */
export function problemLines(e: AuditEntry): string[] {
  return [...e.violations.map((v) => v.message), ...e.dependencies.map((d) => d.text)];
}

/**
 * Every linked image judged against its link, and every other image that does not hold
 * together (or only `only`, linked or not).
 *
 * @example
 * (await store.read((s) => audit(store, s))).filter(isBroken);
 */
export async function audit(store: Store, view: BranchView, only?: string): Promise<AuditEntry[]> {
  const judge = new FamilyJudge(store, view);
  const out: AuditEntry[] = [];
  for (const name of only ? [only] : imageNames(view)) {
    const e = await judge.judge(name);
    if (only || e.parent !== null || isBroken(e)) out.push(e);
  }
  return out;
}

/** Every layer published with --nodeps, with the problems it was published despite. */
export async function layerExceptions(store: Store, view: BranchView): Promise<LayerAuditEntry[]> {
  const out: LayerAuditEntry[] = [];
  for (const name of layerNames(view).sort()) {
    for (const [version, id] of [...(await layerVersions(view, name))].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const layer = await store.readKind(id, 'layer');
      if (layer.nodeps?.length) out.push({ kind: 'layer', layer: name, version, nodeps: layer.nodeps });
    }
  }
  return out;
}

/**
 * The check every change of images ends on, in its transaction: each image `names`
 * names, and every image linked below them (unless `skipChildren`: those are left out of
 * sync on purpose, and audit shows them), complies with its link and holds together.
 * ERR_POLICY_VIOLATION naming each image and what is wrong, so the change is refused
 * whole rather than leaving a broken child behind an exit 0.
 */
export async function checkFamilies(store: Store, view: BranchView, names: readonly string[], doing: string, options: { skipChildren?: boolean } = {}): Promise<void> {
  const judge = new FamilyJudge(store, view);
  const seen = new Set<string>();
  const bad: string[] = [];
  const visit = async (name: string, root: boolean): Promise<void> => {
    if (seen.has(name)) return;
    seen.add(name);
    const e = await judge.judge(name);
    if (isBroken(e)) bad.push(`${e.parent ? `child ${name} (${e.parent}, ${e.policy})` : `image ${name}`}: ${problemLines(e).join('; ')}`);
    if (root && options.skipChildren) return;
    for (const c of await judge.childrenOf(name)) await visit(c, false);
  };
  for (const n of names) await visit(n, true);
  if (bad.length) {
    throw new BazaarError('ERR_POLICY_VIOLATION', `${doing} would leave ${bad.length === 1 ? 'an image' : `${bad.length} images`} broken: ${bad.join('; ')}; nothing was changed`, { data: { broken: bad } });
  }
}
