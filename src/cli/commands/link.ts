import { BazaarError } from '../../errors.js';
import type { LinkNode } from '../../linked/index.js';
import { familyText } from '../change-text.js';
import type { FamilyChange } from '../change-text.js';
import { expectArgs } from '../command.js';
import { damagedNotice } from '../damage-text.js';
import type { Command } from '../command.js';

/** The library, loaded when a subcommand runs: --help and usage errors never evaluate it. */
const library = () => import('../../library/index.js');

function changed(r: FamilyChange | null, what: string): { exitCode: number; json: unknown; text: string } {
  if (!r) return { exitCode: 0, json: null, text: `${what}: already in compliance` };
  return { exitCode: 0, json: r, text: familyText(r, true) };
}

function tree(nodes: LinkNode[], depth = 0): string[] {
  return nodes.flatMap((n) => [`${'  '.repeat(depth)}${n.image}@${n.damaged ? '?' : n.version}${n.policy ? `  (${n.policy})` : ''}${n.damaged ? `  DAMAGED: ${n.damaged}` : ''}`, ...tree(n.children, depth + 1)]);
}

function damagedIn(nodes: LinkNode[]): string[] {
  return nodes.flatMap((n) => [...(n.damaged ? [n.image] : []), ...damagedIn(n.children)]);
}

export const link: Command = {
  name: 'link',
  usage: 'bazaar link CHILD PARENT --policy POLICY:GROUP | link ls | link set-policy CHILD POLICY:GROUP',
  help: `Links a child image (a VA) to its parent (its host) under a content policy over a
package group (docs/linked-images.md):

  sync:G      a package of G may be in the child only when the parent has it, at the
              parent's exact build; packages outside G are free
  mirror:G    the child's G packages are exactly the parent's, at the same builds
  partial:G   the parent's G packages satisfy the child's dependencies without being
              installed in it; a package in both is the same build

Groups: minimal, core-os, all, or your own ('bazaar group'). A package requiring
bazaar(parent) may be in a child only at a build its parent has, whatever the policy.

  link CHILD PARENT --policy P:G   link (bringing the child into compliance in the same
                                   commit, or changing nothing)
  link ls                          the tree of links, with policies
  link set-policy CHILD P:G        another policy (compliance as for link)

Updating a parent carries its children along in the same transaction, or is refused
naming what blocks ('--skip-children' on the update leaves them out of sync).

Example:
  bazaar link webapp host --policy sync:minimal
  bazaar link ls`,
  options: { policy: { type: 'string', describe: 'the content policy: sync|mirror|partial : minimal|core-os|all|GROUP' } },
  async run({ positionals, options, openStore, notice }) {
    const store = await openStore();
    const [first, ...rest] = positionals;
    if (first === 'ls') {
      expectArgs(rest, 0, 0, 'bazaar link ls');
      const nodes = await (await library()).linkedImages(store);
      // as image ls: a damaged image is listed, marked, and the listing exits 1
      const damaged = damagedIn(nodes);
      if (damaged.length) notice(damagedNotice(damaged));
      return { exitCode: damaged.length ? 1 : 0, json: nodes, text: tree(nodes).join('\n') };
    }
    if (first === 'set-policy') {
      expectArgs(rest, 2, 2, 'bazaar link set-policy CHILD POLICY:GROUP');
      return changed(await (await library()).setLinkPolicy(store, { child: rest[0] as string, policy: rest[1] as string }), rest[0] as string);
    }
    expectArgs(positionals, 2, 2, 'bazaar link CHILD PARENT --policy POLICY:GROUP');
    const policy = options.policy as string | undefined;
    if (!policy) throw new BazaarError('ERR_USAGE', 'give the link a content policy: --policy sync:minimal (or mirror:..., partial:...)');
    return changed(await (await library()).linkImage(store, { child: first as string, parent: rest[0] as string, policy }), first as string);
  },
};

export const unlink: Command = {
  name: 'unlink',
  usage: 'bazaar unlink CHILD',
  help: `Unlinks a child image from its parent, as a new version of the child; its packages
stay as they are.

Example:
  bazaar unlink webapp`,
  options: {},
  async run({ positionals, openStore }) {
    expectArgs(positionals, 1, 1, 'bazaar unlink CHILD');
    return changed(await (await library()).unlinkImage(await openStore(), { child: positionals[0] as string }), positionals[0] as string);
  },
};

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export const auditCommand: Command = {
  name: 'audit',
  usage: 'bazaar audit [IMAGE] [--json]',
  help: `Judges every linked image against its link: the violations of its content policy
and parent dependencies, and whether it holds together with what its parent gives it
(every requirement met, no conflict, as rpm -i would check). Images without a parent are
listed when they do not hold together, and layers published with --nodeps with what
they were published despite. Exit 1 if any image has a violation or an unmet
dependency, 0 when all comply and hold together. 'bazaar sync CHILD' repairs a child.

Example:
  bazaar audit --json | jq '.[] | select(.violations | length > 0) | .image'`,
  options: {},
  async run({ positionals, openStore }) {
    expectArgs(positionals, 0, 1, 'bazaar audit [IMAGE]');
    const store = await openStore();
    const { entries, layers } = await (await library()).auditImages(store, positionals[0] ? { image: positionals[0] } : {});
    const { isBroken, problemLines } = await import('../../linked/index.js');
    const text = [
      ...entries.map((e) => {
        const head = e.parent ? `${e.image} -> ${e.parent}@${e.parentVersion} (${e.policy})` : `${e.image} (no parent)`;
        const verdict = isBroken(e) ? [e.violations.length ? count(e.violations.length, 'violation') : '', e.dependencies.length ? count(e.dependencies.length, 'unmet dependency', 'unmet dependencies') : ''].filter(Boolean).join(', ') : e.parent ? 'complies, and holds together' : 'holds together';
        return [`${head}: ${verdict}`, ...problemLines(e).map((l) => `  ${l}`), ...e.notes.map((n) => `  note: ${n}`)].join('\n');
      }),
      ...layers.map((l) => [`layer ${l.layer}@${l.version}: published with --nodeps despite`, ...l.nodeps.map((n) => `  ${n}`)].join('\n')),
    ];
    return { exitCode: entries.some(isBroken) ? 1 : 0, json: [...entries, ...layers], text: text.join('\n') || 'no linked images' };
  },
};

export const sync: Command = {
  name: 'sync',
  usage: 'bazaar sync CHILD',
  help: `Brings a linked child back into compliance with its parent through the resolver
(after an update with --skip-children, or anything audit reports), as a new version.

Example:
  bazaar audit || bazaar sync webapp`,
  options: {},
  async run({ positionals, openStore }) {
    expectArgs(positionals, 1, 1, 'bazaar sync CHILD');
    return changed(await (await library()).syncImage(await openStore(), { child: positionals[0] as string }), positionals[0] as string);
  },
};
