import { BazaarError } from '../../errors.js';
import type { ImportLayerResult, LiveImport } from '../../layer/index.js';
import type { LayerContentRequest, LayerResult } from '../../api/index.js';
import { expectArgs } from '../command.js';
import { withPackageArgs } from '../package-args.js';
import type { Command, CommandInput, CommandOutput } from '../command.js';

const SUBCOMMANDS = 'create|check-version|import|import-rpmdb|ls|show|upgrade|delete';

function list(v: string | boolean | string[] | undefined): string[] {
  return v === undefined || typeof v === 'boolean' ? [] : Array.isArray(v) ? v : [v];
}

/** `--package a b c`: parseArgs gives the first to the option, the rest as positionals. */
function contentOf(input: CommandInput, rest: string[]): LayerContentRequest {
  const packages = list(input.options.package);
  const resolve = list(input.options.resolve);
  if (packages.length) packages.push(...rest); else if (resolve.length) resolve.push(...rest);
  else if (rest.length) throw new BazaarError('ERR_USAGE', `unexpected arguments ${rest.join(' ')}: name packages with --package NEVRA... or --resolve NAME...`);
  const channel = input.options.channel as string | undefined;
  return { ...(packages.length ? { packages } : {}), ...(resolve.length ? { resolve } : {}), ...(channel ? { channel } : {}) };
}

function checkText(r: Pick<LayerResult, 'name' | 'version'>, c: NonNullable<LayerResult['check']>): string[] {
  if (c.previous === null && c.ok) return [`${r.name}@${r.version}: the first version; any version will do`];
  const reasons = c.reasons.map((x) => `  ${x.kind} ${x.name}${'from' in x ? ` (${x.from} -> ${x.to})` : ''}`);
  return [`${r.name}@${r.version} after ${c.previous ?? 'nothing'}: needs a ${c.required} bump, makes ${c.actual ?? 'no'} bump: ${c.ok ? 'ok' : 'understated'}`, ...reasons];
}

/** The first lines of create and import: the version check (dry), what was published, or what was restored of a version published already. */
function headText(r: Pick<LayerResult, 'name' | 'version' | 'id' | 'check' | 'restored'>, dryRun: boolean): string[] {
  if (r.check === null) {
    const n = r.restored?.length ?? 0;
    const what = n === 0 ? 'it is whole, nothing to restore' : `${dryRun ? 'would restore' : 'restored'} ${n} lost or damaged object${n === 1 ? '' : 's'}`;
    return [`layer ${r.name}@${r.version} is published with this content: ${what}\t${r.id}`];
  }
  if (dryRun) return checkText(r, r.check);
  return [`published layer ${r.name}@${r.version}\t${r.id}`, ...(r.check.ok ? [] : [`forced: a ${r.check.required} bump was required`])];
}

/** Exit 1 when a dry run finds the version understated. */
const exitOf = (r: Pick<LayerResult, 'check'>, dryRun: boolean): number => (dryRun && r.check !== null && !r.check.ok ? 1 : 0);

/** What a live image import took: the ISO's squashfs member, and the kernel the layer boots. */
function liveText(live: LiveImport | undefined): string[] {
  if (!live) return [];
  const k = live.kernel;
  const kernel = k === null ? 'no kernel (the image has no /boot/vmlinuz-*: it cannot boot alone)'
    : k.from === 'squashfs' ? `kernel /${k.path} (the squashfs's own)` : `kernel /${k.path} (the ISO's ${k.from})`;
  return [...(live.squashfs !== null ? [`squashfs: the ISO's ${live.squashfs}`] : []), kernel];
}

/** A layer published with --nodeps says so, with what it was published despite. */
function nodepsText(nodeps: string[] | undefined): string[] {
  return nodeps?.length ? [`published with --nodeps despite: ${nodeps.join('; ')}`] : [];
}

async function run(input: CommandInput): Promise<CommandOutput> {
  const [sub, ...rest] = input.positionals;
  const store = await input.openStore();
  // loaded when a subcommand runs: its --help and a usage error never evaluate the library
  const { createLayer, deleteLayer, importInstalledRoot, importLayer, listLayers, showLayer, upgradeLayer } = await import('../../library/index.js');
  switch (sub) {
    case 'create':
    case 'check-version': {
      const [ref, ...more] = rest;
      if (!ref) throw new BazaarError('ERR_USAGE', `name the layer: bazaar layer ${sub} NAME@VERSION --package NEVRA... | --resolve NAME... --channel C`);
      const dryRun = sub === 'check-version';
      const content = contentOf(input, more);
      const r = await withPackageArgs(content.packages ?? [], (packages) => createLayer(store, { layer: ref, ...content, ...(packages.length ? { packages } : {}), force: input.options.force === true, dryRun, nodeps: input.options.nodeps === true }));
      const text = [...headText(r, dryRun), ...(dryRun ? [] : [...nodepsText(r.nodeps), ...r.packages.map((p) => `+ ${p}`)])];
      return { exitCode: exitOf(r, dryRun), json: r, text: text.join('\n') };
    }
    case 'import':
    case 'import-rpmdb': {
      const usage = sub === 'import' ? 'bazaar layer import NAME@VERSION DIR|FILE.tar.zst|FILE.squashfs|FILE.iso [--squashfs PATH] [--kernel PATH] [--force] [--dry-run]' : 'bazaar layer import-rpmdb NAME@VERSION ROOT [--dbpath P] [--force] [--dry-run]';
      expectArgs(rest, 2, 2, usage);
      const [ref, from] = rest as [string, string];
      const xattrs = input.options.xattrs as 'all' | 'visible' | 'none' | undefined;
      const options = { force: input.options.force === true, dryRun: input.options['dry-run'] === true, ...(xattrs ? { xattrs } : {}) };
      const members = { ...(typeof input.options.squashfs === 'string' ? { squashfs: input.options.squashfs } : {}), ...(typeof input.options.kernel === 'string' ? { kernel: input.options.kernel } : {}) };
      if (sub === 'import-rpmdb' && Object.keys(members).length) throw new BazaarError('ERR_USAGE', `--squashfs and --kernel pick members of an ISO image: ${usage}`);
      input.progress.start(`importing ${from}`, 0);
      let n = 0;
      const onEntry = (): void => { if (++n % 256 === 0) input.progress.tick(256); };
      let r: ImportLayerResult & { live?: LiveImport };
      try {
        r = sub === 'import'
          ? await importLayer(store, { layer: ref, from, ...options, ...members, onEntry })
          : await importInstalledRoot(store, { layer: ref, from, ...options, onEntry, ...(input.options.dbpath ? { dbpath: input.options.dbpath as string } : {}) });
      } finally {
        input.progress.done();
      }
      const text = [...headText(r, options.dryRun), ...liveText(r.live), `${r.files} files, ${r.bytes} bytes, ${r.packages.length} package${r.packages.length === 1 ? '' : 's'}`, ...r.packages.map((p) => `+ ${p}`)];
      return { exitCode: exitOf(r, options.dryRun), json: r, text: text.join('\n') };
    }
    case 'ls': {
      expectArgs(rest, 0, 0, 'bazaar layer ls');
      const layers = await listLayers(store);
      return { exitCode: 0, json: layers, text: layers.map((l) => `${l.name}\t${l.versions.join(' ')}`).join('\n') };
    }
    case 'show': {
      expectArgs(rest, 1, 1, 'bazaar layer show NAME[@RANGE]');
      const l = await showLayer(store, { layer: rest[0] as string });
      return { exitCode: 0, json: l, text: [`${l.name}@${l.version}\t${l.id}\t(${l.source})`, ...nodepsText(l.nodeps ?? undefined), ...l.packages.map((p) => `  ${p}`)].join('\n') };
    }
    case 'upgrade': {
      expectArgs(rest, 1, 1, 'bazaar layer upgrade NAME@VERSION --to NAME@VERSION [--force]');
      const to = input.options.to as string | undefined;
      if (!to) throw new BazaarError('ERR_USAGE', 'say where to: bazaar layer upgrade base@1.0.0 --to base@1.1.0');
      const r = await upgradeLayer(store, { from: rest[0] as string, to, force: input.options.force === true, skipChildren: input.options['skip-children'] === true });
      const text = [...r.moved.map((m) => `moved image ${m.image} ${m.from} -> ${m.to} (private layer unchanged: ${m.private})`),
      ...r.skipped.map((s) => `left alone: image ${s.image}: ${s.reason}`), `${r.moved.length} image${r.moved.length === 1 ? '' : 's'} moved to ${r.layer}@${r.to}`];
      return { exitCode: r.skipped.some((s) => !s.reason.startsWith('follows')) ? 1 : 0, json: r, text: text.join('\n') };
    }
    case 'delete': {
      expectArgs(rest, 1, 1, 'bazaar layer delete NAME');
      const r = await deleteLayer(store, { layer: rest[0] as string });
      return { exitCode: 0, json: r, text: `deleted layer ${r.name} (its history stays as ${r.trash} for the retention window)` };
    }
    default:
      throw new BazaarError('ERR_USAGE', sub === undefined ? `name a subcommand: bazaar layer ${SUBCOMMANDS}` : `unknown subcommand '${sub}': bazaar layer ${SUBCOMMANDS}`);
  }
}

export const layer: Command = {
  name: 'layer',
  usage: `bazaar layer ${SUBCOMMANDS} ...`,
  help: `Layers are versioned (name@semver), immutable once published, and shared by images.

  layer create NAME@VERSION --package NEVRA... [--channel C] [--force] [--nodeps]
                                  a layer of these builds (of the store, or of channel C);
                                  they must hold together as rpm -i of them would check
                                  (requirements, conflicts, file conflicts), or --nodeps
                                  publishes it with the problems recorded (layer show and
                                  audit list them): a layer that sits on another
  layer create NAME@VERSION --resolve NAME... --channel C [--force]
                                  these packages and their dependencies, resolved in C
  layer check-version NAME@VERSION (same content options)
                                  the bump this content needs after the previous version,
                                  and why; exit 1 when VERSION understates it
  layer import NAME@VERSION DIR|FILE.tar.zst [--force] [--dry-run]
                                  an overlay upper directory or a layer archive (.tar.zst,
                                  .tar.gz, .tar) as a layer: overlayfs whiteouts (char 0/0,
                                  trusted.overlay.opaque) and OCI ones (.wh.NAME, .wh..wh..opq)
                                  delete from the layers below; owners, modes, links and
                                  xattrs are kept; snippets it holds are its packages
  layer import NAME@VERSION FILE.squashfs|FILE.iso [--squashfs PATH] [--kernel PATH]
                                  a live system as a layer: a squashfs (read by sqfs2tar), or
                                  an ISO's squashfs member (--squashfs when it has several)
                                  with the ISO's vmlinuz kept as /boot/vmlinuz-<release>
                                  unless the squashfs has its own
  layer import-rpmdb NAME@VERSION ROOT [--dbpath P] [--force] [--dry-run]
                                  an installed system as a layer: its files (not its rpm
                                  database) and one snippet per package its database holds
                                  (sqlite, BerkeleyDB or ndb)
  layer ls                        every layer and its versions
  layer show NAME[@RANGE]         one version (the highest a range admits): its packages
  layer upgrade NAME@V --to NAME@W [--force]
                                  move every image on V whose range admits W to W, in one
                                  commit; images whose packages would break are listed and
                                  left alone (unless --force); private layers stay as they are
  layer delete NAME               delete every version (its history is kept for the retention
                                  window); refused while any image version is built on it

A published version never changes. Creating or importing it again with the same content
restores its objects should they be lost or damaged (the version stays as it is); other
content is refused.

Each package of a layer has a snippet at var/lib/bazaar/db/<name>-<epoch>:<version>-<release>.<arch>.json
(its rpm header, as rpm's database keeps it). Publishing checks the version: removing a
provide or a package needs a major bump, adding one a minor, a rebuild a patch
(docs/versioning-policy.md#rule-layer-bump); --force records an understated version.

Example:
  bazaar layer create base@1.0.0 --resolve bash coreutils --channel sample
  bazaar layer check-version base@1.1.0 --resolve bash coreutils lighttpd --channel sample
  bazaar layer import va1-rw@1.0.0 /srv/va1/.rw/upper
  bazaar layer import-rpmdb fedora-root@1.0.0 /mnt/fedora`,
  options: {
    package: { type: 'string', multiple: true, describe: 'create: builds to put in the layer (NEVRA, name, build id)' },
    resolve: { type: 'string', multiple: true, describe: 'create: names to install with their dependencies (needs --channel)' },
    channel: { type: 'string', describe: 'create: the channel to take or resolve packages from' },
    force: { type: 'boolean', describe: 'create: publish an understated version (recorded); upgrade: move breaking images too' },
    nodeps: { type: 'boolean', describe: "create: publish packages that do not hold together on their own (the problems are recorded in the layer)" },
    to: { type: 'string', describe: 'upgrade: the new version (NAME@VERSION)' },
    'dry-run': { type: 'boolean', describe: 'import, import-rpmdb: print the version check only, publish nothing' },
    squashfs: { type: 'string', describe: "import of an ISO: the squashfs member that is the layer (when it holds several)" },
    kernel: { type: 'string', describe: "import of an ISO: the vmlinuz member the layer gets as /boot/vmlinuz-<release> (when it holds different ones)" },
    xattrs: { type: 'string', describe: "import, import-rpmdb from a directory: which extended attributes to read: all (needs root; the default as root), visible (user.*, the default otherwise) or none" },
    dbpath: { type: 'string', describe: 'import-rpmdb: the rpm database directory as seen inside ROOT (default: searched as rpm does)' },
    'skip-children': { type: 'boolean', describe: 'upgrade: leave linked children of moved images out of sync' },
  },
  run,
};
