/**
 * A compact, versioned on-disk snapshot of a universe for warm starts: parsing XML is
 * the slow part of loading, so the store keeps this next to a channel and loads it
 * instead. Two files in the cache directory:
 *
 * - `universe.v3.strings`: every distinct string (names, EVRs, paths), newline-separated
 *   (rpm-md strings never contain a newline; one that does is refused at save time);
 * - `universe.v3.bin`: little-endian int32s: `magic nStrings nPackages nDeps`, the
 *   table of distinct dependencies as triples `name flags evr` (string indices; flags
 *   code | pre << 3), then per package
 *   `name epoch version release arch location buildId disttag buildtime nProv nReq nCon
 *   nObs nFiles` (buildId, disttag and buildtime as strings, '' when absent) followed by
 *   that many dependency-table indices and file string indices. A dependency shared by
 *   thousands of packages ("libc6 >= 2.34") is one object after loading;
 * - `universe.v3.deps`: the pool's dependency answers for the x86_64 system (see
 *   package-deps.ts encodePackageDeps), so a warm start does no provider search: a
 *   header `magic arch-string-index n`, n offsets, then the data.
 *
 * The version is in the file names, so a format change never misreads an old cache.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dependency, DependencyFlags } from '../rpm/dependency.js';
import { BazaarError, isErrno } from '../errors.js';
import { MemorySource } from './memory-source.js';
import type { PackageRecord, PackageSource } from './source.js';
import { encodePackageDeps } from './package-deps.js';
import { Pool, type IndexedSource } from './provides-index.js';

const MAGIC = 0x425a5533; // "BZU3"
const FLAGS: DependencyFlags[] = ['', '=', '<', '>', '<=', '>=', '<>', '<>='];
const STRINGS = 'universe.v3.strings';
const BIN = 'universe.v3.bin';
const DEPS = 'universe.v3.deps';
const DEPS_MAGIC = 0x425a4431; // "BZD1"
const CACHE_ARCH = 'x86_64';

/** Writes the snapshot of `source` into `dir` (atomically per file). */
export async function saveUniverseCache(dir: string, source: PackageSource): Promise<void> {
  const table = new Map<string, number>();
  const strs: string[] = [];
  const s = (x: string): number => {
    let i = table.get(x);
    if (i === undefined) {
      if (x.includes('\n')) throw new BazaarError('ERR_BAD_INPUT', `cannot cache a string with a newline: ${JSON.stringify(x)}`);
      i = strs.length; strs.push(x); table.set(x, i);
    }
    return i;
  };
  const pkgs = source.packages();
  const depTable: number[] = [];
  const depIndex = new Map<string, number>();
  const ints: number[] = [];
  const deps = (list: Dependency[]): void => {
    for (const d of list) {
      const code = FLAGS.indexOf(d.flags);
      if (code < 0) throw new BazaarError('ERR_BAD_INPUT', `cannot cache the dependency operator ${JSON.stringify(d.flags)} of ${d.name}`);
      const n = s(d.name); const f = code | (d.pre ? 8 : 0); const e = s(d.evr);
      const key = `${n},${f},${e}`;
      let k = depIndex.get(key);
      if (k === undefined) { k = depIndex.size; depIndex.set(key, k); depTable.push(n, f, e); }
      ints.push(k);
    }
  };
  for (const p of pkgs) {
    ints.push(s(p.name), p.epoch, s(p.version), s(p.release), s(p.arch), s(p.location ?? ''),
      s(p.buildId ?? ''), s(p.disttag ?? ''), s(p.buildtime === undefined ? '' : String(p.buildtime)),
      p.provides.length, p.requires.length, p.conflicts.length, p.obsoletes.length, p.files.length);
    deps(p.provides); deps(p.requires); deps(p.conflicts); deps(p.obsoletes);
    for (const f of p.files) ints.push(s(f));
  }
  const pool = new Pool(source, { arch: CACHE_ARCH });
  const depInts: number[] = [DEPS_MAGIC, s(CACHE_ARCH), pkgs.length];
  const offsets: number[] = [];
  const data: number[] = [];
  for (let id = 0; id < pkgs.length; id++) {
    offsets.push(data.length);
    if (pool.packages[id].archScore === 0) { data.push(-1); continue; }
    encodePackageDeps(pool.deps(id), data);
  }
  for (const o of offsets) depInts.push(o);
  const header = [MAGIC, strs.length, pkgs.length, depIndex.size];
  await mkdir(dir, { recursive: true });
  const tmp = `.tmp-${process.pid}`;
  await writeFile(join(dir, STRINGS + tmp), strs.join('\n'));
  const bin = new Int32Array(header.length + depTable.length + ints.length);
  bin.set(header, 0);
  bin.set(depTable, header.length);
  bin.set(ints, header.length + depTable.length);
  await writeFile(join(dir, BIN + tmp), new Uint8Array(bin.buffer));
  const depBuf = new Int32Array(depInts.length + data.length);
  depBuf.set(depInts, 0);
  depBuf.set(data, depInts.length);
  await writeFile(join(dir, DEPS + tmp), new Uint8Array(depBuf.buffer));
  await rename(join(dir, DEPS + tmp), join(dir, DEPS));
  await rename(join(dir, STRINGS + tmp), join(dir, STRINGS));
  await rename(join(dir, BIN + tmp), join(dir, BIN));
}

/** Loads a snapshot written by saveUniverseCache. */
export async function loadUniverseCache(dir: string): Promise<PackageSource> {
  let text: string;
  let buf: Buffer;
  let depsBuf: Buffer | null;
  try {
    [text, buf, depsBuf] = await Promise.all([readFile(join(dir, STRINGS), 'utf8'), readFile(join(dir, BIN)),
      readFile(join(dir, DEPS)).catch((err: unknown) => { if (isErrno(err, 'ENOENT')) return null; throw err; })]);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new BazaarError('ERR_REPO', `${dir} holds no universe cache (${STRINGS}, ${BIN})`, { cause: err });
    throw err;
  }
  const ints = new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2);
  if (ints[0] !== MAGIC) throw new BazaarError('ERR_REPO', `${join(dir, BIN)} is not a bazaar universe cache`);
  const strs = text.split('\n');
  if (strs.length !== ints[1]) throw new BazaarError('ERR_REPO', `${dir}: universe cache files do not belong together`);
  const n = ints[2];
  const nDeps = ints[3];
  const table: Dependency[] = new Array(nDeps);
  for (let k = 0, j = 4; k < nDeps; k++, j += 3) {
    const f = ints[j + 1];
    table[k] = f & 8 ? { name: strs[ints[j]], flags: FLAGS[f & ~8], evr: strs[ints[j + 2]], pre: true } : { name: strs[ints[j]], flags: FLAGS[f & ~8], evr: strs[ints[j + 2]] };
  }
  let i = 4 + 3 * nDeps;
  const deps = (count: number): Dependency[] => {
    const out: Dependency[] = new Array(count);
    for (let k = 0; k < count; k++) out[k] = table[ints[i++]];
    return out;
  };
  const list: PackageRecord[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const name = strs[ints[i]]; const epoch = ints[i + 1]; const version = strs[ints[i + 2]]; const release = strs[ints[i + 3]];
    const arch = strs[ints[i + 4]]; const location = strs[ints[i + 5]];
    const buildId = strs[ints[i + 6]]; const disttag = strs[ints[i + 7]]; const buildtime = strs[ints[i + 8]];
    const np = ints[i + 9]; const nr = ints[i + 10]; const nc = ints[i + 11]; const no = ints[i + 12]; const nf = ints[i + 13];
    i += 14;
    const provides = deps(np); const requires = deps(nr); const conflicts = deps(nc); const obsoletes = deps(no);
    const files: string[] = new Array(nf);
    for (let f = 0; f < nf; f++) files[f] = strs[ints[i++]];
    const rec: PackageRecord = { name, epoch, version, release, arch, provides, requires, conflicts, obsoletes, files };
    if (location) rec.location = location;
    if (buildId) rec.buildId = buildId;
    if (disttag) rec.disttag = disttag;
    if (buildtime) rec.buildtime = Number(buildtime);
    list[k] = rec;
  }
  const source: IndexedSource = new MemorySource(list, dir);
  if (depsBuf) {
    const d = new Int32Array(depsBuf.buffer, depsBuf.byteOffset, depsBuf.byteLength >> 2);
    if (d[0] === DEPS_MAGIC && d[2] === n) {
      source.prebuiltDeps = { arch: strs[d[1]], offsets: d.subarray(3, 3 + n), data: d.subarray(3 + n) };
    }
  }
  return source;
}
