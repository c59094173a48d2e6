/**
 * An installed package's header as rpm's database holds it: the package's main header,
 * plus what rpm adds when it reads and installs a package (lib/package.c, lib/psm.c):
 * the signature header's digests and signatures under their main-header tags, the
 * retrofits of old (v3) headers, and the install-time tags. Reads decode lazily and are
 * cached; `get` adds rpm's extension tags (NEVRA, FILENAMES, *NEVRS...).
 */
import type { RpmHeader } from '../rpm/index.js';
import { TagType } from '../rpm/index.js';
import { tagExtension } from './tag-extensions.js';
import type { TagData } from './tag-data.js';
import { decodeEntry, numberData, stringData } from './tag-data.js';
import { T } from './tag-numbers.js';
import { tagType } from './tag-table.js';
import type { InstalledPackage } from './installed-db.js';
import { legacyRetrofits } from './legacy-retrofit.js';
import { pickTranslation } from './i18n.js';

/**
 * What reads of a header depend on besides the header: rpm's global verbosity (extension
 * tags), and the locale list I18N strings are translated for (i18n.ts; null: none set).
 */
export interface HeaderContext { verbose: boolean; lang?: string | null }

export class PackageHeader {
  private readonly cache = new Map<number, TagData | null>();
  private readonly extCache = new Map<number, TagData | null>();
  private readonly numberCache = new Map<number, number[]>();

  /**
   * @param base the package's main header
   * @param overlay tags added (TagData) or removed (null) on top of it
   * @param instance rpm's header instance (0 for a header not from a database)
   */
  constructor(readonly base: RpmHeader, private readonly overlay: Map<number, TagData | null>, readonly instance: number, readonly context: HeaderContext) {}

  /** rpm's headerPut (replacing) or headerDel (null): changes this view, never the base header. */
  set(tag: number, td: TagData | null): void {
    this.overlay.set(tag, td);
    this.cache.delete(tag);
    this.numberCache.delete(tag);
    this.extCache.clear();
  }

  /** rpm's headerIsEntry. */
  has(tag: number): boolean {
    const o = this.overlay.get(tag);
    if (o !== undefined) return o !== null;
    return this.base.has(tag);
  }

  /** The stored entry, or the overlay's. */
  private decoded(tag: number): TagData | null {
    const o = this.overlay.get(tag);
    if (o !== undefined) return o;
    const r = this.base.raw(tag);
    return r ? decodeEntry(r) ?? null : null;
  }

  /**
   * rpm's headerGet without extensions: the stored entry, an I18N string reduced to the
   * one translation the context's locale picks (copyI18NEntry; the first, C, without one).
   */
  raw(tag: number): TagData | undefined {
    let td = this.cache.get(tag);
    if (td === undefined) {
      td = this.decoded(tag);
      if (td?.kind === 'string' && td.type === TagType.I18NSTRING) {
        const table = this.decoded(T.HEADERI18NTABLE);
        const value = pickTranslation(td.values, table?.kind === 'string' ? table.values : [], this.context.lang ?? null);
        td = { kind: 'string', type: TagType.STRING, values: td.values.length ? [value] : [] };
      }
      this.cache.set(tag, td);
    }
    return td ?? undefined;
  }

  /** As `raw`, but an I18N string untranslated (its first value): what rpm indexed when it installed under C. */
  rawUntranslated(tag: number): TagData | undefined {
    const td = this.decoded(tag);
    if (td?.kind === 'string' && td.type === TagType.I18NSTRING) return { kind: 'string', type: TagType.STRING, values: td.values.slice(0, 1) };
    return td ?? undefined;
  }

  /** rpm's HEADERGET_RAW read: the stored entry, every translation of an I18N string kept. */
  rawAll(tag: number): TagData | undefined {
    const o = this.overlay.get(tag);
    if (o !== undefined) return o ?? undefined;
    const r = this.base.raw(tag);
    return r ? decodeEntry(r) : undefined;
  }

  /**
   * The header's tags in rpm's iteration order (headerNextTag): by number, the region
   * tags (HEADERIMAGE, HEADERSIGNATURES, HEADERIMMUTABLE) left out.
   */
  allTags(): number[] {
    const tags = new Set(this.base.tags());
    for (const [tag, td] of this.overlay) if (td === null) tags.delete(tag); else tags.add(tag);
    return [...tags].filter((t) => t < 61 || t > 63).sort((a, b) => a - b);
  }

  /** rpm's headerGet with HEADERGET_EXT: extension tags first, then the stored entry. */
  get(tag: number): TagData | undefined {
    const ext = tagExtension(tag);
    if (!ext) return this.raw(tag);
    let td = this.extCache.get(tag);
    if (td === undefined) {
      td = ext(this) ?? null;
      if (tag !== T.VERBOSE) this.extCache.set(tag, td);
    }
    return td ?? undefined;
  }

  /** A scalar string entry (headerGetString), undefined unless exactly one string. */
  string(tag: number): string | undefined {
    const td = this.raw(tag);
    return td?.kind === 'string' && td.values.length === 1 ? td.values[0] : undefined;
  }

  /** All strings of an entry, [] when absent. */
  strings(tag: number): string[] {
    const td = this.raw(tag);
    return td?.kind === 'string' ? td.values : [];
  }

  /** All numbers of an entry (as JS numbers: every use is below 2^53), [] when absent. */
  numbers(tag: number): number[] {
    let n = this.numberCache.get(tag);
    if (!n) {
      const td = this.raw(tag);
      n = td?.kind === 'number' ? td.values.map(Number) : [];
      this.numberCache.set(tag, n);
    }
    return n;
  }

  /** rpm's headerIsSource: no SOURCERPM. */
  isSource(): boolean {
    return !this.has(T.SOURCERPM);
  }
}

/**
 * rpm's xlateTags (lib/package.c headerMergeLegacySigs): signature-header tags and the
 * main-header tags they are stored under, with the count rpm insists on (0: any) and
 * whether the tag may legitimately already be in the main header ("quirk").
 */
const LEGACY_SIGS: ReadonlyArray<readonly [sig: number, main: number, count: number, quirk: boolean]> = [
  [1000, T.SIGSIZE, 1, false], [1002, T.SIGPGP, 0, false], [1004, T.SIGMD5, 16, false], [1005, T.SIGGPG, 0, false],
  [1007, T.ARCHIVESIZE, 1, true], [274, T.FILESIGNATURES, 0, true], [275, T.FILESIGNATURELENGTH, 1, true],
  [276, T.VERITYSIGNATURES, 0, false], [277, T.VERITYSIGNATUREALGO, 1, false], [269, T.SHA1HEADER, 1, false],
  [273, T.SHA256HEADER, 1, false], [267, T.DSAHEADER, 0, false], [268, T.RSAHEADER, 0, false],
  [270, T.LONGSIGSIZE, 1, false], [271, T.LONGARCHIVESIZE, 1, false],
];

function mergeLegacySigs(main: RpmHeader, sig: RpmHeader, overlay: Map<number, TagData | null>): void {
  for (const [stag, xtag, , quirk] of LEGACY_SIGS) {
    if (main.has(xtag)) {
      if (quirk && !sig.has(stag)) continue;
      return; // rpm refuses such a package ("invalid signature tag"); we add nothing.
    }
  }
  for (const [stag, xtag, count] of LEGACY_SIGS) {
    const r = sig.raw(stag);
    if (!r) continue;
    // rpm stops merging at the first tag of an unexpected type or count.
    if (r.type !== tagType(xtag)) break;
    if (r.count < 1 || r.count > 16 * 1024 * 1024) break;
    if (count && r.count !== count) break;
    const td = decodeEntry(r);
    if (!td) break;
    overlay.set(xtag, td);
  }
}

/**
 * The header of an installed package, as rpm's database would return it.
 *
 * @example
 * const h = installedHeader({ header, installTime: 1700000000 }, 1, { verbose: false });
 * h.get(T.NEVRA); // { kind: 'string', values: ['bash-5.2.26-alt1.x86_64'] ... }
 */
export function installedHeader(pkg: InstalledPackage, instance: number, context: HeaderContext): PackageHeader {
  const overlay = new Map<number, TagData | null>();
  if (pkg.signature) mergeLegacySigs(pkg.header, pkg.signature, overlay);
  const h = new PackageHeader(pkg.header, overlay, instance, context);
  legacyRetrofits(h);
  if (pkg.installTime !== undefined) {
    const files = h.strings(T.BASENAMES).length;
    if (files > 0) h.set(T.FILESTATES, numberData(pkg.fileStates ?? new Array<number>(files).fill(0), TagType.CHAR));
    h.set(T.INSTALLTID, numberData([pkg.installTid ?? pkg.installTime]));
    h.set(T.INSTALLTIME, numberData([pkg.installTime]));
    h.set(T.INSTALLCOLOR, numberData([pkg.installColor ?? 0]));
    // rpm's addPrefixes: an unrelocated relocatable package records its prefixes as installed.
    const prefixes = h.strings(T.PREFIXES);
    if (prefixes.length > 0 && !h.has(T.INSTPREFIXES)) h.set(T.INSTPREFIXES, stringData(prefixes));
  }
  return h;
}
