/**
 * The decisions of the versioning policy that need no store: build identity on
 * publish, which build is newest in a channel, what counts as an upgrade, what an
 * Obsoletes replaces. The store and the channels code call these; they never decide
 * these questions themselves. See docs/versioning-policy.md.
 */
import { BazaarError } from '../errors.js';
import type { Dependency } from '../rpm/names.js';
import { compareAltBuilds } from './alt-compare.js';
import type { AltCompareOptions } from './alt-compare.js';
import { rangesOverlap, flagsToSense } from './dependency-range.js';
import { compareEvr } from './evr.js';
import { formatEvr, formatNevra, formatNevraWithEpoch } from '../rpm/names.js';

/** How a channel orders builds: upstream rpm's labelCompare (default) or ALT's rpm. */
export type VersionOrder = 'rpm' | 'alt';

/** A published build as the policy sees it. */
export interface Build {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  /** The id of its package manifest (`sha256:...`): what the build *is*. */
  id: string;
  disttag?: string | null;
  buildtime?: number | null;
}

export interface OrderOptions extends AltCompareOptions {
  order?: VersionOrder;
}

/**
 * Orders two builds of one name by the channel's order.
 * See docs/versioning-policy.md#rule-upgrade-newest.
 *
 * @example
 * compareBuilds(a, b, { order: 'alt', priorityBranch: 'p11' });
 */
export function compareBuilds(a: Build, b: Build, options: OrderOptions = {}): -1 | 0 | 1 {
  if ((options.order ?? 'rpm') === 'alt') return compareAltBuilds(a, b, options);
  return compareEvr(a, b);
}

/**
 * The build an upgrade picks among the builds of one name and arch in a channel: the
 * newest by the channel's order; among builds that order cannot tell apart, the one
 * listed first (the channel lists builds in the order they were added). Undefined for
 * an empty list. See docs/versioning-policy.md#rule-upgrade-newest.
 *
 * @example
 * newestBuild(channelBuilds.filter((b) => b.name === 'bash'))?.version;
 */
export function newestBuild<T extends Build>(builds: readonly T[], options: OrderOptions = {}): T | undefined {
  let best: T | undefined;
  for (const b of builds) if (best === undefined || compareBuilds(b, best, options) > 0) best = b;
  return best;
}

/**
 * Identity on publish: the same NEVRA with the same content is idempotent, with other
 * content it is refused (ERR_NEVRA_CONFLICT naming both manifest ids). Returns whether
 * the incoming build is new. See docs/versioning-policy.md#rule-identity.
 *
 * @example
 * checkPublishIdentity({ incoming, existing: store.buildsNamed(incoming.name) }); // 'new' | 'idempotent'
 */
export function checkPublishIdentity(options: { incoming: Build; existing: readonly Build[] }): 'new' | 'idempotent' {
  const nevra = formatNevra(options.incoming);
  // Epoch 0 and no epoch are the same build identity, as they are the same order.
  const key = (b: Build): string => formatNevraWithEpoch(b);
  const want = key(options.incoming);
  for (const b of options.existing) {
    if (key(b) !== want) continue;
    if (b.id === options.incoming.id) return 'idempotent';
    throw new BazaarError('ERR_NEVRA_CONFLICT',
      `${nevra} is already published as ${b.id}; refusing different content ${options.incoming.id} under the same NEVRA (bump the release)`,
      { data: { nevra, existing: b.id, incoming: options.incoming.id } });
  }
  return 'new';
}

/**
 * What replacing `installed` with `candidate` is, by the channel's order. A downgrade is
 * refused unless asked for explicitly (ERR_POLICY_VIOLATION), so that no upgrade, sync
 * or channel change ever moves a system backwards silently.
 * See docs/versioning-policy.md#rule-no-silent-downgrade.
 *
 * @example
 * checkUpgrade({ installed, candidate }); // 'upgrade' | 'same'
 */
export function checkUpgrade(options: { installed: Build; candidate: Build; allowDowngrade?: boolean } & OrderOptions): 'upgrade' | 'same' | 'downgrade' {
  const c = compareBuilds(options.candidate, options.installed, options);
  if (c > 0) return 'upgrade';
  if (c === 0) return 'same';
  if (options.allowDowngrade === true) return 'downgrade';
  const from = formatNevra(options.installed);
  const to = formatNevra(options.candidate);
  throw new BazaarError('ERR_POLICY_VIOLATION', `${to} is older than the installed ${from}: a downgrade must be asked for explicitly`,
    { data: { installed: from, candidate: to } });
}

/**
 * Whether one of `obsoletes` (a package's Obsoletes) replaces the build `installed`:
 * same name and a range containing its `E:V-R`, by rpm's overlap rules.
 * See docs/versioning-policy.md#rule-obsoletes.
 *
 * @example
 * obsoletesBuild([{ name: 'foo-old', flags: '<', evr: '2.0' }], installedFooOld1_5); // true
 */
export function obsoletesBuild(obsoletes: readonly Dependency[], installed: Build): boolean {
  const self = { sense: flagsToSense('='), evr: formatEvr(installed) };
  return obsoletes.some((o) => o.name === installed.name && rangesOverlap({ sense: flagsToSense(o.flags), evr: o.evr }, self));
}

/**
 * Builds as `channel ls` and `versions` list them: by name, then newest first by the
 * channel's order, then by arch; builds the order cannot tell apart keep their input
 * order (the sort is stable). See docs/versioning-policy.md#rule-coexistence.
 *
 * @example
 * sortNewestFirst([openssl111, openssl314]).map(formatNevra); // ['openssl-3.1.4-alt1.x86_64', 'openssl-1.1.1w-alt1.x86_64']
 */
export function sortNewestFirst<T extends Build>(builds: readonly T[], options: OrderOptions = {}): T[] {
  return [...builds].sort((a, b) => {
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    const c = compareBuilds(b, a, options);
    if (c !== 0) return c;
    return a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0;
  });
}
