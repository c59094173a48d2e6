import { BazaarError } from '../../errors.js';
import type { CheckoutResult } from '../../checkout/index.js';
import { changeText, familyText } from '../change-text.js';
import { expectArgs } from '../command.js';
import { damagedNotice } from '../damage-text.js';
import type { Command, CommandInput, CommandOutput } from '../command.js';
import type { Store } from '../../store/index.js';

const SUBCOMMANDS = 'create|install|remove|upgrade|upgrade-layer|add-layer|ls|show|log|diff|rollback|cherry-pick|checkout|export|delete|rename';
const EXPORT_FORMATS = ['dir', 'tar.zst', 'overlay', 'squashfs'] as const;

function list(v: string | boolean | string[] | undefined): string[] {
  return v === undefined || typeof v === 'boolean' ? [] : Array.isArray(v) ? v : [v];
}


function checkoutText(r: CheckoutResult): string {
  const skipped = r.skipped.length ? `; skipped ${r.skipped.length} device node${r.skipped.length === 1 ? '' : 's'} or socket${r.skipped.length === 1 ? '' : 's'} (${r.skipped.slice(0, 3).map((x) => x.path).join(', ')}${r.skipped.length > 3 ? ', ...' : ''})` : '';
  return `${r.files} files (${r.bytes} bytes), ${r.dirs} directories, ${r.symlinks} symlinks${r.cacheLinks ? `, ${r.cacheLinks} linked from the checkout cache` : ''}${skipped}`;
}

/** The export format an output name implies: `.tar.zst`, `.squashfs`/`.sqfs`, else a directory. */
function formatOf(out: string): string {
  if (out.endsWith('.tar.zst')) return 'tar.zst';
  if (out.endsWith('.squashfs') || out.endsWith('.sqfs')) return 'squashfs';
  return 'dir';
}

/** An image created with --nodeps says so, with what it was created despite. */
function nodepsText(nodeps: string[] | null): string[] {
  return nodeps?.length ? [`created with --nodeps despite: ${nodeps.join('; ')}`] : [];
}

/** `image checkout`: loads its own module only (image-checkout.ts), not the library. */
async function checkoutCommand(input: CommandInput, store: Store, rest: string[]): Promise<CommandOutput> {
  expectArgs(rest, 2, 2, 'bazaar image checkout NAME[@VERSION] DIR [--hardlink]');
  const mode = input.options.hardlink === true ? 'hardlink' as const : 'copy' as const;
  const { checkoutImage } = await import('./image-checkout.js');
  input.progress.start(`checking out ${rest[0]}`, 0);
  const r = await checkoutImage(store, rest[0] as string, rest[1] as string, { mode, onProgress: (p) => input.progress.reach(p.entries) })
    .finally(() => input.progress.done());
  return { exitCode: 0, json: { ...r.image, dir: rest[1], mode, ...r.result }, text: [`checked out ${r.image.name}@${r.image.version} into ${rest[1]} (${mode})`, checkoutText(r.result), ...r.result.notes.map((n) => `note: ${n}`)].join('\n') };
}

async function run(input: CommandInput): Promise<CommandOutput> {
  const [sub, ...rest] = input.positionals;
  const store = await input.openStore();
  if (sub === 'checkout') return checkoutCommand(input, store, rest);
  // loaded when a subcommand runs: `image SUB --help` and a usage error never evaluate the library
  const {
    cherryPick, createImage, deleteImage, diffImage, exportImage, imageLog, installPackages, listImages, removePackages, renameImage, rollbackImage,
    showImage, upgradeImageLayer, upgradePackages, addImageLayer,
  } = await import('../../library/index.js');
  const channel = input.options.channel as string | undefined;
  const message = input.options.message as string | undefined;
  switch (sub) {
    case 'create': {
      expectArgs(rest, 1, 1, 'bazaar image create NAME@VERSION --layer L@RANGE... [--channel C]');
      const layers = list(input.options.layer);
      if (layers.length === 0) throw new BazaarError('ERR_USAGE', 'name the image\'s layers, lowest first: bazaar image create NAME@VERSION --layer L@RANGE... [--channel C]');
      const r = await createImage(store, { image: rest[0] as string, layers, ...(channel ? { channel } : {}), nodeps: input.options.nodeps === true });
      return { exitCode: 0, json: r, text: [`created image ${r.name}@${r.version}\t${r.id}`, ...r.layers.map((l) => `  ${l.private ? '(private)' : `${l.name}@${l.version}`}\t${l.id}`), ...nodepsText(r.nodeps)].join('\n') };
    }
    case 'install':
    case 'remove':
    case 'upgrade': {
      const [name, ...pkgs] = rest;
      if (!name || (sub !== 'upgrade' && pkgs.length === 0)) throw new BazaarError('ERR_USAGE', `bazaar image ${sub} NAME PKG...${sub === 'install' ? ' [--channel C]' : ''}`);
      const change = { image: name, ...(channel ? { channel } : {}), ...(message ? { message } : {}), skipChildren: input.options['skip-children'] === true };
      const r = sub === 'install' ? await installPackages(store, { ...change, packages: pkgs })
        : sub === 'remove' ? await removePackages(store, { ...change, packages: pkgs }) : await upgradePackages(store, { ...change, packages: pkgs });
      return { exitCode: 0, json: r, text: familyText(r) };
    }
    case 'upgrade-layer': {
      expectArgs(rest, 2, 2, 'bazaar image upgrade-layer NAME L@RANGE');
      const r = await upgradeImageLayer(store, { image: rest[0] as string, layer: rest[1] as string });
      return { exitCode: 0, json: r, text: `image ${r.name}@${r.version}: ${r.layer} ${r.from} -> ${r.to}\t${r.id}` };
    }
    case 'add-layer': {
      expectArgs(rest, 2, 2, 'bazaar image add-layer NAME L@RANGE');
      const r = await addImageLayer(store, { image: rest[0] as string, layer: rest[1] as string });
      return { exitCode: 0, json: r, text: `image ${r.name}@${r.version}: added ${r.layer}@${r.to} on top of its layers\t${r.id}` };
    }
    case 'ls': {
      expectArgs(rest, 0, 0, 'bazaar image ls');
      const all = await listImages(store);
      // a damaged image is listed, marked, and makes the listing exit 1 (a problem found)
      const damaged = all.filter((i) => 'damaged' in i);
      if (damaged.length) input.notice(damagedNotice(damaged.map((i) => i.name)));
      return {
        exitCode: damaged.length ? 1 : 0, json: all,
        text: all.map((i) => `${i.name}@${i.version ?? '?'}\t${i.layers.filter((l) => !l.private).map((l) => `${l.name}@${l.version}`).join(' ')}\t${'damaged' in i ? `DAMAGED: ${i.damaged}` : `${i.packages.length} packages`}`).join('\n'),
      };
    }
    case 'show': {
      expectArgs(rest, 1, 1, 'bazaar image show NAME[@VERSION]');
      const i = await showImage(store, { image: rest[0] as string });
      return {
        exitCode: 0, json: i,
        text: [`${i.name}@${i.version}\t${i.id}`, ...(i.parent ? [`parent: ${i.parent} (${i.policy})`] : []), ...(i.channel ? [`channel: ${i.channel}`] : []), ...nodepsText(i.nodeps), 'layers:',
        ...i.layers.map((l) => `  ${l.private ? '(private)' : `${l.name}@${l.version}${l.range ? ` (${l.range})` : ''}`}\t${l.id}`), `packages (${i.packages.length}):`, ...i.packages.map((p) => `  ${p}`)].join('\n'),
      };
    }
    case 'log': {
      expectArgs(rest, 1, 1, 'bazaar image log NAME');
      const log = await imageLog(store, { image: rest[0] as string });
      return { exitCode: 0, json: log, text: log.map((e) => [`commit ${e.commit}  (${e.version})`, `Date:   ${e.time}`, '', ...e.message.split('\n').filter((l) => l && !l.startsWith('Jobs: ') && !l.startsWith('image ')).map((l) => `    ${l}`)].join('\n')).join('\n\n') };
    }
    case 'diff': {
      expectArgs(rest, 3, 3, 'bazaar image diff NAME A B (versions, HEAD~N or commits)');
      const d = await diffImage(store, { image: rest[0] as string, from: rest[1] as string, to: rest[2] as string });
      const text = [...d.added.map((p) => `+ ${p}`), ...d.removed.map((p) => `- ${p}`), ...d.changed.map((c) => `~ ${c.from} -> ${c.to}`),
      `files: ${d.files.added.length} added, ${d.files.removed.length} removed, ${d.files.changed.length} changed`,
      ...d.files.added.map((f) => `  A ${f}`), ...d.files.removed.map((f) => `  D ${f}`), ...d.files.changed.map((f) => `  M ${f}`)];
      return { exitCode: 0, json: d, text: text.join('\n') };
    }
    case 'rollback': {
      expectArgs(rest, 1, 1, 'bazaar image rollback NAME [--to VERSION|COMMIT]');
      const to = input.options.to as string | undefined;
      const r = await rollbackImage(store, { image: rest[0] as string, ...(to ? { to } : {}), skipChildren: input.options['skip-children'] === true });
      return { exitCode: 0, json: r, text: `image ${r.name}: ${r.from} -> ${r.version}\t${r.id}` };
    }
    case 'cherry-pick': {
      expectArgs(rest, 2, 2, 'bazaar image cherry-pick NAME [IMAGE:]COMMIT');
      const r = await cherryPick(store, { image: rest[0] as string, commit: rest[1] as string });
      return { exitCode: 0, json: r, text: `${changeText(r)}\n(picked from ${r.from})` };
    }
    case 'export': {
      expectArgs(rest, 2, 2, `bazaar image export NAME[@VERSION] OUT --format ${EXPORT_FORMATS.join('|')}`);
      const format = (input.options.format as string | undefined) ?? formatOf(rest[1] as string);
      if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new BazaarError('ERR_USAGE', `--format is ${EXPORT_FORMATS.join(', ')}, not '${format}'`);
      input.progress.start(`exporting ${rest[0]}`, 0);
      const r = await exportImage(store, {
        image: rest[0] as string, format: format as typeof EXPORT_FORMATS[number], out: rest[1] as string,
        onProgress: (entries) => input.progress.reach(entries),
      }).finally(() => input.progress.done());
      const res = r.result;
      const text = [`exported ${r.image.name}@${r.image.version} to ${rest[1]} (${format})`];
      if (res.format === 'dir') text.push(checkoutText(res.checkout));
      if (res.format === 'tar.zst') text.push(`${res.bytes} bytes${res.skipped.length ? `; left out (sockets): ${res.skipped.join(', ')}` : ''}`);
      if (res.format === 'overlay') text.push(...res.layers.map((l) => `  layer ${l}`), `mount it with:\n  ${res.mount}`);
      if (res.format === 'squashfs') text.push(`${res.bytes} bytes, ${res.devices} device nodes`, ...res.notes.map((n) => `note: ${n}`));
      return { exitCode: 0, json: { ...r.image, out: rest[1], ...res }, text: text.join('\n') };
    }
    case 'delete': {
      expectArgs(rest, 1, 1, 'bazaar image delete NAME');
      const r = await deleteImage(store, { image: rest[0] as string });
      return { exitCode: 0, json: r, text: `deleted image ${r.name} (its history stays as ${r.trash} for the retention window)` };
    }
    case 'rename': {
      expectArgs(rest, 2, 2, 'bazaar image rename OLD NEW');
      const r = await renameImage(store, { image: rest[0] as string, to: rest[1] as string });
      return { exitCode: 0, json: r, text: `renamed image ${r.from} to ${r.name} (${r.versions} version${r.versions === 1 ? '' : 's'}, history kept)` };
    }
    default:
      throw new BazaarError('ERR_USAGE', sub === undefined ? `name a subcommand: bazaar image ${SUBCOMMANDS}` : `unknown subcommand '${sub}': bazaar image ${SUBCOMMANDS}`);
  }
}

export const image: Command = {
  name: 'image',
  usage: `bazaar image ${SUBCOMMANDS} ...`,
  help: `An image (a Virtual Appliance) is a stack of layers, lowest first, each following a
semver range, topped by its private layer. Its package database is the union of its
layers' snippets. Every change publishes a new image version in one commit.

  image create NAME@VERSION --layer L@RANGE... [--channel C] [--nodeps]
                                  a new image on these layers (each at the highest version
                                  its range admits); C is where it installs from. Its
                                  packages must hold together as rpm -i would check them,
                                  or --nodeps creates it with the problems recorded (an
                                  image to look at: installs into it stay refused)
  image install NAME PKG... [--channel C]
  image remove NAME PKG...
  image upgrade NAME [PKG...]     through the resolver over the whole image; what comes goes
                                  into the private layer, what goes from a shared layer is
                                  hidden by whiteouts in the private layer (no PKG: all)
  image upgrade-layer NAME L@RANGE
                                  follow another version of one of its layers
  image add-layer NAME L@RANGE    put another layer on top of its layers (under the
                                  private layer), e.g. a VA's NAME-rw
  image ls | show NAME[@VERSION]  (--json: name, version, id, layers, packages, parent, policy)
  image log NAME                  its history
  image diff NAME A B             packages added, removed, changed; files changed
  image rollback NAME [--to V] [--skip-children]
                                  make an earlier state current again (default: the
                                  previous); linked children follow as after any change
  image cherry-pick NAME [IMAGE:]COMMIT
                                  run the package change of another image's commit here
  image checkout NAME[@VERSION] DIR [--hardlink]
                                  the image's merged filesystem into DIR (absent or empty):
                                  upper layers win, whiteouts delete; owners, modes, times,
                                  xattrs and hardlinks as stored; device nodes are skipped
                                  and listed. --hardlink links files from the store's
                                  checkout cache: fast and small, but the tree must be
                                  treated as read-only (docs/checkout.md)
  image export NAME[@VERSION] OUT [--format dir|tar.zst|overlay|squashfs]
                                  OUT as a directory, a deterministic .tar.zst, one directory
                                  per layer with the overlay mount command, or a squashfs
                                  (needs mksquashfs); the format follows OUT's suffix
  image delete NAME               delete it (its history is kept for the retention window);
                                  refused while children are linked to it
  image rename OLD NEW            rename it, keeping its history and versions; refused while
                                  children are linked to it

Example:
  bazaar image create webapp@1.0.0 --layer base@^1.0 --channel sample
  bazaar image install webapp webapp
  bazaar image show --json webapp
  bazaar image checkout webapp /srv/webapp
  bazaar image export webapp webapp.tar.zst`,
  options: {
    layer: { type: 'string', multiple: true, describe: 'create: a layer (L@RANGE), lowest first; repeat the option' },
    channel: { type: 'string', describe: 'create, install, upgrade: the channel packages come from' },
    to: { type: 'string', describe: 'rollback: the version, HEAD~N or commit to return to' },
    message: { type: 'string', short: 'm', describe: 'why: recorded in the commit message' },
    nodeps: { type: 'boolean', describe: 'create: an image whose packages do not hold together (the problems are recorded; image show and audit list them)' },
    'skip-children': { type: 'boolean', describe: 'install, remove, upgrade, rollback: leave linked children out of sync (audit shows them)' },
    hardlink: { type: 'boolean', describe: 'checkout: hard links into the checkout cache instead of copies (read-only tree)' },
    format: { type: 'string', describe: 'export: dir, tar.zst, overlay or squashfs (default: from OUT\'s suffix)' },
  },
  run,
};
