/**
 * rpm's getNEVRA (lib/tagexts.c): the NEVRA family of extension tags, built from the
 * header exactly as rpm builds them (the spelling is rpm/nevra.ts's formatNevraParts).
 * Byte strings in and out.
 */
import { formatNevraParts } from '../rpm/index.js';
import type { PackageHeader } from './package-header.js';
import { T } from './tag-numbers.js';

export const NevraPart = { NAME: 1, EPOCH: 2, VERSION: 4, RELEASE: 8, ARCH: 16 } as const;

/**
 * `name-` `epoch:` `version-` `release` `.arch`, each present part as rpm appends it.
 * The epoch appears only when the header has one; a source package without ARCH gets `.src`.
 */
export function nevraString(h: PackageHeader, parts: number): string {
  const e = parts & NevraPart.EPOCH ? h.raw(T.EPOCH) : undefined;
  const arch = parts & NevraPart.ARCH ? h.string(T.ARCH) ?? (h.isSource() ? 'src' : undefined) : undefined;
  return formatNevraParts({
    name: parts & NevraPart.NAME ? h.string(T.NAME) : undefined,
    epoch: e?.kind === 'number' && e.values.length === 1 ? e.values[0] : undefined,
    version: parts & NevraPart.VERSION ? h.string(T.VERSION) : undefined,
    release: parts & NevraPart.RELEASE ? h.string(T.RELEASE) : undefined,
    arch,
  });
}

/** `[E:]V-R` (rpm's EVR tag). */
export function evrString(h: PackageHeader): string {
  return nevraString(h, NevraPart.EPOCH | NevraPart.VERSION | NevraPart.RELEASE);
}

/** `N-[E:]V-R.A` (rpm's NEVRA tag, which rpm prints in its dependency problems). */
export function nevraOf(h: PackageHeader): string {
  return nevraString(h, NevraPart.NAME | NevraPart.EPOCH | NevraPart.VERSION | NevraPart.RELEASE | NevraPart.ARCH);
}
