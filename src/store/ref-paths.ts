/**
 * Branch names and the paths inside branches: built here and nowhere else.
 *
 * Package-like branches (`packages`, `channels/<name>`, `pins`) hold one entry per build at
 * `<fan>/<name>/<name>-<epoch>:<version>-<release>.<arch>`, where `<fan>` is the first two
 * hex digits of sha256(name). The fan-out keeps every tree small (60,000 names spread over
 * 256 buckets of ~230), so a commit that touches one package rewrites three small trees,
 * not one tree listing every package, and a walk of history visits only what changed.
 * Layout 1 stores had no fan-out (`<name>/<key>`); `buildOfPath` reads both.
 */
import { createHash } from 'node:crypto';
import { checkChannelName } from '../policy/names.js';

export const PACKAGES_BRANCH = 'packages';
export const PINS_BRANCH = 'pins';
export const TREES_BRANCH = 'trees';
export const GROUPS_BRANCH = 'groups';
export const CHANNEL_PREFIX = 'channels/';
export const LAYER_PREFIX = 'layers/';
export const IMAGE_PREFIX = 'images/';
/** A channel's settings entry; build paths always contain a `/`, so it cannot clash. */
export const CHANNEL_SETTINGS_PATH = '.channel';
/** An on-demand mirror's upstream (kinds/upstream.ts), in its channel's branch. */
export const UPSTREAM_PATH = '.upstream';

export function channelBranch(name: string): string { return `${CHANNEL_PREFIX}${checkChannelName(name)}`; }
export function layerBranch(name: string): string { return `${LAYER_PREFIX}${name}`; }
export function imageBranch(name: string): string { return `${IMAGE_PREFIX}${name}`; }

/** The two hex digits a name fans out to. */
export function fanOf(name: string): string { return createHash('sha256').update(name).digest('hex').slice(0, 2); }

/** The path of a build in a package-like branch. `key` is its NEVRA with the epoch written. */
export function buildPath(name: string, key: string): string { return `${fanOf(name)}/${name}/${key}`; }

/** The directory of every build of one name. */
export function namePath(name: string): string { return `${fanOf(name)}/${name}`; }

/** Name and key from a build path (either layout); null for a path that is not one. */
export function buildOfPath(path: string): { name: string; key: string } | null {
  const parts = path.split('/');
  if (parts.length < 2) return null;
  const name = parts[parts.length - 2];
  const key = parts[parts.length - 1];
  if (!key.startsWith(`${name}-`)) return null;
  return { name, key };
}

/** An image branch's entry for the image as it stands now. */
export const IMAGE_CURRENT = 'current';
/** A published version's entry in an image or layer branch. */
export function versionPath(version: string): string { return `versions/${version}`; }
export const VERSIONS_DIR = 'versions';
