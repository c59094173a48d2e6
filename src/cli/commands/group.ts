import { BazaarError } from '../../errors.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

/** The library, loaded when a subcommand runs: --help and usage errors never evaluate it. */
const library = () => import('../../library/index.js');

export const group: Command = {
  name: 'group',
  usage: 'bazaar group ls | show NAME | set NAME PKG|GLOB...',
  help: `Package groups, which linked-image content policies apply to (policy:group):

  minimal   a list of names (default: filesystem setup libc6 kernel-image-*); set it
            to change it
  core-os   computed: what the core-os incorporation holds, i.e. a package providing
            bazaar(install-hold) = core-os and everything it requires, transitively,
            among the parent's packages
  all       computed: every package
  NAME      your own group: package names and glob patterns (*, ?, [...])

  group ls                 every group and its members
  group show NAME          one group
  group set NAME PKG|GLOB...
                           define or replace a group (one commit)

Example:
  bazaar group set webstack lighttpd 'webapp*'
  bazaar link va1 host --policy sync:webstack`,
  options: {},
  async run({ positionals, openStore }) {
    const [sub, ...rest] = positionals;
    const store = await openStore();
    if (sub === 'ls') {
      expectArgs(rest, 0, 0, 'bazaar group ls');
      const all = await (await library()).listGroups(store);
      return { exitCode: 0, json: all, text: all.map((g) => `${g.name}\t${g.members ? g.members.join(' ') : `(${g.kind})`}${g.kind === 'default' ? '\t(default)' : ''}`).join('\n') };
    }
    if (sub === 'show') {
      expectArgs(rest, 1, 1, 'bazaar group show NAME');
      const { groupMembers } = await import('../../linked/index.js');
      const g = await store.read((s) => groupMembers(store, s, rest[0] as string));
      return { exitCode: 0, json: g, text: `${g.name} (${g.kind})${g.members ? `\n${g.members.map((m) => `  ${m}`).join('\n')}` : ''}` };
    }
    if (sub === 'set') {
      const [name, ...members] = rest;
      if (!name) throw new BazaarError('ERR_USAGE', 'bazaar group set NAME PKG|GLOB...');
      const g = await (await library()).setGroup(store, { group: name, members });
      return { exitCode: 0, json: g, text: `group ${g.name}: ${(g.members ?? []).join(' ')}` };
    }
    throw new BazaarError('ERR_USAGE', sub === undefined ? 'name a subcommand: bazaar group ls|show|set' : `unknown subcommand '${sub}': bazaar group ls|show|set`);
  },
};
