/**
 * rpm's header tag extensions (lib/tagexts.c): tags computed from others when a query
 * asks for them. Each returns what rpm's function puts in its rpmtd, or undefined where
 * rpm's returns "not found". SUMMARY, DESCRIPTION and GROUP are extensions in rpm only
 * to consult message catalogs (%_i18ndomains), which stock rpm leaves empty, so they
 * are read as stored.
 */
import { TagType } from '../rpm/index.js';
import { depSet, depText, senseText } from './dep-set.js';
import { fileInfo } from './file-info.js';
import type { PackageHeader } from './package-header.js';
import type { TagData } from './tag-data.js';
import { numberData, scalarString, stringData } from './tag-data.js';
import { isInstalledState, Sense, SENSE_MASK, T } from './tag-numbers.js';
import { NevraPart, nevraString } from './nevra-strings.js';

type Extension = (h: PackageHeader) => TagData | undefined;

/** rpm's fnTag: dirname + basename per file, optionally only installed ones (FILESTATES). */
function fileNames(h: PackageHeader, base: number, dirs: number, index: number, withState: boolean): TagData | undefined {
  const bn = h.raw(base);
  if (bn?.kind !== 'string') return undefined;
  const dn = h.raw(dirs);
  const dx = h.raw(index);
  const bnames = bn.values;
  const dnames = dn?.kind === 'string' ? dn.values : [];
  const dindex = dx?.kind === 'number' ? dx.values.map(Number) : [];
  if (dindex.length !== bnames.length || dnames.length < 1 || dnames.length > bnames.length) return undefined;
  let states: number[] | null = null;
  if (withState) {
    const st = h.raw(T.FILESTATES);
    if (st?.kind !== 'number' || st.values.length !== bnames.length) return undefined;
    states = st.values.map((v) => (Number(v) > 127 ? Number(v) - 256 : Number(v)));
  }
  const out: string[] = [];
  for (let i = 0; i < bnames.length; i++) {
    if (states && !isInstalledState(states[i])) continue;
    if (dindex[i] >= dnames.length) return undefined;
    out.push(dnames[dindex[i]] + bnames[i]);
  }
  return stringData(out);
}

/** rpm's depnevrsTag. */
function depNevrs(nameTag: number): Extension {
  return (h) => {
    const ds = depSet(h, nameTag);
    if (!ds) return undefined;
    return stringData(ds.names.map((_, i) => depText(ds, i)));
  };
}

/** rpm's depnevrsTagFiltered over the old SUSE weak tags, split by RPMSENSE_STRONG. */
function weakNevrs(newTag: number, oldTag: number, strong: boolean): Extension {
  const plain = depNevrs(newTag);
  return (h) => {
    const direct = plain(h);
    if (direct) return direct;
    const ds = depSet(h, oldTag);
    if (!ds) return undefined;
    const out: string[] = [];
    ds.names.forEach((_, i) => {
      const f = ds.flags ? ds.flags[i] : 0;
      if (((f & Sense.STRONG) !== 0) === strong) out.push(depText(ds, i));
    });
    return out.length ? stringData(out) : undefined;
  };
}

/** rpm's get64: the 64-bit tag, or the 32-bit one widened. */
function long(newTag: number, oldTag: number): Extension {
  return (h) => {
    if (h.has(newTag)) return h.raw(newTag);
    const old = h.raw(oldTag);
    if (old?.kind !== 'number' || old.type !== TagType.INT32) return undefined;
    return { kind: 'number', type: TagType.INT64, values: old.values };
  };
}

const TRIGGER_TAGS = {
  normal: [T.TRIGGERNAME, T.TRIGGERINDEX, T.TRIGGERFLAGS, T.TRIGGERVERSION, T.TRIGGERSCRIPTS],
  file: [T.FILETRIGGERNAME, T.FILETRIGGERINDEX, T.FILETRIGGERFLAGS, T.FILETRIGGERVERSION, T.FILETRIGGERSCRIPTS],
  trans: [T.TRANSFILETRIGGERNAME, T.TRANSFILETRIGGERINDEX, T.TRANSFILETRIGGERFLAGS, T.TRANSFILETRIGGERVERSION, T.TRANSFILETRIGGERSCRIPTS],
} as const;

/** rpm's triggercondsTagFor: per trigger script, its conditions joined with ", ". */
function triggerConds(kind: keyof typeof TRIGGER_TAGS): Extension {
  const [nameTag, indexTag, flagsTag, versionTag, scriptsTag] = TRIGGER_TAGS[kind];
  return (h) => {
    const names = h.raw(nameTag);
    if (names?.kind !== 'string') return undefined;
    const index = h.numbers(indexTag);
    const flags = h.numbers(flagsTag);
    const versions = h.strings(versionTag);
    const scripts = h.strings(scriptsTag).length;
    const out: string[] = [];
    for (let i = 0; i < scripts; i++) {
      const items: string[] = [];
      names.values.forEach((name, j) => {
        if (index[j] !== i) return;
        const f = flags[j] ?? 0;
        items.push(f & SENSE_MASK ? `${name} ${senseText(f)} ${versions[j] ?? ''}` : name);
      });
      out.push(items.join(', '));
    }
    return stringData(out);
  };
}

/** rpm's trigger type words, from the first condition's flags. */
export function triggerTypeWord(flags: number): string {
  if (flags & Sense.TRIGGERPREIN) return 'prein';
  if (flags & Sense.TRIGGERIN) return 'in';
  if (flags & Sense.TRIGGERUN) return 'un';
  if (flags & Sense.TRIGGERPOSTUN) return 'postun';
  return '';
}

/** rpm's triggertypeTagFor. */
function triggerType(kind: keyof typeof TRIGGER_TAGS): Extension {
  const [, indexTag, flagsTag, , scriptsTag] = TRIGGER_TAGS[kind];
  return (h) => {
    if (!h.has(indexTag)) return undefined;
    const index = h.numbers(indexTag);
    const flags = h.numbers(flagsTag);
    const scripts = h.strings(scriptsTag).length;
    const out: string[] = [];
    for (let i = 0; i < scripts; i++) {
      const j = index.findIndex((x, k) => x === i && k < flags.length);
      out.push(j < 0 ? '' : triggerTypeWord(flags[j]));
    }
    return stringData(out);
  };
}

/** rpm's makeFClass: the class from the dictionary, or one made up for special files. */
function fileClass(h: PackageHeader): TagData | undefined {
  const fi = fileInfo(h, 'all');
  if (!fi || fi.count === 0) return undefined;
  const out: string[] = [];
  for (let i = 0; i < fi.count; i++) {
    const cx = fi.classes ? fi.classes[i] : -1;
    const hc = cx >= 0 && cx < fi.classDict.length ? fi.classDict[cx] : '';
    if (hc) { out.push(hc); continue; }
    const mode = (fi.modes ? fi.modes[i] : 0) & 0o170000;
    out.push(mode === 0o060000 ? 'block special' : mode === 0o020000 ? 'character special' : mode === 0o040000 ? 'directory'
      : mode === 0o010000 ? 'fifo (named pipe)' : mode === 0o140000 ? 'socket'
        : mode === 0o120000 ? `symbolic link to \`${fi.links ? fi.links[i] : '(null)'}'` : '');
  }
  return stringData(out);
}

/** rpm's filedepTag: per file, its provides or requires from the dependency dictionary. */
function fileDeps(nameTag: number, kind: string): Extension {
  return (h) => {
    const fi = fileInfo(h, 'all');
    if (!fi || fi.count === 0) return undefined;
    const ds = depSet(h, nameTag);
    const dict = h.numbers(T.DEPENDSDICT);
    const fx = h.numbers(T.FILEDEPENDSX);
    const fn = h.numbers(T.FILEDEPENDSN);
    const out: string[] = [];
    for (let i = 0; i < fi.count; i++) {
      const deps: string[] = [];
      const start = fx[i];
      const n = fn[i] ?? 0;
      if (start !== undefined && start >= 0 && start + n <= dict.length) {
        for (let k = 0; k < n; k++) {
          const dix = dict[start + k];
          if (String.fromCharCode((dix >>> 24) & 0xff) !== kind) continue;
          // rpm positions the set on dix-1 and then steps it once (rpmdsSetIx + rpmdsNext): entry dix.
          const at = dix & 0xffffff;
          if (ds && at >= 0 && at < ds.names.length) deps.push(depText(ds, at));
        }
      }
      out.push(deps.join(' '));
    }
    return stringData(out);
  };
}

const NEVRA_ALL = NevraPart.NAME | NevraPart.EPOCH | NevraPart.VERSION | NevraPart.RELEASE | NevraPart.ARCH;

const EXTENSIONS = new Map<number, Extension>([
  [T.FILECLASS, fileClass],
  [T.FILENAMES, (h) => fileNames(h, T.BASENAMES, T.DIRNAMES, T.DIRINDEXES, false)],
  [T.ORIGFILENAMES, (h) => fileNames(h, T.ORIGBASENAMES, T.ORIGDIRNAMES, T.ORIGDIRINDEXES, false)],
  [T.INSTFILENAMES, (h) => fileNames(h, T.BASENAMES, T.DIRNAMES, T.DIRINDEXES, true)],
  [T.FILEPROVIDE, fileDeps(T.PROVIDENAME, 'P')],
  [T.FILEREQUIRE, fileDeps(T.REQUIRENAME, 'R')],
  [T.TRIGGERCONDS, triggerConds('normal')],
  [T.FILETRIGGERCONDS, triggerConds('file')],
  [T.TRANSFILETRIGGERCONDS, triggerConds('trans')],
  [T.TRIGGERTYPE, triggerType('normal')],
  [T.FILETRIGGERTYPE, triggerType('file')],
  [T.TRANSFILETRIGGERTYPE, triggerType('trans')],
  [T.LONGFILESIZES, long(T.LONGFILESIZES, T.FILESIZES)],
  [T.LONGARCHIVESIZE, long(T.LONGARCHIVESIZE, T.ARCHIVESIZE)],
  [T.LONGSIZE, long(T.LONGSIZE, T.SIZE)],
  [T.LONGSIGSIZE, long(T.LONGSIGSIZE, T.SIGSIZE)],
  [T.DBINSTANCE, (h) => numberData([h.instance])],
  [T.EVR, (h) => scalarString(nevraString(h, NevraPart.EPOCH | NevraPart.VERSION | NevraPart.RELEASE))],
  [T.NVR, (h) => scalarString(nevraString(h, NevraPart.NAME | NevraPart.VERSION | NevraPart.RELEASE))],
  [T.NEVR, (h) => scalarString(nevraString(h, NEVRA_ALL & ~NevraPart.ARCH))],
  [T.NVRA, (h) => scalarString(nevraString(h, NEVRA_ALL & ~NevraPart.EPOCH))],
  [T.NEVRA, (h) => scalarString(nevraString(h, NEVRA_ALL))],
  [T.ARCHSUFFIX, (h) => {
    const arch = h.isSource() ? (h.has(T.NOSOURCE) || h.has(T.NOPATCH) ? 'nosrc' : 'src') : h.string(T.ARCH);
    return scalarString(arch === undefined ? '' : `.${arch}`);
  }],
  [T.HEADERCOLOR, (h) => numberData([h.numbers(T.FILECOLORS).reduce((a, c) => a | c, 0) & 0x0f])],
  [T.VERBOSE, (h) => (h.context.verbose ? numberData([1]) : undefined)],
  [T.EPOCHNUM, (h) => h.raw(T.EPOCH) ?? numberData([0])],
  [T.REQUIRENEVRS, depNevrs(T.REQUIRENAME)],
  [T.PROVIDENEVRS, depNevrs(T.PROVIDENAME)],
  [T.OBSOLETENEVRS, depNevrs(T.OBSOLETENAME)],
  [T.CONFLICTNEVRS, depNevrs(T.CONFLICTNAME)],
  [T.RECOMMENDNEVRS, weakNevrs(T.RECOMMENDNAME, T.OLDSUGGESTSNAME, true)],
  [T.SUGGESTNEVRS, weakNevrs(T.SUGGESTNAME, T.OLDSUGGESTSNAME, false)],
  [T.SUPPLEMENTNEVRS, weakNevrs(T.SUPPLEMENTNAME, T.OLDENHANCESNAME, true)],
  [T.ENHANCENEVRS, weakNevrs(T.ENHANCENAME, T.OLDENHANCESNAME, false)],
  [T.FILENLINKS, (h) => {
    const fi = fileInfo(h, 'all');
    return fi && fi.count > 0 ? numberData(fi.nlinks) : undefined;
  }],
]);

/** The extension computing `tag`, if rpm has one. */
export function tagExtension(tag: number): Extension | undefined {
  return EXTENSIONS.get(tag);
}
