/**
 * Just enough of rpm's macro files to learn where an installed system keeps its database:
 * `%_dbpath` and `%_db_backend` as the system's own rpm would see them. The files are
 * read from inside ROOT in rpm's load order (rpmrc.c's macrofiles, later ones winning);
 * only plain `%name body` definitions are taken, and only `%{name}`, `%name`, `%{?name}`
 * and `%%` are expanded. A value needing anything more (`%(shell)`, Lua, conditionals
 * with a body) is not guessed at: the caller falls back to rpm's default locations.
 */
import { readFile, readdir } from 'node:fs/promises';
import { isErrno } from '../../errors.js';
import { resolveInRoot } from './root-path.js';

/** Larger macro files are not rpm configuration; they are skipped. */
const MACRO_FILE_MAX = 1024 * 1024;
/** Files read from one macros.d directory. */
const MACRO_DIR_FILES_MAX = 512;
/** Nesting of macro expansion (rpm's own max_macro_depth is 64; paths need a few). */
const EXPANSION_DEPTH_MAX = 16;

/** Values rpm's stock macros give the names a %_dbpath refers to. */
const DEFAULTS: Record<string, string> = {
  _prefix: '/usr', _usr: '/usr', _var: '/var', _localstatedir: '/var', _sharedstatedir: '/var/lib', _sysconfdir: '/etc',
};

/** rpm's macro files, in load order, as globs relative to ROOT. */
const MACRO_FILES: Array<{ dir: string; prefix: string } | string> = [
  '/usr/lib/rpm/macros',
  { dir: '/usr/lib/rpm/macros.d', prefix: 'macros.' },
  '/usr/lib/rpm/redhat/macros',
  '/usr/lib/rpm/suse/macros',
  { dir: '/etc/rpm', prefix: 'macros.' },
  '/etc/rpm/macros',
];

async function readSmall(root: string, path: string): Promise<string | null> {
  const host = await resolveInRoot(root, path);
  if (host === null) return null;
  try {
    const buf = await readFile(host);
    return buf.length > MACRO_FILE_MAX ? null : buf.toString('utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'EISDIR') || isErrno(err, 'EACCES')) return null;
    throw err;
  }
}

async function listDir(root: string, dir: string, prefix: string): Promise<string[]> {
  const host = await resolveInRoot(root, dir);
  if (host === null) return [];
  try {
    return (await readdir(host)).filter((n) => n.startsWith(prefix)).sort().slice(0, MACRO_DIR_FILES_MAX).map((n) => `${dir}/${n}`);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'EACCES')) return [];
    throw err;
  }
}

/** `%name body` definitions of one file (continuation lines joined). */
export function parseMacroDefinitions(text: string, into: Map<string, string>): void {
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines) {
    const m = /^%([A-Za-z_][A-Za-z0-9_]*)(?:\([^)]*\))?[ \t]+(.*?)\s*$/.exec(line);
    if (m && !['define', 'global', 'undefine', 'if', 'else', 'endif', 'include'].includes(m[1])) into.set(m[1], m[2]);
  }
}

/** Expands the simple macro forms; null when anything else appears. */
export function expandMacros(value: string, defs: Map<string, string>, depth = 0): string | null {
  if (depth > EXPANSION_DEPTH_MAX) return null;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '%') { out += value[i]; continue; }
    const rest = value.slice(i + 1);
    if (rest.startsWith('%')) { out += '%'; i++; continue; }
    const m = /^\{(\??)([A-Za-z_][A-Za-z0-9_]*)\}/.exec(rest) ?? /^()([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (!m) return null;
    const body = defs.get(m[2]) ?? DEFAULTS[m[2]];
    if (body === undefined && m[1] !== '?') return null;
    const expanded = body === undefined ? '' : expandMacros(body, defs, depth + 1);
    if (expanded === null) return null;
    out += expanded;
    i += m[0].length;
  }
  return out;
}

export interface DbMacros {
  /** %_dbpath expanded, when it is an absolute path. */
  dbpath?: string;
  /** %_db_backend expanded (sqlite, bdb, bdb_ro, ndb ...). */
  backend?: string;
}

/** What ROOT's own macro files say about its rpm database. */
export async function readDbMacros(root: string): Promise<DbMacros> {
  const defs = new Map<string, string>();
  for (const entry of MACRO_FILES) {
    const files = typeof entry === 'string' ? [entry] : await listDir(root, entry.dir, entry.prefix);
    for (const f of files) {
      const text = await readSmall(root, f);
      if (text !== null) parseMacroDefinitions(text, defs);
    }
  }
  const out: DbMacros = {};
  const dbpath = defs.has('_dbpath') ? expandMacros(defs.get('_dbpath')!, defs) : null;
  if (dbpath && dbpath.startsWith('/')) out.dbpath = dbpath;
  const backend = defs.has('_db_backend') ? expandMacros(defs.get('_db_backend')!, defs) : null;
  if (backend) out.backend = backend.trim();
  return out;
}
