/**
 * NEVRA: the one place that parses and formats `name-[epoch:]version-release.arch`.
 * Parsed from the right, since neither version nor release may contain `-`, while names
 * may.
 *
 * Three spellings are in use, each with one function:
 * - `formatNevra`: the epoch only when the package states one (as `rpm -q` prints);
 * - `formatNevraWithEpoch`: the epoch always written (the resolver's and oracle format);
 * - `nevraKey`: the lookup key, the epoch always written, 0 when absent, so
 *   `foo-1-1.noarch` and `foo-0:1-1.noarch` name the same build.
 */
export interface Nevra { name: string; epoch: number | null; version: string; release: string; arch: string }

/** A NEVRA as users type it; null when the text is not one. */
export function parseNevra(text: string): Nevra | null {
  const lastDash = text.lastIndexOf('-');
  if (lastDash <= 0) return null;
  const releaseArch = text.slice(lastDash + 1);
  const dot = releaseArch.lastIndexOf('.');
  if (dot <= 0 || dot === releaseArch.length - 1) return null;
  const head = text.slice(0, lastDash);
  const prevDash = head.lastIndexOf('-');
  if (prevDash <= 0) return null;
  let version = head.slice(prevDash + 1);
  let epoch: number | null = null;
  const colon = version.indexOf(':');
  if (colon >= 0) {
    const e = version.slice(0, colon);
    if (!/^\d+$/.test(e)) return null;
    epoch = Number(e);
    version = version.slice(colon + 1);
  }
  if (!version || version.includes(':')) return null;
  return { name: head.slice(0, prevDash), epoch, version, release: releaseArch.slice(0, dot), arch: releaseArch.slice(dot + 1) };
}

/** `name-version-release` (no arch), the epoch as in `parseNevra`; null when not one. */
export function parseNevr(text: string): Omit<Nevra, 'arch'> | null {
  const n = parseNevra(`${text}.x`);
  return n === null ? null : { name: n.name, epoch: n.epoch, version: n.version, release: n.release };
}

/** `name-[E:]V-R.A`, the epoch only when stated (null means none), as rpm prints a NEVRA. */
export function formatNevra(p: { name: string; epoch: number | null; version: string; release: string; arch: string }): string {
  return `${p.name}-${p.epoch === null ? '' : `${p.epoch}:`}${p.version}-${p.release}.${p.arch}`;
}

/**
 * The one spelling bazaar prints a build in, everywhere but rpm's own lines:
 * `name-[epoch:]version-release.arch`, the epoch only when it is not 0, as dnf prints it
 * (`bash-5.2.26-alt2.x86_64`, `libc6-6:2.38-alt2.x86_64`). bazaar-rpm prints what rpm
 * prints (`name-version-release.arch`); keys and snippet names write the epoch always
 * (docs/versioning-policy.md#spelling).
 */
export function displayNevra(p: { name: string; epoch?: number | null; version: string; release: string; arch: string }): string {
  return `${p.name}-${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;
}

/** `name-E:V-R.A`, the epoch always written. */
export function formatNevraWithEpoch(p: { name: string; epoch: number | null; version: string; release: string; arch: string }): string {
  return `${p.name}-${p.epoch ?? 0}:${p.version}-${p.release}.${p.arch}`;
}

/** The lookup key of a build: `formatNevraWithEpoch`, so epoch 0 and no epoch are one key. */
export function nevraKey(n: Nevra): string { return formatNevraWithEpoch(n); }

/** `displayNevra` of a key: the epoch left out when 0. */
export function nevraOfKey(key: string): string {
  return key.replace(/-0:([^-:]*-[^-]*)$/, '-$1');
}
