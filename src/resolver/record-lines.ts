/**
 * Package records as JSON lines: how an on-demand mirror keeps the resolver's view of the
 * upstream packages it has not fetched (docs/mirrors.md#on-demand), read back by
 * catalog-source.ts. One line per package:
 *
 *   ["name",epoch,"version","release","arch",[provides],[requires],[conflicts],[obsoletes],["/file",...]]
 *
 * each dependency [name, flags, evr] or [name, flags, evr, 1] for a pre-requirement.
 */
import { BazaarError } from '../errors.js';
import type { Dependency, DependencyFlags } from '../rpm/index.js';
import type { PackageRecord } from './source.js';

type DepRow = [string, DependencyFlags, string] | [string, DependencyFlags, string, 1];

const depRow = (d: Dependency): DepRow => (d.pre ? [d.name, d.flags, d.evr, 1] : [d.name, d.flags, d.evr]);
const depOf = (row: DepRow): Dependency => (row[3] === 1 ? { name: row[0], flags: row[1], evr: row[2], pre: true } : { name: row[0], flags: row[1], evr: row[2] });

/** A record's ten fields as one row (a line's JSON; record-entries.ts adds the build's three). */
export function recordRow(r: PackageRecord): unknown[] {
  return [r.name, r.epoch, r.version, r.release, r.arch, r.provides.map(depRow), r.requires.map(depRow), r.conflicts.map(depRow), r.obsoletes.map(depRow), r.files];
}

export function encodeRecordLines(records: readonly PackageRecord[]): Buffer {
  return Buffer.from(records.map((r) => `${JSON.stringify(recordRow(r))}\n`).join(''));
}

const isDeps = (v: unknown): v is DepRow[] => Array.isArray(v) && v.every((d) => Array.isArray(d) && typeof d[0] === 'string' && typeof d[1] === 'string' && typeof d[2] === 'string');

/** The records of `encodeRecordLines`; ERR_STORE_OBJECT_CORRUPT (naming `id`) for anything else. */
export function decodeRecordLines(bytes: Buffer, id: string): PackageRecord[] {
  const bad = (): BazaarError => new BazaarError('ERR_STORE_OBJECT_CORRUPT', `object ${id} is not a list of package records`, { data: { id } });
  const out: PackageRecord[] = [];
  for (const line of bytes.toString('utf8').split('\n')) {
    if (!line) continue;
    let row: unknown;
    try { row = JSON.parse(line); } catch { throw bad(); }
    const rec = Array.isArray(row) && row.length === 10 ? recordOfRow(row) : null;
    if (rec === null) throw bad();
    out.push(rec);
  }
  return out;
}

/** The record of a row's first ten fields (recordRow's), or null when they are not one. */
export function recordOfRow(row: readonly unknown[]): PackageRecord | null {
  const [name, epoch, version, release, arch, provides, requires, conflicts, obsoletes, files] = row;
  if (typeof name !== 'string' || typeof epoch !== 'number' || typeof version !== 'string' || typeof release !== 'string' || typeof arch !== 'string'
    || !isDeps(provides) || !isDeps(requires) || !isDeps(conflicts) || !isDeps(obsoletes) || !Array.isArray(files) || !files.every((f) => typeof f === 'string')) return null;
  return { name, epoch, version, release, arch, provides: provides.map(depOf), requires: requires.map(depOf), conflicts: conflicts.map(depOf), obsoletes: obsoletes.map(depOf), files: files as string[] };
}
