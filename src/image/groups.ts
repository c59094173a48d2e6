/**
 * Package groups (policy/linked-image.ts), configured in the store: `minimal` has a
 * default list (the packages an ALT host and its VAs share interfaces through: the
 * filesystem layout, the C library, the kernel), which `bazaar group set minimal ...`
 * replaces; `core-os` and `all` are computed, never set; any other name is a group of
 * package names and glob patterns.
 */
import { BazaarError } from '../errors.js';
import { BUILTIN_GROUPS } from '../policy/linked-image.js';
import type { BranchView } from '../store/branch-view.js';
import { readKind, stageKind } from '../store/kinds/index.js';
import { GROUPS_BRANCH } from '../store/ref-paths.js';
import type { Store } from '../store/store.js';

export const DEFAULT_MINIMAL = ['filesystem', 'setup', 'libc6', 'kernel-image-*'];

export interface GroupInfo { name: string; members: string[] | null; kind: 'configured' | 'default' | 'computed' }

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** A group's members (null for the computed ones: core-os, all). */
export async function groupMembers(store: Store, view: BranchView, name: string): Promise<GroupInfo> {
  if (name === 'core-os' || name === 'all') return { name, members: null, kind: 'computed' };
  const id = await view.read(GROUPS_BRANCH, name);
  if (id !== null) return { name, members: (await readKind(store.objects, id, 'group')).members, kind: 'configured' };
  if (name === 'minimal') return { name, members: DEFAULT_MINIMAL, kind: 'default' };
  throw new BazaarError('ERR_USAGE', `no group ${name}; 'bazaar group ls' lists them, 'bazaar group set ${name} NAME|GLOB...' defines it`, { data: { group: name } });
}

/** Every group: the built-in ones, then the configured ones. */
export async function listGroups(store: Store, view: BranchView): Promise<GroupInfo[]> {
  const configured = [...(await view.list(GROUPS_BRANCH, '')).values.keys()];
  const names = [...new Set([...BUILTIN_GROUPS, ...configured.sort()])];
  return Promise.all(names.map((n) => groupMembers(store, view, n)));
}

/**
 * Sets a group's members (names and glob patterns), as one commit. The children linked
 * under a policy over the group follow, as they follow a change of their parent: brought
 * into compliance and kept whole, each as a new version, or the change is refused naming
 * the child and package.
 *
 * @example
 * await setGroup(store, 'webstack', ['lighttpd', 'webapp*']);
 */
export async function setGroup(store: Store, name: string, members: readonly string[]): Promise<GroupInfo> {
  if (!NAME.test(name)) throw new BazaarError('ERR_USAGE', `'${name}' is not a group name (letters, digits, '.', '_', '+', '-')`);
  if (name === 'core-os' || name === 'all') throw new BazaarError('ERR_USAGE', `group ${name} is computed (${name === 'all' ? 'every package' : 'what the core-os incorporation requires'}); it cannot be set`);
  if (members.length === 0) throw new BazaarError('ERR_USAGE', `give group ${name} at least one package name or glob pattern`);
  return store.write(async (tx) => {
    const staged = await stageKind(store.objects, 'group', { name, members: [...members] });
    tx.stage(staged);
    await tx.update(GROUPS_BRANCH, [{ path: name, id: staged.id }], `set group ${name}: ${members.join(' ')}`);
    // links.ts reads groups: imported when needed, not at load
    const { followGroup } = await import('./links.js');
    await followGroup(store, tx, name);
    return { name, members: [...members], kind: 'configured' as const };
  });
}
