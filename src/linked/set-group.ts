/**
 * Setting a group: one commit with the new members, the linked children under a policy
 * over the group brought along (links.ts), as after a change of their parent.
 */
import { BazaarError } from '../errors.js';
import { GROUPS_BRANCH, stageKind } from '../store/index.js';
import type { Store } from '../store/index.js';
import { GROUP_NAME } from './groups.js';
import type { GroupInfo } from './groups.js';
import { followGroup } from './links.js';

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
  if (!GROUP_NAME.test(name)) throw new BazaarError('ERR_USAGE', `'${name}' is not a group name (letters, digits, '.', '_', '+', '-')`);
  if (name === 'core-os' || name === 'all') throw new BazaarError('ERR_USAGE', `group ${name} is computed (${name === 'all' ? 'every package' : 'what the core-os incorporation requires'}); it cannot be set`);
  if (members.length === 0) throw new BazaarError('ERR_USAGE', `give group ${name} at least one package name or glob pattern`);
  return store.write(async (tx) => {
    const staged = await stageKind(tx, 'group', { name, members: [...members] });
    tx.stage(staged);
    await tx.update(GROUPS_BRANCH, [{ path: name, id: staged.id }], `set group ${name}: ${members.join(' ')}`);
    await followGroup(store, tx, name);
    return { name, members: [...members], kind: 'configured' as const };
  });
}
