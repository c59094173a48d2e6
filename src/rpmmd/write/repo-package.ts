/**
 * What the rpm-md writer needs to know about one package: its headers plus the few facts
 * about the .rpm file that createrepo_c takes from the file itself. The store already
 * keeps the headers; these are the fields it must persist beside them at ingest so that
 * a channel's metadata never needs the .rpm files again:
 *
 * | field                    | createrepo_c source                  | persist at ingest            |
 * |--------------------------|--------------------------------------|------------------------------|
 * | header                   | rpmReadPackageFile                   | main header bytes            |
 * | signature                | its PAYLOADSIZE / LONGARCHIVESIZE    | signature header bytes (or the one size) |
 * | size                     | stat st_size                         | file size                    |
 * | checksum                 | sha256 of the whole file             | the rpm blob's sha256        |
 * | headerStart, headerEnd   | cr_get_header_byte_range             | readRpmFile's headerOffset, payloadOffset |
 * | fileTime                 | stat st_mtime                        | a time fixed at ingest       |
 * | href (and base)          | path under the repository directory  | chosen by the server         |
 *
 * `repoPackageFromFile` (repo-package-from-file.ts) fills all of them from a .rpm file.
 */
import { BazaarError } from '../../errors.js';
import { RpmHeader } from '../../rpm/index.js';

export interface RepoPackage {
  /** The main header. */
  header: RpmHeader;
  /**
   * The signature header. Only its payload size tags are read (rpm moves them into the
   * main header on read, and createrepo_c writes them as `<size archive=...>`); without
   * it `archive` is whatever the main header says (0 for most packages).
   */
  signature?: RpmHeader;
  /** `<location href>`: the path under the repository root, e.g. `Packages/foo-1.0-1.x86_64.rpm`. */
  href: string;
  /** `<location xml:base>` (createrepo_c's --baseurl); a path starting with `/` gets `file://`. */
  base?: string;
  /** Size of the .rpm file in bytes (`<size package>`). */
  size: number;
  /** Digest of the whole .rpm file: the package id (`<checksum pkgid="YES">`). */
  checksum: { type: 'sha256'; hex: string };
  /** Offset of the main header in the file (`<rpm:header-range start>`). */
  headerStart: number;
  /** Offset just past the main header, where the payload starts (`<rpm:header-range end>`). */
  headerEnd: number;
  /** `<time file>`, seconds since the epoch (createrepo_c: the file's mtime). */
  fileTime: number;
}

/** Throws ERR_BAD_INPUT naming the package (`index` counts from 0) when a field is unusable. */
export function checkRepoPackage(p: RepoPackage, index: number): void {
  const bad = (what: string): never => {
    const name = p && typeof p.href === 'string' ? p.href : 'no href';
    throw new BazaarError('ERR_BAD_INPUT', `package #${index + 1} (${name}): ${what}`, { data: { index } });
  };
  if (!p || typeof p !== 'object' || !(p.header instanceof RpmHeader)) bad('header must be an RpmHeader');
  if (p.signature !== undefined && !(p.signature instanceof RpmHeader)) bad('signature must be an RpmHeader when given');
  if (typeof p.href !== 'string' || p.href === '') bad('href must be a non-empty string');
  if (p.base !== undefined && typeof p.base !== 'string') bad('base must be a string when given');
  if (!p.checksum || p.checksum.type !== 'sha256' || !/^[0-9a-f]{64}$/.test(p.checksum.hex)) bad('checksum must be { type: "sha256", hex: 64 lowercase hex digits }');
  for (const key of ['size', 'headerStart', 'headerEnd', 'fileTime'] as const) {
    if (!Number.isSafeInteger(p[key]) || p[key] < 0) bad(`${key} must be a non-negative integer`);
  }
}
