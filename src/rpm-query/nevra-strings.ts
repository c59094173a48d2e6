/**
 * rpm's getNEVRA (lib/tagexts.c): the NEVRA family of extension tags, built from the
 * header exactly as rpm builds them. Byte strings in and out.
 */
import type { PackageHeader } from './package-header.js';
import { T } from './tag-numbers.js';

export const NevraPart = { NAME: 1, EPOCH: 2, VERSION: 4, RELEASE: 8, ARCH: 16 } as const;

/**
 * `name-` `epoch:` `version-` `release` `.arch`, each present part as rpm appends it.
 * The epoch appears only when the header has one; a source package without ARCH gets `.src`.
 */
export function nevraString(h: PackageHeader, parts: number): string {
  let out = '';
  if (parts & NevraPart.NAME) {
    const v = h.string(T.NAME);
    if (v !== undefined) out += `${v}-`;
  }
  if (parts & NevraPart.EPOCH) {
    const e = h.raw(T.EPOCH);
    if (e?.kind === 'number' && e.values.length === 1) out += `${e.values[0]}:`;
  }
  if (parts & NevraPart.VERSION) {
    const v = h.string(T.VERSION);
    if (v !== undefined) out += `${v}-`;
  }
  if (parts & NevraPart.RELEASE) {
    const v = h.string(T.RELEASE);
    if (v !== undefined) out += v;
  }
  if (parts & NevraPart.ARCH) {
    let v = h.string(T.ARCH);
    if (v === undefined && h.isSource()) v = 'src';
    if (v !== undefined) out += `.${v}`;
  }
  return out;
}

/** `[E:]V-R` (rpm's EVR tag). */
export function evrString(h: PackageHeader): string {
  return nevraString(h, NevraPart.EPOCH | NevraPart.VERSION | NevraPart.RELEASE);
}

/** `N-[E:]V-R.A` (rpm's NEVRA tag, which rpm prints in its dependency problems). */
export function nevraOf(h: PackageHeader): string {
  return nevraString(h, NevraPart.NAME | NevraPart.EPOCH | NevraPart.VERSION | NevraPart.RELEASE | NevraPart.ARCH);
}
