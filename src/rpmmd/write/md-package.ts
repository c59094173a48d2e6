/**
 * One package as createrepo_c's cr_Package holds it just before dumping XML
 * (cr_package_from_header in src/parsehdr.c plus the file facts load_rpm adds in
 * src/dumper_thread.c): every value primary, filelists and other need, with strings
 * still as header bytes. The three XML writers only format this.
 */
import { Tag, TagType } from '../../rpm/index.js';
import type { ByteString, HeaderView } from './header-view.js';
import { DEFAULT_CHANGELOG_LIMIT, mdChangelogs } from './md-changelogs.js';
import type { MdChangelog } from './md-changelogs.js';
import { mdDependencies } from './md-dependencies.js';
import type { MdDependencies } from './md-dependencies.js';
import { mdFiles } from './md-files.js';
import type { MdFile } from './md-files.js';
import { readHeaderView } from './read-retrofits.js';
import type { RepoPackage } from './repo-package.js';
import { hasControlChars } from './xml-escape.js';

export interface MdPackage extends MdDependencies {
  name: ByteString | null;
  arch: ByteString | null;
  epoch: ByteString;
  version: ByteString | null;
  release: ByteString | null;
  summary: ByteString | null;
  description: ByteString | null;
  url: ByteString | null;
  packager: ByteString | null;
  license: ByteString | null;
  vendor: ByteString | null;
  group: ByteString | null;
  buildhost: ByteString | null;
  sourcerpm: ByteString | null;
  timeBuild: number;
  sizeInstalled: number;
  sizeArchive: number;
  files: MdFile[];
  changelogs: MdChangelog[];
  // from the package file, not the header
  pkgId: string;
  checksumType: string;
  href: ByteString;
  base: ByteString | null;
  timeFile: number;
  sizePackage: number;
  headerStart: number;
  headerEnd: number;
  /** False when no header string has a C0 control: `forbiddenControlChars` need not look. */
  headerHasControls: boolean;
}

export interface MdPackageOptions {
  /** Changelog entries per package, newest first; -1 for all (createrepo_c's default: 10). */
  changelogLimit?: number;
}

/** The rpm extension for the 64-bit size tags: the 64-bit tag, else the 32-bit one. */
function get64(h: HeaderView, wide: number, narrow: number): number {
  if (h.has(wide)) return h.numbers(wide)?.[0] ?? 0;
  return h.type(narrow) === TagType.INT32 ? (h.numbers(narrow)?.[0] ?? 0) : 0;
}

/** A missing string is NULL in createrepo_c's package, written as an empty element. */
const orNull = (s: ByteString | undefined): ByteString | null => (s === undefined ? null : s);

/**
 * The package createrepo_c would build from this record (parsehdr.c and load_rpm).
 *
 * @example
 *   const md = mdPackage(await repoPackageFromFile('foo-1.0-1.noarch.rpm'));
 *   primaryPackage(md); // '<package type="rpm">\n  <name>foo</name>...'
 */
export function mdPackage(pkg: RepoPackage, options: MdPackageOptions = {}): MdPackage {
  const h = readHeaderView(pkg.header, pkg.signature);
  const files = mdFiles(h);
  // a short list is searched; a long one (14,508 files in the corpus) gets a set, once
  let own: Set<ByteString> | undefined;
  const ownsFile = (path: ByteString): boolean => {
    if (files.length <= 64) return files.some((f) => f.path === path);
    return (own ??= new Set(files.map((f) => f.path))).has(path);
  };
  const description = h.string(Tag.DESCRIPTION);
  return {
    name: orNull(h.string(Tag.NAME)),
    arch: h.number(Tag.SOURCEPACKAGE) ? 'src' : orNull(h.string(Tag.ARCH)),
    epoch: String(h.number(Tag.EPOCH)),
    version: orNull(h.string(Tag.VERSION)),
    release: orNull(h.string(Tag.RELEASE)),
    summary: orNull(h.string(Tag.SUMMARY)),
    description: description ? description : null, // cr_safe_string_chunk_insert_null: "" is NULL
    url: orNull(h.string(Tag.URL)),
    packager: orNull(h.string(Tag.PACKAGER)),
    license: orNull(h.string(Tag.LICENSE)),
    vendor: orNull(h.string(Tag.VENDOR)),
    group: orNull(h.string(Tag.GROUP)),
    buildhost: orNull(h.string(Tag.BUILDHOST)),
    sourcerpm: orNull(h.string(Tag.SOURCERPM)),
    timeBuild: h.numbers(Tag.BUILDTIME)?.[0] ?? 0,
    sizeInstalled: get64(h, Tag.LONGSIZE, Tag.SIZE),
    sizeArchive: get64(h, Tag.LONGARCHIVESIZE, Tag.ARCHIVESIZE),
    ...mdDependencies(h, ownsFile),
    files,
    changelogs: mdChangelogs(h, options.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT),
    pkgId: pkg.checksum.hex,
    checksumType: pkg.checksum.type,
    href: Buffer.from(pkg.href, 'utf8').toString('latin1'),
    base: pkg.base === undefined ? null : Buffer.from(pkg.base, 'utf8').toString('latin1'),
    timeFile: pkg.fileTime,
    sizePackage: pkg.size,
    headerStart: pkg.headerStart,
    headerEnd: pkg.headerEnd,
    headerHasControls: h.hasControlChars(),
  };
}

/**
 * cr_Package_contains_forbidden_control_chars (src/xml_dump.c): createrepo_c refuses to
 * write a package (it is left out of all three files) when one of these strings has a
 * C0 control other than TAB, LF, CR. Returns the first offending field, or null.
 */
export function forbiddenControlChars(p: MdPackage): string | null {
  if (!p.headerHasControls) return hasControlChars(p.href) ? 'location href' : hasControlChars(p.base) ? 'location base' : null;
  const fields: Array<[string, ByteString | null]> = [
    ['name', p.name], ['arch', p.arch], ['version', p.version], ['epoch', p.epoch], ['release', p.release],
    ['summary', p.summary], ['description', p.description], ['url', p.url], ['license', p.license],
    ['vendor', p.vendor], ['group', p.group], ['buildhost', p.buildhost], ['sourcerpm', p.sourcerpm],
    ['packager', p.packager], ['location href', p.href], ['location base', p.base],
  ];
  for (const [what, value] of fields) if (hasControlChars(value)) return what;
  for (const kind of ['requires', 'provides', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements'] as const) {
    for (const d of p[kind]) {
      if (hasControlChars(d.name) || hasControlChars(d.epoch) || hasControlChars(d.version) || hasControlChars(d.release)) return `${kind} entry`;
    }
  }
  for (const f of p.files) if (hasControlChars(f.path)) return 'file name';
  for (const c of p.changelogs) if (hasControlChars(c.author) || hasControlChars(c.text)) return 'changelog';
  return null;
}
