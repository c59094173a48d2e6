/**
 * Linked images for build tools (docs/linked-images.md, docs/library.md): a child image
 * follows its parent under a content policy (`sync:G`, `mirror:G`, `partial:G` over a
 * package group); audit judges every child's policy and dependency closure.
 *
 * @example
 *   await linkImage(store, { child: 'va', parent: 'host', policy: 'sync:minimal' });
 *   const report = await auditImages(store, {});
 */
import {
  audit, layerExceptions, linkImage as linkImageOp, linkTree, listGroups as listGroupsOp, setGroup as setGroupOp, setLinkPolicy as setLinkPolicyOp, syncImage as syncImageOp,
  unlinkImage as unlinkImageOp,
} from '../linked/index.js';
import type { Store } from '../store/index.js';
import { checkOptions } from './check-options.js';
import type { Result } from './check-options.js';
import { checkStore } from './store-arg.js';


/** Links `child` to `parent` under `policy`, bringing the child into compliance as a new version. */
export async function linkImage(store: Store, options: { child: string; parent: string; policy: string }): Promise<Result<typeof linkImageOp>> {
  const s = checkStore('linkImage', store);
  const o = checkOptions<typeof options>('linkImage', options, { child: 'string', parent: 'string', policy: 'string' });
  return linkImageOp(s, o.child, o.parent, o.policy);
}

/** Changes a linked child's policy. */
export async function setLinkPolicy(store: Store, options: { child: string; policy: string }): Promise<Result<typeof setLinkPolicyOp>> {
  const s = checkStore('setLinkPolicy', store);
  const o = checkOptions<typeof options>('setLinkPolicy', options, { child: 'string', policy: 'string' });
  return setLinkPolicyOp(s, o.child, o.policy);
}

/** Unlinks a child: it keeps its packages and follows no one. */
export async function unlinkImage(store: Store, options: { child: string }): Promise<Result<typeof unlinkImageOp>> {
  const s = checkStore('unlinkImage', store);
  const o = checkOptions<typeof options>('unlinkImage', options, { child: 'string' });
  return unlinkImageOp(s, o.child);
}

/** Brings a child into compliance with its parent now (null when it complies). */
export async function syncImage(store: Store, options: { child: string }): Promise<Result<typeof syncImageOp>> {
  const s = checkStore('syncImage', store);
  const o = checkOptions<typeof options>('syncImage', options, { child: 'string' });
  return syncImageOp(s, o.child);
}

/** The families of linked images, parents first. */
export async function linkedImages(store: Store): Promise<Result<typeof linkTree>> {
  const s = checkStore('linkedImages', store);
  return s.read((view) => linkTree(s, view));
}

/**
 * Every linked child (or `image` alone) judged against its policy and its dependency
 * closure, and (for all) the layers and images published with --nodeps.
 */
export async function auditImages(store: Store, options: { image?: string }): Promise<{ entries: Result<typeof audit>; layers: Result<typeof layerExceptions> }> {
  const s = checkStore('auditImages', store);
  const o = checkOptions<typeof options>('auditImages', options, { image: 'string?' });
  return s.read(async (view) => ({ entries: await audit(s, view, o.image), layers: o.image ? [] : await layerExceptions(s, view) }));
}

/** Every package group: the built-in ones (minimal, core-os, all), then the configured ones. */
export async function listGroups(store: Store): Promise<Result<typeof listGroupsOp>> {
  const s = checkStore('listGroups', store);
  return s.read((view) => listGroupsOp(s, view));
}

/** Sets a group's members (names and glob patterns); children linked under a policy over it follow. */
export async function setGroup(store: Store, options: { group: string; members: string[] }): Promise<Result<typeof setGroupOp>> {
  const s = checkStore('setGroup', store);
  const o = checkOptions<typeof options>('setGroup', options, { group: 'string', members: 'strings' });
  return setGroupOp(s, o.group, o.members);
}
