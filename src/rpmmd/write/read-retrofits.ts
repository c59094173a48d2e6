/**
 * What rpm 4.18's rpmReadPackageFile() does to a header after reading it, before
 * createrepo_c sees it (lib/package.c: headerMergeLegacySigs, applyRetrofits;
 * lib/headerutil.c: compressFilelist, providePackageNVR). Only the edits that reach
 * rpm-md are reproduced:
 *
 * - the payload size moves from the signature header into the main header
 *   (RPMSIGTAG_PAYLOADSIZE -> ARCHIVESIZE, RPMSIGTAG_LONGARCHIVESIZE -> LONGARCHIVESIZE);
 * - a header with neither SOURCERPM nor SOURCEPACKAGE gets one of them, by rpm's
 *   heuristic (one empty directory name means a source package);
 * - an old flat file list (OLDFILENAMES) becomes BASENAMES / DIRNAMES / DIRINDEXES;
 * - a header without an immutable region (rpm v3) gets `Provides: name = [E:]V-R`.
 */
import type { RpmHeader } from '../../rpm/index.js';
import { formatNevraParts, SigTag, Tag, TagType } from '../../rpm/index.js';
import { HeaderView } from './header-view.js';
import type { ByteString } from './header-view.js';

const RPMSENSE_EQUAL = 8;

/** The main header as createrepo_c reads it from the package file. */
export function readHeaderView(header: RpmHeader, signature?: RpmHeader): HeaderView {
  const h = new HeaderView(header);
  if (signature) mergeArchiveSize(h, new HeaderView(signature));
  applyRetrofits(h);
  return h;
}

/**
 * headerMergeLegacySigs for the two size tags: copied when the main header lacks them
 * and the signature entry has the type and count rpm expects (INT32 / INT64, one value).
 */
function mergeArchiveSize(h: HeaderView, sig: HeaderView): void {
  const moves: Array<[number, number, number]> = [
    [SigTag.PAYLOADSIZE, Tag.ARCHIVESIZE, TagType.INT32],
    [SigTag.LONGARCHIVESIZE, Tag.LONGARCHIVESIZE, TagType.INT64],
  ];
  for (const [from, to, type] of moves) {
    if (h.has(to) || sig.type(from) !== type) continue;
    const values = sig.numbers(from);
    if (values && values.length === 1) h.setNumbers(to, values);
  }
}

function applyRetrofits(h: HeaderView): void {
  if (!h.has(Tag.SOURCERPM) && !h.has(Tag.SOURCEPACKAGE)) {
    if (h.has(Tag.OLDFILENAMES)) compressFilelist(h);
    const dirs = h.type(Tag.DIRNAMES) === TagType.STRING_ARRAY ? h.strings(Tag.DIRNAMES) : undefined;
    if (dirs && dirs.length === 1 && dirs[0] === '') h.setNumbers(Tag.SOURCEPACKAGE, [1]);
    else h.setStrings(Tag.SOURCERPM, ['(none)']);
  }
  if (!h.has(Tag.HEADERIMMUTABLE)) {
    compressFilelist(h);
    if (h.has(Tag.SOURCERPM)) providePackageNVR(h);
  } else if (h.has(Tag.OLDFILENAMES)) {
    compressFilelist(h);
  }
}

/**
 * OLDFILENAMES split into directory + base name. The resulting paths are the original
 * names whatever the split, so only the rule for "source" lists matters: when the first
 * name has no leading `/`, every file gets the directory "".
 */
function compressFilelist(h: HeaderView): void {
  if (h.has(Tag.DIRNAMES)) { h.delete(Tag.OLDFILENAMES); return; }
  const names = h.strings(Tag.OLDFILENAMES);
  if (!names || names.length < 1) return;
  const dirs: ByteString[] = [];
  const bases: ByteString[] = [];
  const indexes: number[] = [];
  if (names[0][0] !== '/') {
    dirs.push('');
    for (const n of names) { bases.push(n); indexes.push(0); }
  } else {
    const seen = new Map<ByteString, number>();
    for (const n of names) {
      const cut = n.lastIndexOf('/') + 1;
      const dir = n.slice(0, cut);
      let at = seen.get(dir);
      if (at === undefined) { at = dirs.length; dirs.push(dir); seen.set(dir, at); }
      bases.push(n.slice(cut));
      indexes.push(at);
    }
  }
  h.setNumbers(Tag.DIRINDEXES, indexes);
  h.setStrings(Tag.BASENAMES, bases);
  h.setStrings(Tag.DIRNAMES, dirs);
  h.delete(Tag.OLDFILENAMES);
}

/** headerGetAsString(RPMTAG_EVR): `[E:][V-]R`, each part only when present. */
function evrTag(h: HeaderView): ByteString {
  const epoch = h.numbers(Tag.EPOCH);
  return formatNevraParts({ epoch: epoch?.length === 1 ? epoch[0] : undefined, version: h.string(Tag.VERSION), release: h.string(Tag.RELEASE) });
}

/**
 * rpm looks for an existing `name = EVR` provide with rpmdsFind() first, but that search
 * also compares trigger indexes, -1 for header provides and 0 for the one it looks for,
 * so it never finds it: the provide is always appended, even as a duplicate (the
 * corpus's hello-1.0-1.x86_64.rpm-v3 shows it). Unversioned provides (rpm < 3.0.3)
 * first get empty versions and no flags.
 */
function providePackageNVR(h: HeaderView): void {
  const name = h.string(Tag.NAME);
  if (name === undefined) return;
  const evr = evrTag(h);
  const names = h.strings(Tag.PROVIDENAME);
  let versions = h.strings(Tag.PROVIDEVERSION);
  let flags = h.numbers(Tag.PROVIDEFLAGS);
  if (names && !versions) {
    versions = names.map(() => '');
    flags = [...(flags ?? []), ...names.map(() => 0)];
  }
  h.setStrings(Tag.PROVIDENAME, [...(names ?? []), name]);
  h.setStrings(Tag.PROVIDEVERSION, [...(versions ?? []), evr]);
  h.setNumbers(Tag.PROVIDEFLAGS, [...(flags ?? []), RPMSENSE_EQUAL]);
}
