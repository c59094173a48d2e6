/**
 * Which packages one query argument names, by rpm's query sources (lib/query.c
 * initQueryIterator, rpmcliArgIter): a label, `-a [PATTERN...]`, `-f PATH`, `--whatprovides`
 * and the other index lookups. Each returns the matches in rpm's order, or null after
 * logging rpm's message for "nothing found" (which costs the exit code one).
 */
import { resolve } from 'node:path';
import { cleanPath } from './clean-path.js';
import { stringValue } from './format-values.js';
import { matchLabel } from './label-match.js';
import type { DbEntry, IndexHit, QueryDb } from './query-db.js';
import type { RpmLog } from './query-output.js';
import type { InstallTree } from './install-tree.js';
import { patternMatcher } from './rpm-pattern.js';
import type { Matcher } from './rpm-pattern.js';
import { byteString, fromBytes } from './tag-data.js';
import { T } from './tag-numbers.js';
import { tagByName } from './tag-table.js';

export type QuerySource =
  | 'package' | 'path' | 'path-all' | 'group' | 'triggeredby' | 'pkgid' | 'hdrid' | 'tid' | 'dbnumber'
  | 'whatprovides' | 'whatrequires' | 'whatconflicts' | 'whatobsoletes'
  | 'whatrecommends' | 'whatsuggests' | 'whatsupplements' | 'whatenhances';

/** The index and the "nothing" message of the --what* sources. */
const WHAT: Record<string, [number, string]> = {
  whatrequires: [T.REQUIRENAME, 'no package requires'],
  whatconflicts: [T.CONFLICTNAME, 'no package conflicts'],
  whatobsoletes: [T.OBSOLETENAME, 'no package obsoletes'],
  whatrecommends: [T.RECOMMENDNAME, 'no package recommends'],
  whatsuggests: [T.SUGGESTNAME, 'no package suggests'],
  whatsupplements: [T.SUPPLEMENTNAME, 'no package supplements'],
  whatenhances: [T.ENHANCENAME, 'no package enhances'],
};

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory', ENOTDIR: 'Not a directory', EACCES: 'Permission denied',
  ELOOP: 'Too many levels of symbolic links', ENAMETOOLONG: 'File name too long',
};

export interface SelectContext {
  db: QueryDb;
  log: RpmLog;
  /** The working directory relative `-f` arguments are taken from (a host path). */
  cwd: string;
  /**
   * Where queries ask whether a path exists and resolve `.`-only arguments: the host's
   * `/` even under --root (rpm does not chroot to query), an image's tree for an image.
   * null when the command names no files (then nothing here reads any).
   */
  files: InstallTree | null;
}

const hits = (list: IndexHit[]): DbEntry[] | null => (list.length ? list.map((h) => h.entry) : null);

/** `-f` / `--path` / `--whatprovides PATH`: the packages owning a file. */
function byPath(ctx: SelectContext, arg: string, installedOnly: boolean): DbEntry[] | null {
  const files = ctx.files;
  if (!files) throw new Error('a file lookup without the files opened');
  let fn: string;
  if (/^[./]*$/.test(arg)) {
    // rpm resolves an argument of only dots and slashes with realpath(3), on the host
    // even under --root (it does not chroot to query); so do we.
    fn = arg;
    // realpath("") fails (ENOENT), and rpm then keeps the empty argument.
    if (arg !== '') try { fn = files.realpath(byteString(resolve(ctx.cwd, arg))); } catch { /* rpm keeps the argument when realpath fails */ }
  } else if (!arg.startsWith('/')) {
    fn = `${byteString(ctx.cwd)}/${arg}`;
  } else {
    fn = arg;
  }
  fn = cleanPath(fn);
  const found = hits(ctx.db.findFile(fn, installedOnly)) ?? hits(ctx.db.lookup(T.PROVIDENAME, fn));
  if (found) return found;
  try {
    // rpm does not chroot to query: whether the path exists is asked of the host, as here.
    files.lstat(fn);
    ctx.log.notice(`file ${fn} is not owned by any package\n`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    ctx.log.error(`file ${fn}: ${STRERROR[code] ?? code}\n`);
  }
  return null;
}

/** Leading hex digits of `arg` (rpm's isxdigit loop). */
function leadingHex(arg: string): number {
  const m = /^[0-9a-fA-F]*/.exec(arg);
  return m ? m[0].length : 0;
}

/** C strtoul(arg, &end, 0) as rpm checks it: a full parse into 32 bits, UINT_MAX refused. */
function strtoul(arg: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(arg);
  if (!m) return null;
  const text = m[2];
  let v = text.startsWith('0x') || text.startsWith('0X') ? BigInt(text) : text.startsWith('0') && text.length > 1 ? BigInt(`0o${text.slice(1)}`) : BigInt(text);
  if (m[1] === '-') v = (1n << 64n) - v;
  const u32 = Number(v & 0xffffffffn);
  return u32 === 0xffffffff ? null : u32;
}

/**
 * The packages one argument of a query source names (rpm's initQueryIterator), or null
 * after logging why not.
 */
export function selectPackages(ctx: SelectContext, source: QuerySource, arg: string): DbEntry[] | null {
  const { db, log } = ctx;
  switch (source) {
    case 'package': {
      const r = matchLabel(db, arg);
      if ('error' in r) log.error(`${r.error}\n`);
      if ('entries' in r && r.entries.length) return r.entries;
      if (!arg.endsWith('.rpm')) log.notice(`package ${arg} is not installed\n`);
      return null;
    }
    case 'group': {
      const r = hits(db.lookup(T.GROUP, arg));
      if (!r) log.notice(`group ${arg} does not contain any packages\n`);
      return r;
    }
    case 'triggeredby': {
      const r = hits(db.lookup(T.TRIGGERNAME, arg));
      if (!r) log.notice(`no package triggers ${arg}\n`);
      return r;
    }
    case 'pkgid': {
      if (leadingHex(arg) !== 32) { log.error(`malformed pkgid: ${arg}\n`); return null; }
      const key = fromBytes(Buffer.from(arg.slice(0, 32), 'hex'));
      const r = hits(db.lookup(T.SIGMD5, key));
      if (!r) log.notice(`no package matches pkgid: ${arg}\n`);
      return r;
    }
    case 'hdrid': {
      if (leadingHex(arg) !== 40) { log.error(`malformed hdrid: ${arg}\n`); return null; }
      const r = hits(db.lookup(T.SHA1HEADER, arg));
      if (!r) log.notice(`no package matches hdrid: ${arg}\n`);
      return r;
    }
    case 'tid': {
      const tid = strtoul(arg);
      if (tid === null) { log.error(`malformed tid: ${arg}\n`); return null; }
      const r = hits(db.lookup(T.INSTALLTID, String(tid)));
      if (!r) log.notice(`no package matches tid: ${arg}\n`);
      return r;
    }
    case 'dbnumber': {
      const n = strtoul(arg);
      if (n === null) { log.error(`invalid package number: ${arg}\n`); return null; }
      const r = db.entries.filter((e) => e.instance === n);
      if (!r.length) { log.error(`record ${n} could not be read\n`); return null; }
      return r;
    }
    case 'whatprovides':
      if (!arg.startsWith('/') && !arg.startsWith('.')) {
        const r = hits(db.lookup(T.PROVIDENAME, arg));
        if (!r) log.notice(`no package provides ${arg}\n`);
        return r;
      }
      return byPath(ctx, arg, true);
    case 'path': return byPath(ctx, arg, true);
    case 'path-all': return byPath(ctx, arg, false);
    default: {
      const [tag, message] = WHAT[source];
      const r = hits(db.lookup(tag, arg));
      if (!r) log.notice(`${message} ${arg}\n`);
      return r;
    }
  }
}

/**
 * `-a [PATTERN...]` (rpm's initFilterIterator): every package, filtered by patterns on
 * NAME or `TAG=PATTERN`; patterns on one tag are alternatives, different tags must all
 * match. null (after logging) for an unknown tag.
 */
export function selectAll(ctx: SelectContext, patterns: string[]): DbEntry[] | null {
  const byTag = new Map<number, Matcher[]>();
  for (const arg of patterns) {
    let tag: number = T.NAME;
    let pat = arg;
    const eq = arg.indexOf('=');
    if (eq >= 0) {
      const name = arg.slice(0, eq);
      const info = tagByName(name);
      if (!info) { ctx.log.error(`unknown tag: "${name}"\n`); return null; }
      tag = info.value;
      pat = arg.slice(eq + 1);
    }
    const m = patternMatcher(tag, pat);
    if (typeof m !== 'function') { ctx.log.error(`${m.error}\n`); continue; }
    const list = byTag.get(tag);
    if (list) list.push(m); else byTag.set(tag, [m]);
  }
  return ctx.db.entries.filter((e) => {
    for (const [tag, matchers] of byTag) {
      let td = e.h.raw(tag);
      if (!td && tag === T.EPOCH) td = { kind: 'number', type: 4, values: [0n] };
      if (!td) return false;
      const n = td.kind === 'binary' ? 1 : td.values.length;
      let any = false;
      for (let i = 0; i < n && !any; i++) {
        const v = stringValue(td, i);
        any = matchers.some((m) => m(v));
      }
      if (!any) return false;
    }
    return true;
  });
}
