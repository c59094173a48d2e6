/**
 * A universe file made from records given a batch at a time, in file order (a channel's
 * builds by key), byte for byte what encodeUniverse writes for the same records, without
 * holding every record at once: each is encoded into ints as it comes and dropped (a
 * channel's first universe held every build's record beside the encoder's tables, at
 * the peak of a first add: docs/store.md).
 *
 * The file numbers the strings every record needs at load (names, EVR parts, arches)
 * first, which a builder that has not seen every record cannot know. So strings get
 * provisional numbers in the order first seen, the hot ones are noted in the order of
 * their first use as a hot field, and `finish` renumbers: the hot ones first in that
 * order, then the others in the order first seen. That is the order encodeUniverse gives
 * (its record pass meets the strings that are not hot in the same order), and the
 * dependency table is numbered by first use of a (name, flags, evr) triple either way.
 * The answers are then computed by a pool over the encoded columns (CachedSource: each
 * record decoded from them, its strings and dependencies shared), as an update does, and
 * indexed as an update's is (Pool.indexOnly) for the capabilities and paths some package
 * asks for, not every path and capability of every package (docs/resolver.md has the
 * figures).
 */
import { buildCapabilityIndex } from './capability-index.js';
import { Pool } from './provides-index.js';
import type { PackageRecord } from './source.js';
import { askedBy } from './universe-update.js';
import { assembleUniverse, CACHE_ARCH, CachedSource, FIXED_INTS, nameTable, poolAnswers, stringBytes, Universe, UniverseEncoder } from './universe-cache.js';

/** Ints of a package's fixed part that are string numbers (5, the location, may be `~n`). */
const STRING_FIELDS = [0, 2, 3, 4, 5, 6, 7, 8];

export class UniverseBuilder {
  private readonly enc = new UniverseEncoder();
  /** Provisional numbers of the hot strings, in the order of their first use as a hot field. */
  private readonly hot: number[] = [];
  private isHot = new Uint8Array(1024);
  private readonly starts: number[] = [];
  private readonly ints: number[] = [];
  /** Each package's name, as its provisional string number. */
  private readonly nameStrs: number[] = [];
  /** What the packages' answers look up (askedBy): the only capabilities and paths the pool indexes. */
  private readonly asked = new Set<string>();

  get count(): number { return this.starts.length; }

  /** Appends `p`, the next package in file order. */
  add(p: PackageRecord): void {
    const at = this.ints.length;
    this.starts.push(at);
    this.enc.record(p, this.ints);
    this.nameStrs.push(this.ints[at]);
    for (const k of [0, 2, 3, 4]) this.noteHot(this.ints[at + k]);
    askedBy(p, this.asked);
  }

  private noteHot(i: number): void {
    if (i >= this.isHot.length) { const grown = new Uint8Array(Math.max(i + 1, this.isHot.length * 2)); grown.set(this.isHot); this.isHot = grown; }
    if (this.isHot[i] === 0) { this.isHot[i] = 1; this.hot.push(i); }
  }

  /**
   * The file's bytes. `compare` is the channel's build order (rpm's when undefined), which
   * the answers' provider preference follows, as a save's source's `compare` does.
   */
  finish(label: string, compare?: (a: PackageRecord, b: PackageRecord) => number): Uint8Array {
    const archProvisional = this.enc.s(CACHE_ARCH);
    const provisional = this.enc.strs;
    // final number of each provisional one: the hot first, then the rest in first-seen order
    const final = new Int32Array(provisional.length);
    const strs: string[] = [];
    let next = 0;
    for (const i of this.hot) { final[i] = next++; strs.push(provisional[i]); }
    const nHot = next;
    for (let i = 0; i < provisional.length; i++) if (!(i < this.isHot.length && this.isHot[i])) { final[i] = next++; strs.push(provisional[i]); }
    const ints = Int32Array.from(this.ints);
    const starts = Int32Array.from(this.starts);
    for (let id = 0; id < starts.length; id++) {
      const at = starts[id];
      for (const k of STRING_FIELDS) { const v = ints[at + k]; ints[at + k] = v < 0 ? ~final[~v] : final[v]; }
      let files = at + FIXED_INTS;
      for (let k = 9; k < 13; k++) files += ints[at + k];
      for (let f = files, end = files + ints[at + 13]; f < end; f++) ints[f] = final[ints[f]];
    }
    const depTable = Int32Array.from(this.enc.depTable);
    for (let k = 0; k < depTable.length; k += 3) { depTable[k] = final[depTable[k]]; depTable[k + 2] = final[depTable[k + 2]]; }
    const names = nameTable(this.nameStrs.map((i) => provisional[i]), (id) => final[this.nameStrs[id]]);
    const caps = buildCapabilityIndex({ starts, ints, depTable, strs }, names.nameIds);
    const strings = stringBytes(strs);
    const strStarts = Int32Array.from([...strings.starts, strings.text.length]);
    const columns = { strIdx: Int32Array.from(names.strIdx), hash: Int32Array.from(names.hash), memberStarts: Int32Array.from(names.memberStarts), members: Int32Array.from(names.members), nameIds: Int32Array.from(names.nameIds) };
    const capColumns = { starts: Int32Array.from(caps.starts), entries: Int32Array.from(caps.entries), extra: Int32Array.from(caps.extra) };
    const bare = new CachedSource(label, new Universe(strStarts, depTable, ints, strings.text, strings.ascii, strs), starts, nHot, -1, columns, capColumns);
    const pool = new Pool(compare ? Object.assign(bare, { compare }) : bare, { arch: CACHE_ARCH });
    // the entries of the full index for what is asked, in its order: every path and
    // capability nobody asks for (most of a real package's files) is left out
    pool.indexOnly(this.asked, starts.keys());
    const { offsets, data } = poolAnswers(pool);
    return assembleUniverse({
      text: strings.text, strStarts, nHot, ascii: strings.ascii, depTable, starts, ints, arch: final[archProvisional], offsets, data, names, caps,
    });
  }
}
