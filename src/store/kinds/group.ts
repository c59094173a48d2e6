/**
 * Package groups for linked-image content policies (linked/linked-image.ts): a name and
 * its members, package names and glob patterns. Kept in the branch `groups` (one entry
 * per group), so their changes have history like everything else.
 *
 *   {"kind":"group","v":1,"name":"webstack","members":["lighttpd","webapp*"]}
 */
import { fields, invalid } from './kind.js';
import type { Kind } from './kind.js';

export interface GroupObject { kind: 'group'; v: number; name: string; members: string[] }

export const groupKind: Kind<GroupObject> = {
  name: 'group',
  version: 1,
  parse(value, id) {
    const f = fields(value, id, 'group');
    f.str('name');
    const members = f.array('members');
    if (members.some((m) => typeof m !== 'string' || m === '')) throw invalid(id, 'group', 'a member is not a name or pattern');
    return { kind: 'group', v: value.v as number, name: value.name as string, members: members as string[] };
  },
  refs: () => [],
  title: (g) => `group ${g.name}`,
};
