/**
 * Package groups (linked/linked-image.ts), configured in the store: `minimal` has a
 * default list (the packages an ALT host and its VAs share interfaces through: the
 * filesystem layout, the C library, the kernel), which `bazaar group set minimal ...`
 * replaces; `core-os` and `all` are computed, never set; any other name is a group of
 * package names and glob patterns.
 */
import { BazaarError } from '../errors.js';
import { BUILTIN_GROUPS } from './linked-image.js';
import type { BranchView, Store } from '../store/index.js';
import { GROUPS_BRANCH } from '../store/index.js';

export const DEFAULT_MINIMAL = ['filesystem', 'setup', 'libc6', 'kernel-image-*'];

export interface GroupInfo { name: string; members: string[] | null; kind: 'configured' | 'default' | 'computed' }

/** What a configured group may be called. */
export const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** A group's members (null for the computed ones: core-os, all). */
export async function groupMembers(store: Store, view: BranchView, name: string): Promise<GroupInfo> {
  if (name === 'core-os' || name === 'all') return { name, members: null, kind: 'computed' };
  const id = await view.read(GROUPS_BRANCH, name);
  if (id !== null) return { name, members: (await store.readKind(id, 'group')).members, kind: 'configured' };
  if (name === 'minimal') return { name, members: DEFAULT_MINIMAL, kind: 'default' };
  throw new BazaarError('ERR_USAGE', `no group ${name}`, { data: { group: name }, reason: 'no-group' });
}

/** Every group: the built-in ones, then the configured ones. */
export async function listGroups(store: Store, view: BranchView): Promise<GroupInfo[]> {
  const configured = [...(await view.list(GROUPS_BRANCH, '')).values.keys()];
  const names = [...new Set([...BUILTIN_GROUPS, ...configured.sort()])];
  return Promise.all(names.map((n) => groupMembers(store, view, n)));
}
