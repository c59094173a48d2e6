/**
 * `rpm -q LABEL`: which installed packages a label names (lib/rpmdb.c dbiFindByLabel,
 * lib/rpmts.c rpmtsInitIterator). The label is tried as NAME, then NAME-[E:]VERSION,
 * then NAME-[E:]VERSION-RELEASE, splitting at the last dashes; when nothing matches and
 * it contains a dot, all of that again with the part after the last dot as ARCH. The name
 * must match exactly; version, release and arch are rpm's match patterns (so `bash-5*`
 * works), and an epoch given must equal the package's (absent counts as 0). `N(EVR)`
 * labels are rewritten to `N-EVR` first, their epoch dropped, as rpm does.
 */
import type { DbEntry, QueryDb } from './query-db.js';
import { patternMatcher } from './rpm-pattern.js';
import { stringValue } from './format-values.js';
import { T } from './tag-numbers.js';

export type LabelResult = { entries: DbEntry[] } | { error: string };

/** rpm's splitEpoch: strtol + ':', epoch -1 when there is none. */
function splitEpoch(s: string): { epoch: number; version: string } {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(s)!;
  const digits = m[2];
  const end = digits === '' ? 0 : m[0].length;
  const e = digits === '' ? 0 : Number(`${m[1]}${digits}`);
  if (s[end] === ':' && e >= 0 && e <= 0xffffffff) return { epoch: e, version: s.slice(end + 1) };
  return { epoch: -1, version: s };
}

/** rpm's mireSkip for one tag: does any value of the header's tag match the pattern? */
function tagMatches(entry: DbEntry, tag: number, pattern: string): boolean | { error: string } {
  const m = patternMatcher(tag, pattern);
  if (typeof m !== 'function') return m;
  const td = entry.h.raw(tag);
  if (!td) return false;
  const n = td.kind === 'binary' ? 1 : td.values.length;
  for (let i = 0; i < n; i++) if (m(stringValue(td, i))) return true;
  return false;
}

function findMatches(db: QueryDb, name: string, epoch: number, version: string | null, release: string | null, arch: string | null): DbEntry[] | { error: string } {
  const byName = db.lookup(T.NAME, name).map((h) => h.entry);
  const out: DbEntry[] = [];
  for (const entry of byName) {
    let ok = true;
    for (const [tag, pattern] of [[T.VERSION, version], [T.RELEASE, release], [T.ARCH, arch]] as const) {
      if (pattern === null || !ok) continue;
      const r = tagMatches(entry, tag, pattern);
      if (typeof r === 'object') return r;
      ok = r;
    }
    if (ok && epoch >= 0) {
      const e = entry.h.raw(T.EPOCH);
      ok = (e?.kind === 'number' && e.values.length ? Number(e.values[0]) : 0) === epoch;
    }
    if (ok) out.push(entry);
  }
  return out;
}

/** The backwards scan for a separating `-` (with rpm's odd bracket tracking); -1 when none. */
function dashBefore(s: string, from: number): number {
  let c = '';
  let brackets = false;
  let i = from;
  for (; i > 0; i--) {
    const ch = s[i] ?? '';
    if (ch === '[') brackets = true;
    else if (ch === ']' && c !== '[') brackets = false;
    if (!brackets && c !== '' && c !== '\0' && ch === '-') break;
    c = ch;
  }
  return i === 0 ? -1 : i;
}

function byLabelArch(db: QueryDb, label: string, arch: string | null): DbEntry[] | { error: string } {
  if (label === '') return [];
  let r = findMatches(db, label, -1, null, null, arch);
  if (!Array.isArray(r) || r.length) return r;
  const d1 = dashBefore(label, label.length - 1);
  if (d1 < 0) return [];
  const name1 = label.slice(0, d1);
  const rest1 = label.slice(d1 + 1);
  const ev1 = splitEpoch(rest1);
  r = findMatches(db, name1, ev1.epoch, ev1.version, null, arch);
  if (!Array.isArray(r) || r.length) return r;
  // rpm rescans from the first dash, which it has overwritten with a NUL.
  const d2 = dashBefore(`${name1}\0`, d1);
  if (d2 < 0) return [];
  const ev2 = splitEpoch(label.slice(d2 + 1, d1));
  return findMatches(db, label.slice(0, d2), ev2.epoch, ev2.version, rest1, arch);
}

/**
 * rpmtsInitIterator's `N(EVR)` rewriting; an error text for unbalanced parentheses. rpm
 * prints the half-rewritten label from an unterminated buffer there (memory garbage
 * after it); we print the half-rewritten label alone.
 */
function rewriteParens(label: string): string | { error: string } {
  if (!label.includes('(')) return label;
  let out = '';
  let level = 0;
  for (let i = 0; i < label.length; i++) {
    const c = label[i];
    if (c === '(') {
      if (level++ !== 0) return { error: `extra '(' in package label: ${out}` };
      let j = i + 1;
      while (j < label.length && /[0-9]/.test(label[j])) j++;
      out += '-';
      if (label[j] === ':') i = j;
    } else if (c === ')') {
      if (--level !== 0) return { error: `missing '(' in package label: ${out}` };
    } else {
      out += c;
    }
  }
  if (level) return { error: `missing ')' in package label: ${out}` };
  return out;
}

/**
 * The packages a label names, in database order.
 *
 * @example
 * matchLabel(db, 'bash-5.2.26-alt1.x86_64'); // { entries: [<bash>] }
 */
export function matchLabel(db: QueryDb, rawLabel: string): LabelResult {
  const label = rewriteParens(rawLabel);
  if (typeof label !== 'string') return label;
  let r = byLabelArch(db, label, null);
  if (Array.isArray(r) && r.length === 0) {
    const dot = label.lastIndexOf('.');
    if (dot >= 0) r = byLabelArch(db, label.slice(0, dot), label.slice(dot + 1));
  }
  return Array.isArray(r) ? { entries: r } : r;
}
