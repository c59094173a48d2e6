/**
 * Each build's resolver record kept as derived data of its build record, packed (store
 * DerivedPacks, `cache/packs/resolver-records-v<N>/`, bodies as they are): what
 * recordFrom takes of the build record and its manifest — name, EVR, arch, the four
 * dependency lists, file paths, build id, build time, disttag — in one small JSON row.
 *
 * A channel's universe made from nothing (its cache gone: a format upgrade, a deleted
 * cache, a reindex) read every build record and every full manifest (file entries with
 * their object ids), two verified object reads and two JSON parses per build, for a few
 * fields of each. It now reads these rows, one read of each pack checked by its bodies'
 * sum. A build without a row (added since, or its row damaged) is read from its objects
 * as before and its row written back afterwards (best effort), so a store whose derived
 * data is gone still answers, then is fast the next time. A row is believed only after
 * its pack's checksum and its own shape check; anything else is a miss.
 *
 *   [ <record-lines.ts's ten fields>, buildId, buildtime, disttag ]   or   null: a source build
 */
import { DerivedPacks } from '../store/index.js';
import type { BuildRecord, ObjectId, PackageManifest, PackEntry, Store } from '../store/index.js';
import { recordOfRow, recordRow } from './record-lines.js';
import type { PackageRecord } from './source.js';

/** The version changes with the row's form: a bazaar that reads rows differently must not reuse them. */
export const RECORDS_KIND = 'resolver-records-v1';

/** Builds whose records and manifests are read at a time when their rows are missing. */
const RECORDS_BATCH = 512;

/** The packs of resolver rows of `store`. */
function recordPacks(store: Store): DerivedPacks {
  return DerivedPacks.of(store.dir, RECORDS_KIND, { deflate: false });
}

/** A build as the resolver sees it (null for a source package), from its record and manifest. */
export function recordFrom(b: BuildRecord, m: PackageManifest): PackageRecord {
  const rec: PackageRecord = {
    name: m.name, epoch: m.epoch ?? 0, version: m.version, release: m.release, arch: m.arch,
    provides: m.provides, requires: m.requires, conflicts: m.conflicts, obsoletes: m.obsoletes,
    files: m.files.map((f) => f.path), buildId: b.header, buildtime: b.buildtime,
  };
  if (b.disttag) rec.disttag = b.disttag;
  return rec;
}

export function encodeRecordEntry(rec: PackageRecord | null): Buffer {
  if (rec === null) return Buffer.from('null');
  const row = recordRow(rec);
  row.push(rec.buildId ?? null, rec.buildtime ?? null, rec.disttag ?? null);
  return Buffer.from(JSON.stringify(row), 'utf8');
}

/** The record a row holds (null: a source build), or undefined when the body is not a row (a miss). */
export function decodeRecordEntry(body: Buffer): PackageRecord | null | undefined {
  let row: unknown;
  try { row = JSON.parse(body.toString('utf8')); } catch { return undefined; }
  if (row === null) return null;
  if (!Array.isArray(row) || row.length !== 13) return undefined;
  const rec = recordOfRow(row);
  const [buildId, buildtime, disttag] = row.slice(10) as unknown[];
  if (rec === null || typeof buildId !== 'string' || !(buildtime === null || typeof buildtime === 'number') || !(disttag === null || typeof disttag === 'string')) return undefined;
  rec.buildId = buildId;
  // as recordFrom sets them: buildtime always (the record's value), disttag only when set
  rec.buildtime = buildtime as number;
  if (disttag) rec.disttag = disttag;
  return rec;
}

/**
 * The records of many builds (their build records' ids), a batch at a time, in the order
 * of `values` (null for a source package): from their rows where sound, else from their
 * objects. With `writeBack`, the rows that were missing are written as one pack at the
 * end (a whole channel's read: a few builds' read, as after an add, would make a pack
 * each time).
 *
 * A manifest's file entries (an object and an id string each) are garbage while still
 * young: a batch's records are made as soon as it is read, not after every manifest.
 */
export async function* recordBatches(store: Store, values: readonly ObjectId[], writeBack = false): AsyncGenerator<Array<PackageRecord | null>> {
  const packs = writeBack ? recordPacks(store) : null;
  packs?.refresh();
  const bodies = packs ? packs.readMany(values) : [];
  const made: PackEntry[] = [];
  for (let at = 0; at < values.length; at += RECORDS_BATCH) {
    const out = new Array<PackageRecord | null>(Math.min(RECORDS_BATCH, values.length - at));
    const missing: number[] = [];
    for (let i = 0; i < out.length; i++) {
      const body = bodies[at + i];
      const rec = body ? decodeRecordEntry(body) : undefined;
      if (rec === undefined) missing.push(i); else out[i] = rec;
      bodies[at + i] = null; // let each pack's read go once its rows are taken
    }
    if (missing.length) {
      const builds = await store.readKinds(missing.map((i) => values[at + i]), 'build');
      const manifests = await store.readKinds(builds.filter((b) => !b.isSource).map((b) => b.manifest), 'package');
      let next = 0;
      builds.forEach((b, k) => {
        const rec = b.isSource ? null : recordFrom(b, manifests[next++]);
        out[missing[k]] = rec;
        if (packs) made.push({ id: values[at + missing[k]], label: '', body: encodeRecordEntry(rec) });
      });
    }
    yield out;
  }
  if (packs) keepRows(packs, made);
}

/** Rows written as one pack; best effort (derived: a store that cannot take them reads the objects next time too). */
function keepRows(packs: DerivedPacks, rows: PackEntry[]): void {
  if (rows.length) try { packs.write(rows); } catch { /* best effort */ }
}

/**
 * The rows of builds whose records were just read from their objects (`values` and
 * `records` in the same order): a channel commit's universe update, which reads only the
 * builds it adds, writes theirs as one pack, so that a channel kept by adds has a row for
 * every build when its universe is next made from nothing. Rows are not looked up first:
 * a build new to the channel rarely has one, and opening the kind's packs to find out
 * costs more than writing a row again (the newest pack's entry wins, a merge keeps one).
 */
export function keepRecordEntries(store: Store, values: readonly ObjectId[], records: ReadonlyArray<PackageRecord | null>): void {
  keepRows(recordPacks(store), values.map((id, i) => ({ id, label: '', body: encodeRecordEntry(records[i]) })));
}
