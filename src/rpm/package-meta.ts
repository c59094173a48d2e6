/**
 * The metadata of one package, read from its main header: what the `package` manifest
 * stores and what `bazaar show` prints. Field for field it agrees with `rpm -qp`.
 */
import { BazaarError } from '../errors.js';
import { DEPENDENCY_KINDS, senseToFlags } from './dependency.js';
import type { Dependency, DependencyKind } from './dependency.js';
import type { RpmHeader } from './header.js';
import { formatEvr, formatNevra } from './nevra.js';
import { DIGEST_ALGOS, Tag } from './tags.js';

export interface PackageFile {
  path: string;
  /** st_mode as rpm stores it (type and permission bits). */
  mode: number;
  size: number;
  /** Hex digest as rpm stores it ("" for directories, links, ghosts without one). */
  digest: string;
  linkto: string;
  user: string;
  group: string;
  /** rpmfileAttrs bits: 1 config, 2 doc, 16 noreplace, 64 ghost, 128 license... */
  flags: number;
  mtime: number;
  rdev: number;
  /** Files sharing an inode within the package are hard links of one another. */
  inode: number;
  device: number;
  /** File capabilities as rpm keeps them (`cap_net_raw=ep`); absent when the file has none. */
  caps?: string;
}

export interface PackageMeta {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  /** `src` for source packages (whose header ARCH is the build arch, kept in buildArch). */
  arch: string;
  buildArch: string;
  nevra: string;
  isSource: boolean;
  buildtime: number;
  buildhost: string;
  sourcerpm: string | null;
  summary: string;
  description: string;
  license: string;
  group: string;
  url: string;
  vendor: string;
  packager: string;
  os: string;
  size: number;
  /** ALT's disttag (e.g. `sisyphus+312345.100.1.1`), when the header has one. */
  disttag: string | null;
  payloadFormat: string;
  payloadCompressor: string;
  /** Node crypto name of the file digest algorithm (md5 for old packages). */
  fileDigestAlgo: string;
  provides: Dependency[];
  requires: Dependency[];
  conflicts: Dependency[];
  obsoletes: Dependency[];
  recommends: Dependency[];
  suggests: Dependency[];
  supplements: Dependency[];
  enhances: Dependency[];
  files: PackageFile[];
}

/** rpmsenseFlags bits that mark a pre-requirement (PREREQ, SCRIPT_PRE/POST/PREUN/POSTUN, PRETRANS). */
const SENSE_PRE = (1 << 6) | (1 << 7) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);
/** RPMSENSE_STRONG: in the old SUSE weak-dependency tags it turns suggests into recommends. */
const SENSE_STRONG = 1 << 27;

const DEP_TAGS: Record<DependencyKind, [number, number, number]> = {
  provides: [Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION],
  requires: [Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION],
  conflicts: [Tag.CONFLICTNAME, Tag.CONFLICTFLAGS, Tag.CONFLICTVERSION],
  obsoletes: [Tag.OBSOLETENAME, Tag.OBSOLETEFLAGS, Tag.OBSOLETEVERSION],
  recommends: [Tag.RECOMMENDNAME, Tag.RECOMMENDFLAGS, Tag.RECOMMENDVERSION],
  suggests: [Tag.SUGGESTNAME, Tag.SUGGESTFLAGS, Tag.SUGGESTVERSION],
  supplements: [Tag.SUPPLEMENTNAME, Tag.SUPPLEMENTFLAGS, Tag.SUPPLEMENTVERSION],
  enhances: [Tag.ENHANCENAME, Tag.ENHANCEFLAGS, Tag.ENHANCEVERSION],
};

interface RawDeps { names: string[]; senses: number[]; versions: string[] }

function rawDeps(h: RpmHeader, [nameTag, flagTag, versionTag]: [number, number, number], where: string): RawDeps {
  const names = h.strings(nameTag) ?? [];
  const senses = h.numbers(flagTag) ?? [];
  const versions = h.strings(versionTag) ?? [];
  if ((senses.length && senses.length !== names.length) || (versions.length && versions.length !== names.length)) {
    throw new BazaarError('ERR_RPM_HEADER_CORRUPT', `${where}: dependency tag ${nameTag} has mismatched name/flags/version counts`, { data: { tag: nameTag } });
  }
  return { names, senses, versions };
}

function toDeps(raw: RawDeps, keep: (sense: number) => boolean = () => true): Dependency[] {
  const out: Dependency[] = [];
  raw.names.forEach((name, i) => {
    const sense = raw.senses[i] ?? 0;
    if (!keep(sense)) return;
    const dep: Dependency = { name, flags: senseToFlags(sense), evr: raw.versions[i] ?? '' };
    if (sense & SENSE_PRE) dep.pre = true;
    out.push(dep);
  });
  return out;
}

function fileList(h: RpmHeader, where: string): PackageFile[] {
  let paths: string[];
  const basenames = h.strings(Tag.BASENAMES);
  if (basenames) {
    const dirnames = h.strings(Tag.DIRNAMES) ?? [];
    const dirindexes = h.numbers(Tag.DIRINDEXES) ?? [];
    if (dirindexes.length !== basenames.length) throw new BazaarError('ERR_RPM_HEADER_CORRUPT', `${where}: file list has ${basenames.length} names but ${dirindexes.length} directory indexes`);
    paths = basenames.map((b, i) => {
      const d = dirnames[dirindexes[i]];
      if (d === undefined) throw new BazaarError('ERR_RPM_HEADER_CORRUPT', `${where}: file ${b} points at directory ${dirindexes[i]}, which does not exist`);
      return d + b;
    });
  } else {
    paths = h.strings(Tag.OLDFILENAMES) ?? [];
  }
  const n = paths.length;
  const col = <T>(values: T[] | undefined, fallback: T, tag: number): T[] => {
    if (values === undefined) return new Array(n).fill(fallback);
    if (values.length !== n) throw new BazaarError('ERR_RPM_HEADER_CORRUPT', `${where}: file tag ${tag} has ${values.length} values for ${n} files`, { data: { tag } });
    return values;
  };
  const sizes = col(h.numbers(Tag.LONGFILESIZES) ?? h.numbers(Tag.FILESIZES), 0, Tag.FILESIZES);
  const modes = col(h.numbers(Tag.FILEMODES), 0, Tag.FILEMODES);
  const digests = col(h.strings(Tag.FILEDIGESTS), '', Tag.FILEDIGESTS);
  const links = col(h.strings(Tag.FILELINKTOS), '', Tag.FILELINKTOS);
  const users = col(h.strings(Tag.FILEUSERNAME), 'root', Tag.FILEUSERNAME);
  const groups = col(h.strings(Tag.FILEGROUPNAME), 'root', Tag.FILEGROUPNAME);
  const flags = col(h.numbers(Tag.FILEFLAGS), 0, Tag.FILEFLAGS);
  const mtimes = col(h.numbers(Tag.FILEMTIMES), 0, Tag.FILEMTIMES);
  const rdevs = col(h.numbers(Tag.FILERDEVS), 0, Tag.FILERDEVS);
  const inodes = col(h.numbers(Tag.FILEINODES), 0, Tag.FILEINODES);
  const devices = col(h.numbers(Tag.FILEDEVICES), 0, Tag.FILEDEVICES);
  const caps = col(h.strings(Tag.FILECAPS), '', Tag.FILECAPS);
  return paths.map((path, i) => ({
    path, mode: modes[i], size: sizes[i], digest: digests[i], linkto: links[i], user: users[i], group: groups[i],
    flags: flags[i], mtime: mtimes[i], rdev: rdevs[i], inode: inodes[i], device: devices[i], ...(caps[i] ? { caps: caps[i] } : {}),
  }));
}

/**
 * rpm's legacyRetrofit for headers without an immutable region (rpm v3 packages):
 * binary packages get a `name = [E:]V-R` provide appended, and provides without versions
 * get empty ones. rpm 4.18 appends it even when an identical provide exists (checked on
 * the corpus's hello-1.0-1.x86_64.rpm-v3), so we do too: we answer as rpm answers.
 */
function retrofitProvides(h: RpmHeader, raw: RawDeps, self: { name: string; evr: string }): RawDeps {
  const EQUAL = 0x08;
  const filled = h.has(Tag.PROVIDEVERSION) ? raw : { names: raw.names, senses: raw.names.map(() => 0), versions: raw.names.map(() => '') };
  return { names: [...filled.names, self.name], senses: [...filled.senses, EQUAL], versions: [...filled.versions, self.evr] };
}

/** Reads the package metadata from a main header. `where` names the file in messages. */
export function packageMeta(h: RpmHeader, where: string): PackageMeta {
  const name = h.string(Tag.NAME);
  const version = h.string(Tag.VERSION);
  const release = h.string(Tag.RELEASE);
  if (!name || version === undefined || release === undefined) {
    throw new BazaarError('ERR_RPM_HEADER_CORRUPT', `${where}: header has no name, version or release`);
  }
  const epoch = h.number(Tag.EPOCH) ?? null;
  const buildArch = h.string(Tag.ARCH) ?? 'noarch';
  const isSource = !h.has(Tag.SOURCERPM);
  const arch = isSource ? 'src' : buildArch;
  const deps = Object.fromEntries(DEPENDENCY_KINDS.map((k) => [k, toDeps(rawDeps(h, DEP_TAGS[k], where))])) as Record<DependencyKind, Dependency[]>;
  if (!h.has(Tag.HEADERIMMUTABLE) && !isSource) {
    deps.provides = toDeps(retrofitProvides(h, rawDeps(h, DEP_TAGS.provides, where), { name, evr: formatEvr({ epoch, version, release }) }));
  }
  // Old SUSE packages carry weak dependencies in two tags, split by RPMSENSE_STRONG.
  const oldSuggests = rawDeps(h, [Tag.OLDSUGGESTSNAME, Tag.OLDSUGGESTSFLAGS, Tag.OLDSUGGESTSVERSION], where);
  const oldEnhances = rawDeps(h, [Tag.OLDENHANCESNAME, Tag.OLDENHANCESFLAGS, Tag.OLDENHANCESVERSION], where);
  if (!h.has(Tag.RECOMMENDNAME)) deps.recommends = toDeps(oldSuggests, (s) => (s & SENSE_STRONG) !== 0);
  if (!h.has(Tag.SUGGESTNAME)) deps.suggests = toDeps(oldSuggests, (s) => (s & SENSE_STRONG) === 0);
  if (!h.has(Tag.SUPPLEMENTNAME)) deps.supplements = toDeps(oldEnhances, (s) => (s & SENSE_STRONG) !== 0);
  if (!h.has(Tag.ENHANCENAME)) deps.enhances = toDeps(oldEnhances, (s) => (s & SENSE_STRONG) === 0);
  const algoNumber = h.number(Tag.FILEDIGESTALGO) ?? 1;
  const fileDigestAlgo = DIGEST_ALGOS[algoNumber];
  if (!fileDigestAlgo) throw new BazaarError('ERR_RPM_UNSUPPORTED', `${where}: file digest algorithm ${algoNumber} is not supported`);
  const meta: PackageMeta = {
    name, epoch, version, release, arch, buildArch, nevra: formatNevra({ name, epoch, version, release, arch }), isSource,
    buildtime: h.number(Tag.BUILDTIME) ?? 0,
    buildhost: h.string(Tag.BUILDHOST) ?? '',
    sourcerpm: h.string(Tag.SOURCERPM) ?? null,
    summary: h.string(Tag.SUMMARY) ?? '',
    description: h.string(Tag.DESCRIPTION) ?? '',
    license: h.string(Tag.LICENSE) ?? '',
    group: h.string(Tag.GROUP) ?? '',
    url: h.string(Tag.URL) ?? '',
    vendor: h.string(Tag.VENDOR) ?? '',
    packager: h.string(Tag.PACKAGER) ?? '',
    os: h.string(Tag.OS) ?? '',
    size: h.number(Tag.LONGSIZE) ?? h.number(Tag.SIZE) ?? 0,
    disttag: h.string(Tag.DISTTAG) ?? null,
    payloadFormat: h.string(Tag.PAYLOADFORMAT) ?? 'cpio',
    payloadCompressor: h.string(Tag.PAYLOADCOMPRESSOR) ?? 'gzip',
    fileDigestAlgo,
    ...deps,
    files: fileList(h, where),
  };
  return meta;
}
