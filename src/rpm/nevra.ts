/**
 * NEVRA and EVR text: the one place that parses and spells `name-[epoch:]version-release.arch`
 * and `[epoch:]version[-release]` (their order is policy/evr.ts's). A NEVRA is parsed from
 * the right, since neither version nor release may contain `-`, while names may.
 *
 * Each spelling has one function (docs/versioning-policy.md#spelling says which is used where):
 * - `displayNevra`: the epoch when it is not 0, as bazaar prints a build to people;
 * - `formatNevra`: the epoch only when the package states one (rpm's %{NEVRA});
 * - `formatNvra`: never an epoch (rpm -qa, rpm's problem lines, the .rpm file name);
 * - `formatNevraWithEpoch` / `nevraKey`: the epoch always written, 0 when absent, so
 *   `foo-1-1.noarch` and `foo-0:1-1.noarch` are one key (store paths, snippet names);
 * - `formatNevraParts`: each part a header has, as rpm's tag extensions join them;
 * - `formatEvr`: `[E:]V[-R]`, each part when stated (a dependency's EVR);
 * - `formatEvrWithEpoch`: `E:V-R`, the epoch always written (a self-provide's EVR).
 */
import { BazaarError } from '../errors.js';

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
  return `${p.name}-${formatEvr(p)}.${p.arch}`;
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

/** `name-E:V-R.A`, the epoch always written (0 when absent). */
export function formatNevraWithEpoch(p: { name: string; epoch: number | null; version: string; release: string; arch: string }): string {
  return `${p.name}-${formatEvrWithEpoch(p)}.${p.arch}`;
}

/** `name-version-release.arch`, never an epoch: rpm's %{NVRA}, `rpm -qa`'s lines, and `${formatNvra(p)}.rpm` the file rpmbuild writes. */
export function formatNvra(p: { name: string; version: string; release: string; arch: string }): string {
  return `${p.name}-${p.version}-${p.release}.${p.arch}`;
}

/**
 * rpm's getNEVRA (lib/tagexts.c): `name-` `epoch:` `version-` `release` `.arch`, each part
 * the header has, joined as rpm joins them, so a header without a release still gives
 * `name-version-` (rpm's %{EVR}, %{NEVR}, %{NEVRA} tags and its v3 self-provide).
 *
 * @example
 * formatNevraParts({ epoch: 1, version: '2.0', release: 'alt1' }); // '1:2.0-alt1'
 */
export function formatNevraParts(p: { name?: string | undefined; epoch?: number | bigint | undefined; version?: string | undefined; release?: string | undefined; arch?: string | undefined }): string {
  let out = '';
  if (p.name !== undefined) out += `${p.name}-`;
  if (p.epoch !== undefined) out += `${p.epoch}:`;
  if (p.version !== undefined) out += `${p.version}-`;
  if (p.release !== undefined) out += p.release;
  if (p.arch !== undefined) out += `.${p.arch}`;
  return out;
}

/** The lookup key of a build: `formatNevraWithEpoch`, so epoch 0 and no epoch are one key. */
export function nevraKey(n: Nevra): string { return formatNevraWithEpoch(n); }

/** `displayNevra` of a key: the epoch left out when 0. */
export function nevraOfKey(key: string): string {
  return key.replace(/-0:([^-:]*-[^-]*)$/, '-$1');
}

export interface Evr {
  /** null when the package or dependency does not state an epoch (compares as 0). */
  epoch: number | null;
  version: string;
  /** null when not stated: for dependency ranges that means "any release". */
  release: string | null;
}

/**
 * An EVR split exactly as rpm's `parseEVR()` splits it, every part kept as text. The
 * epoch stays a digit string so that any epoch, however long, compares as rpm compares
 * it (rpm compares epochs of EVR strings with rpmvercmp, not as machine integers).
 */
export interface EvrText {
  /** The leading digits before the first `:`, `"0"` for an empty `:` prefix, else null. */
  epoch: string | null;
  version: string;
  /** Everything after the last `-`, possibly `""`; null when there is no `-`. */
  release: string | null;
}

function isDigitCode(c: number): boolean { return c >= 0x30 && c <= 0x39; }

/**
 * Splits `[E:]V[-R]` the way rpm's `parseEVR()` does: an epoch is the run of leading
 * digits when a `:` follows it (`:1.0` has epoch 0), the release is what follows the
 * last `-`. Anything else stays in the version, `:` and `-` included (`a:1` is a version).
 *
 * @example
 * splitEvr('2:1.0-alt1'); // { epoch: '2', version: '1.0', release: 'alt1' }
 * splitEvr('1.0');        // { epoch: null, version: '1.0', release: null }
 */
export function splitEvr(text: string): EvrText {
  let s = 0;
  while (s < text.length && isDigitCode(text.charCodeAt(s))) s++;
  let epoch: string | null = null;
  let vstart = 0;
  if (text.charCodeAt(s) === 0x3a /* : */) {
    epoch = s === 0 ? '0' : text.slice(0, s);
    vstart = s + 1;
  }
  const dash = text.lastIndexOf('-');
  if (dash >= vstart) return { epoch, version: text.slice(vstart, dash), release: text.slice(dash + 1) };
  return { epoch, version: text.slice(vstart), release: null };
}

/**
 * Parses `[E:]V[-R]` the way rpm's parseEVR does (last `-` splits the release). Epochs
 * are integers in package headers (32 bits); an epoch too large to be held exactly is
 * refused rather than silently rounded.
 *
 * @example
 * parseEvr('1:2.0-alt1'); // { epoch: 1, version: '2.0', release: 'alt1' }
 */
export function parseEvr(text: string): Evr {
  const t = splitEvr(text);
  let epoch: number | null = null;
  if (t.epoch !== null) {
    epoch = Number(t.epoch);
    if (!Number.isSafeInteger(epoch)) {
      throw new BazaarError('ERR_VERSION', `epoch of '${text}' is too large (rpm epochs are 32-bit integers)`, { data: { evr: text } });
    }
  }
  return { epoch, version: t.version, release: t.release };
}

/**
 * `E:V-R` with the epoch left out when null and the release when null, exactly as rpm
 * prints dependency EVRs; the epoch may be a number (`Evr`) or text (`EvrText`, rpm-md's).
 *
 * @example
 * formatEvr({ epoch: null, version: '1.0', release: 'alt1' }); // '1.0-alt1'
 */
export function formatEvr(evr: { epoch: number | string | null; version: string; release: string | null }): string {
  const e = evr.epoch === null ? '' : `${evr.epoch}:`;
  const r = evr.release === null ? '' : `-${evr.release}`;
  return `${e}${evr.version}${r}`;
}

/**
 * `E:V-R`, the epoch always written (0 when absent): the EVR of a package's own
 * `name = E:V-R` provide and of an exact-build request.
 *
 * @example
 * formatEvrWithEpoch({ epoch: null, version: '1.0', release: 'alt1' }); // '0:1.0-alt1'
 */
export function formatEvrWithEpoch(p: { epoch: number | null; version: string; release: string }): string {
  return `${p.epoch ?? 0}:${p.version}-${p.release}`;
}
