/**
 * Every `bazaar` command, in the order `bazaar --help` lists them, with the one line that
 * help shows. A command's module is loaded only when it runs (or its help is asked for):
 * start-up pays for one command, not for all of them and everything they import.
 */
import type { Command } from '../command.js';

export interface CommandEntry { name: string; summary: string; load(): Promise<Command> }

export const commands: CommandEntry[] = [
  { name: 'init', summary: 'create a store', load: async () => (await import('./init.js')).init },
  { name: 'add', summary: 'add .rpm packages to the store (all or nothing)', load: async () => (await import('./add.js')).add },
  { name: 'import-tree', summary: 'store a directory tree (files as blobs, directories as trees)', load: async () => (await import('./import-tree.js')).importTree },
  { name: 'ls', summary: 'list the packages in the store (optionally matching glob patterns)', load: async () => (await import('./ls.js')).ls },
  { name: 'show', summary: 'show one package: metadata, dependencies, files', load: async () => (await import('./show.js')).show },
  { name: 'versions', summary: 'every stored build of one name, newest first, with the channels that hold it', load: async () => (await import('./versions.js')).versions },
  { name: 'cat', summary: "write an object's bytes to standard output, verified", load: async () => (await import('./cat.js')).cat },
  { name: 'rm', summary: "remove a build from the store's package list (gc deletes it later)", load: async () => (await import('./rm.js')).rm },
  { name: 'channel', summary: 'create channels, add and remove builds, publish, log, diff', load: async () => (await import('./channel.js')).channel },
  { name: 'layer', summary: 'versioned layers: create from packages, import an overlay dir or an installed system, check a version, list, show, upgrade the images on them', load: async () => (await import('./layer.js')).layer },
  { name: 'image', summary: 'images (VAs): create from layers, install/remove/upgrade, show, log, diff, rollback, cherry-pick, checkout, export', load: async () => (await import('./image.js')).image },
  { name: 'boot', summary: "an image version's boot set (kernel, initrd, one squashfs per layer, boot.json) for net-booted VAs", load: async () => (await import('./boot.js')).boot },
  { name: 'link', summary: 'link a child image to its parent under a content policy; link ls, set-policy', load: async () => (await import('./link.js')).link },
  { name: 'unlink', summary: 'unlink a child image from its parent', load: async () => (await import('./link.js')).unlink },
  { name: 'audit', summary: 'list every linked image\'s policy violations (exit 1 if any)', load: async () => (await import('./link.js')).auditCommand },
  { name: 'sync', summary: 'bring a linked child back into compliance with its parent', load: async () => (await import('./link.js')).sync },
  { name: 'group', summary: 'package groups for content policies: ls, show, set', load: async () => (await import('./group.js')).group },
  { name: 'mirror', summary: 'mirror an rpm-md repository into a channel: add, sync, ls, rm', load: async () => (await import('./mirror.js')).mirror },
  { name: 'pin', summary: 'keep a build through gc (no argument: list the pins)', load: async () => (await import('./pin.js')).pin },
  { name: 'unpin', summary: 'remove a pin (the build stays in the store)', load: async () => (await import('./pin.js')).unpin },
  { name: 'fsck', summary: 'verify every object, the history and the state; --repair fixes what it can', load: async () => (await import('./fsck.js')).fsck },
  { name: 'gc', summary: 'delete objects that nothing keeps (see the retention rules)', load: async () => (await import('./gc.js')).gc },
  { name: 'reindex', summary: 'rebuild the derived indexes from the history', load: async () => (await import('./reindex.js')).reindex },
  { name: 'migrate', summary: 'copy a store into a new one (other backends), verified by fsck on both', load: async () => (await import('./migrate.js')).migrate },
  { name: 'resolve', summary: 'solve install/erase/upgrade jobs against a repository and explain failures', load: async () => (await import('./resolve.js')).resolveCommand },
  { name: 'vercmp', summary: 'compare two [E:]V[-R] versions as rpm does (-1, 0, 1)', load: async () => (await import('./vercmp.js')).vercmp },
  { name: 'serve', summary: 'serve the store over HTTP: rpm-md repositories, the JSON API, uploads', load: async () => (await import('./serve.js')).serve },
  { name: 'key', summary: 'OpenPGP keys: trusted package keys (import, ls, rm), the repository signing key (generate, export)', load: async () => (await import('./key.js')).key },
  { name: 'verify', summary: "check packages' digests and signatures as rpmkeys --checksig does", load: async () => (await import('./verify.js')).verify },
  { name: 'config', summary: "the store's settings: show, set (shared by every host of an attached store)", load: async () => (await import('./config.js')).config },
  { name: 'token', summary: 'API tokens for the server: create (printed once), ls, revoke', load: async () => (await import('./token.js')).token },
  { name: 'push', summary: 'upload .rpm files to a bazaar server ($BAZAAR_TOKEN)', load: async () => (await import('./push.js')).push },
  { name: 'pull', summary: "download an image's files from a bazaar server (.tar.zst or a directory)", load: async () => (await import('./pull.js')).pull },
  { name: 'upload-overlay', summary: "send a VA's overlay changes to a server, baked into a new layer and image version", load: async () => (await import('./upload-overlay.js')).uploadOverlay },
  { name: 'demo', summary: 'seed a store from repos/sample and summarise it (npm start); --serve then serves it', load: async () => (await import('./demo.js')).demo },
];
