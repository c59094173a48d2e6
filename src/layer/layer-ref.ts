/**
 * References to layers and images: `name@version-or-range` (`base@1.4.2`, `base@^1.2`),
 * and which published version a range picks. See docs/versioning-policy.md#rule-layer-semver.
 *
 * Ranges are npm's (the semver package reads them), so `^1.2`, `~1.4.2`, `1.x`, `>=1.2 <2`
 * mean here exactly what they mean to every npm-style tool.
 */
import semver from 'semver';
import { BazaarError } from '../errors.js';

export interface LayerRef {
  name: string;
  /** A semver range; `*` when the reference names no version. */
  range: string;
}

/**
 * Layer and image names: lower-case letters, digits, `.`, `_`, `-`, starting
 * alphanumeric, at most 100 characters (a name is a git ref's file name, at most 255
 * bytes, as channel names are).
 */
export const LAYER_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const NAME = LAYER_NAME;

/**
 * Parses `name[@range]`. Throws ERR_VERSION for a malformed name or range.
 *
 * @example
 * parseLayerRef('base@^1.2'); // { name: 'base', range: '^1.2' }
 * parseLayerRef('webapp');    // { name: 'webapp', range: '*' }
 */
export function parseLayerRef(text: string): LayerRef {
  const at = text.indexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const range = at < 0 ? '*' : text.slice(at + 1).trim();
  if (!NAME.test(name)) {
    throw new BazaarError('ERR_VERSION', `'${text}': '${name}' is not a layer or image name (a-z, 0-9, '.', '_', '-')`, { data: { ref: text } });
  }
  if (range === '' || semver.validRange(range) === null) {
    throw new BazaarError('ERR_VERSION', `'${text}': '${range}' is not a semver version or range (e.g. 1.4.2, ^1.2, ~1.4)`, { data: { ref: text } });
  }
  return { name, range };
}

/**
 * The version a range picks among the published ones: the highest it allows. A
 * pre-release is picked only when the range itself names a pre-release of that version
 * (npm's rule). Null when none fits. Versions that are not semver are ignored.
 *
 * @example
 * pickLayerVersion(['1.2.0', '1.9.3', '2.0.0'], '^1.2'); // '1.9.3'
 */
export function pickLayerVersion(versions: readonly string[], range: string): string | null {
  return semver.maxSatisfying(versions.filter((v) => semver.valid(v) !== null), range);
}
