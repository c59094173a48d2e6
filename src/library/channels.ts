/**
 * Channels and pins for build tools (docs/library.md, docs/versioning-policy.md): a
 * channel is a named, versioned set of builds that images install from and the server
 * publishes as an rpm-md repository; a pin keeps a build from gc.
 *
 * @example
 *   await createChannel(store, { channel: 'sample' });
 *   await addToChannel(store, { channel: 'sample', packages: ['bash', 'sed-4.9-alt1.x86_64'] });
 */
import {
  addToChannel as addOp, channelLog as channelLogOp, createChannel as createOp, deleteChannel as deleteOp, diffChannel as diffOp, listChannels as listOp,
  listPins as listPinsOp, pinPackage as pinOp, publishChannel as publishOp, readChannel, removeFromChannel as removeOp, removePackage as removePackageOp,
  renameChannel as renameOp, restoreChannel as restoreOp, setChannelSignatureRule as setRuleOp, unpinPackage as unpinOp,
} from '../store/index.js';
import type { VersionOrder } from '../policy/index.js';
import type { Store } from '../store/index.js';
import { checkChoice, checkOptions } from './check-options.js';
import type { Result } from './check-options.js';
import { checkStore } from './store-arg.js';

const withMessage = (m: string | undefined): { message?: string } => (m ? { message: m } : {});

/** A new, empty channel; `order` is 'rpm' (default) or 'alt' (ALT's disttag order, `priorityBranch` first). */
export async function createChannel(store: Store, options: { channel: string; order?: VersionOrder; priorityBranch?: string; requireSignature?: boolean; message?: string }): Promise<Result<typeof createOp>> {
  const s = checkStore('createChannel', store);
  const o = checkOptions<typeof options>('createChannel', options, { channel: 'string', order: 'string?', priorityBranch: 'string?', requireSignature: 'boolean?', message: 'string?' });
  checkChoice('createChannel', 'order', o.order, ['rpm', 'alt']);
  return createOp(s, o.channel, { ...(o.order ? { order: o.order } : {}), ...(o.priorityBranch ? { priorityBranch: o.priorityBranch } : {}), ...(o.requireSignature ? { requireSignature: true } : {}), ...withMessage(o.message) });
}

/**
 * Makes the channel take only packages signed by a trusted key (`requireSignature: true`:
 * adds, uploads and syncs of other packages are refused), or lifts that rule.
 */
export async function setChannelSignatureRule(store: Store, options: { channel: string; requireSignature: boolean; message?: string }): Promise<Result<typeof setRuleOp>> {
  const s = checkStore('setChannelSignatureRule', store);
  const o = checkOptions<typeof options>('setChannelSignatureRule', options, { channel: 'string', requireSignature: 'boolean', message: 'string?' });
  return setRuleOp(s, o.channel, o.requireSignature, withMessage(o.message));
}

const CHANGE = { channel: 'string', packages: 'strings', message: 'string?' } as const;
type ChangeArgs = { channel: string; packages: string[]; message?: string };

/** Adds builds (NEVRAs, names with one build, build ids) as the channel's next commit. */
export async function addToChannel(store: Store, options: ChangeArgs): Promise<Result<typeof addOp>> {
  const s = checkStore('addToChannel', store);
  const o = checkOptions<ChangeArgs>('addToChannel', options, CHANGE);
  return addOp(s, o.channel, o.packages, withMessage(o.message));
}

/** Removes builds from the channel (the store keeps them). */
export async function removeFromChannel(store: Store, options: ChangeArgs): Promise<Result<typeof removeOp>> {
  const s = checkStore('removeFromChannel', store);
  const o = checkOptions<ChangeArgs>('removeFromChannel', options, CHANGE);
  return removeOp(s, o.channel, o.packages, withMessage(o.message));
}

/** Publishes builds: each replaces the older builds of its name in the channel. */
export async function publishToChannel(store: Store, options: ChangeArgs): Promise<Result<typeof publishOp>> {
  const s = checkStore('publishToChannel', store);
  const o = checkOptions<ChangeArgs>('publishToChannel', options, CHANGE);
  return publishOp(s, o.channel, o.packages, withMessage(o.message));
}

/** Makes an earlier commit of the channel (`HEAD~N` or a commit) its content again, as a new commit. */
export async function restoreChannel(store: Store, options: { channel: string; rev: string; message?: string }): Promise<Result<typeof restoreOp>> {
  const s = checkStore('restoreChannel', store);
  const o = checkOptions<typeof options>('restoreChannel', options, { channel: 'string', rev: 'string', message: 'string?' });
  return restoreOp(s, o.channel, o.rev, withMessage(o.message));
}

/** Deletes a channel (its history kept under trash/ for the retention window). */
export async function deleteChannel(store: Store, options: { channel: string; message?: string }): Promise<Result<typeof deleteOp>> {
  const s = checkStore('deleteChannel', store);
  const o = checkOptions<typeof options>('deleteChannel', options, { channel: 'string', message: 'string?' });
  return deleteOp(s, o.channel, withMessage(o.message));
}

/** Renames a channel, its history with it. */
export async function renameChannel(store: Store, options: { channel: string; to: string }): Promise<Result<typeof renameOp>> {
  const s = checkStore('renameChannel', store);
  const o = checkOptions<typeof options>('renameChannel', options, { channel: 'string', to: 'string' });
  return renameOp(s, o.channel, o.to);
}

/** Every channel with its size and last commit. */
export async function listChannels(store: Store): Promise<Result<typeof listOp>> {
  const s = checkStore('listChannels', store);
  return s.read((view) => listOp(s, view));
}

/** A channel's builds and settings (at `rev`, default its head). */
export async function showChannel(store: Store, options: { channel: string; rev?: string }): Promise<Result<typeof readChannel>> {
  const s = checkStore('showChannel', store);
  const o = checkOptions<typeof options>('showChannel', options, { channel: 'string', rev: 'string?' });
  return s.read((view) => readChannel(s, view, o.channel, o.rev));
}

/** A channel's history, newest first. */
export async function channelLog(store: Store, options: { channel: string }): Promise<Result<typeof channelLogOp>> {
  const s = checkStore('channelLog', store);
  const o = checkOptions<typeof options>('channelLog', options, { channel: 'string' });
  return s.read((view) => channelLogOp(s, view, o.channel));
}

/** What changed in a channel between two revisions (default: its last commit). */
export async function diffChannel(store: Store, options: { channel: string; from?: string; to?: string }): Promise<Result<typeof diffOp>> {
  const s = checkStore('diffChannel', store);
  const o = checkOptions<typeof options>('diffChannel', options, { channel: 'string', from: 'string?', to: 'string?' });
  return s.read((view) => diffOp(s, view, o.channel, o.from, o.to));
}

/** Keeps a build from gc, with the reason recorded. */
export async function pinPackage(store: Store, options: { package: string; reason?: string }): Promise<Result<typeof pinOp>> {
  const s = checkStore('pinPackage', store);
  const o = checkOptions<typeof options>('pinPackage', options, { package: 'string', reason: 'string?' });
  return pinOp(s, o.package, o.reason ?? '');
}

/** Lets gc collect a pinned build again once nothing else keeps it. */
export async function unpinPackage(store: Store, options: { package: string }): Promise<Result<typeof unpinOp>> {
  const s = checkStore('unpinPackage', store);
  const o = checkOptions<typeof options>('unpinPackage', options, { package: 'string' });
  return unpinOp(s, o.package);
}

/** Every pin and its reason. */
export async function listPins(store: Store): Promise<Result<typeof listPinsOp>> {
  const s = checkStore('listPins', store);
  return s.read((view) => listPinsOp(s, view));
}

/** Removes a build from the store's packages (refused while a channel or pin holds it). */
export async function removePackage(store: Store, options: { package: string; message?: string }): Promise<Result<typeof removePackageOp>> {
  const s = checkStore('removePackage', store);
  const o = checkOptions<typeof options>('removePackage', options, { package: 'string', message: 'string?' });
  return removePackageOp(s, o.package, withMessage(o.message));
}
