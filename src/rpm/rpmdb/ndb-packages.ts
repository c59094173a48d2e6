/**
 * rpm's ndb backend (SUSE since 15.x, lib/backend/ndb/rpmpkg.c): `Packages.db` starts
 * with slot pages (4096 bytes each; the first 32 bytes of page 0 are the file header),
 * each slot naming a package index and the blocks (16 bytes each) of its blob. A blob is
 * a 16-byte head (magic, package index, timestamp, length), the exported header, zero
 * padding and a 12-byte tail (Adler-32 of everything before it, length, magic).
 * Every check rpmpkgReadSlots / rpmpkgReadBlob makes is made here, all integers
 * little-endian as rpm writes them on every architecture.
 */
import type { DbRecord } from './db-record.js';
import { BLOB_MAX } from './db-record.js';
import { DbFile, dataView } from './db-file.js';

const PKGDB_MAGIC = 0x506d7052; // 'RpmP'
const PKGDB_VERSION = 0;
const PKGDB_HEADER_SIZE = 32;
const SLOT_MAGIC = 0x746f6c53; // 'Slot'
const SLOT_SIZE = 16;
const BLK_SIZE = 16;
const PAGE_SIZE = 4096;
const BLOBHEAD_MAGIC = 0x53626c42; // 'BlbS'
const BLOBTAIL_MAGIC = 0x45626c42; // 'BlbE'
const BLOBHEAD_SIZE = 16;
const BLOBTAIL_SIZE = 12;
/** Slot pages rpm grows one at a time; 4096 pages are a million packages. */
const SLOT_PAGES_MAX = 4096;

interface Slot { pkgidx: number; blkoff: number; blkcnt: number; offset: number }

/** RFC 1950 Adler-32, continued from `adler`. */
export function adler32(adler: number, bytes: Uint8Array): number {
  let s1 = adler & 0xffff;
  let s2 = adler >>> 16;
  for (let i = 0; i < bytes.length;) {
    const end = Math.min(bytes.length, i + 5552); // the most bytes before s2 could overflow 2^32
    for (; i < end; i++) { s1 += bytes[i]; s2 += s1; }
    s1 %= 65521;
    s2 %= 65521;
  }
  return ((s2 << 16) | s1) >>> 0;
}

async function readSlots(file: DbFile): Promise<Slot[]> {
  if (file.size < PKGDB_HEADER_SIZE) throw file.size === 0 ? file.corrupt(0, 'the file is empty') : file.corrupt(0, `the file is ${file.size} bytes, shorter than the ndb header`);
  const head = dataView(await file.read(0, PKGDB_HEADER_SIZE, 'header'));
  if (head.getUint32(0, true) !== PKGDB_MAGIC) throw file.corrupt(0, 'not an rpm ndb database (bad magic)');
  if (head.getUint32(4, true) !== PKGDB_VERSION) throw file.corrupt(4, `ndb version ${head.getUint32(4, true)} is not supported`);
  const slotPages = head.getUint32(12, true);
  if (slotPages === 0 || slotPages > SLOT_PAGES_MAX) throw file.corrupt(12, `${slotPages} slot pages is out of range (1..${SLOT_PAGES_MAX})`);
  if (file.size % BLK_SIZE !== 0) throw file.corrupt(file.size, `the file size ${file.size} is not a multiple of ${BLK_SIZE} (truncated?)`);
  const fileBlocks = file.size / BLK_SIZE;
  const minBlock = slotPages * (PAGE_SIZE / BLK_SIZE);
  const slots: Slot[] = [];
  for (let page = 0; page < slotPages; page++) {
    const bytes = await file.read(page * PAGE_SIZE, PAGE_SIZE, `slot page ${page}`);
    const view = dataView(bytes);
    for (let o = page === 0 ? PKGDB_HEADER_SIZE : 0; o < PAGE_SIZE; o += SLOT_SIZE) {
      const offset = page * PAGE_SIZE + o;
      if (view.getUint32(o, true) !== SLOT_MAGIC) throw file.corrupt(offset, 'a slot has a bad magic number');
      const blkoff = view.getUint32(o + 8, true);
      if (blkoff === 0) continue; // a free slot
      const slot = { pkgidx: view.getUint32(o + 4, true), blkoff, blkcnt: view.getUint32(o + 12, true), offset };
      if (slot.pkgidx === 0 || slot.blkcnt === 0 || slot.blkoff < minBlock) throw file.corrupt(offset, `slot {package ${slot.pkgidx}, block ${slot.blkoff}, ${slot.blkcnt} blocks} is invalid`);
      if (slot.blkoff + slot.blkcnt > fileBlocks) throw file.corrupt(offset, `package ${slot.pkgidx}'s blob (blocks ${slot.blkoff}+${slot.blkcnt}) runs past the end of the file`);
      slots.push(slot);
    }
  }
  // rpm refuses overlapping blobs and duplicate package indexes (rpmpkgFindEmptyOffset)
  const byBlock = [...slots].sort((a, b) => a.blkoff - b.blkoff);
  for (let i = 1; i < byBlock.length; i++) {
    if (byBlock[i].blkoff < byBlock[i - 1].blkoff + byBlock[i - 1].blkcnt) throw file.corrupt(byBlock[i].offset, `the blobs of packages ${byBlock[i - 1].pkgidx} and ${byBlock[i].pkgidx} overlap`);
  }
  const byIndex = slots.sort((a, b) => a.pkgidx - b.pkgidx);
  for (let i = 1; i < byIndex.length; i++) {
    if (byIndex[i].pkgidx === byIndex[i - 1].pkgidx) throw file.corrupt(byIndex[i].offset, `package index ${byIndex[i].pkgidx} has two slots`);
  }
  return byIndex;
}

async function readBlob(file: DbFile, slot: Slot): Promise<Uint8Array> {
  const start = slot.blkoff * BLK_SIZE;
  const size = slot.blkcnt * BLK_SIZE;
  if (size < BLOBHEAD_SIZE + BLOBTAIL_SIZE) throw file.corrupt(start, `package ${slot.pkgidx}'s blob of ${slot.blkcnt} blocks is too small`);
  if (size > BLOB_MAX + BLOBHEAD_SIZE + BLOBTAIL_SIZE + BLK_SIZE) throw file.corrupt(slot.offset, `package ${slot.pkgidx}'s blob of ${size} bytes is over the limit of ${BLOB_MAX}`);
  const bytes = await file.read(start, size, `blob of package ${slot.pkgidx}`);
  const view = dataView(bytes);
  if (view.getUint32(0, true) !== BLOBHEAD_MAGIC) throw file.corrupt(start, `package ${slot.pkgidx}'s blob has a bad head magic`);
  if (view.getUint32(4, true) !== slot.pkgidx) throw file.corrupt(start + 4, `the blob of package ${slot.pkgidx} says it belongs to package ${view.getUint32(4, true)}`);
  const length = view.getUint32(12, true);
  if (slot.blkcnt !== Math.ceil((BLOBHEAD_SIZE + length + BLOBTAIL_SIZE) / BLK_SIZE)) throw file.corrupt(start + 12, `package ${slot.pkgidx}'s blob length ${length} does not fit its ${slot.blkcnt} blocks`);
  const tail = size - BLOBTAIL_SIZE;
  if (view.getUint32(tail + 8, true) !== BLOBTAIL_MAGIC) throw file.corrupt(start + tail + 8, `package ${slot.pkgidx}'s blob has a bad tail magic`);
  if (view.getUint32(tail + 4, true) !== length) throw file.corrupt(start + tail + 4, `package ${slot.pkgidx}'s blob tail says ${view.getUint32(tail + 4, true)} bytes, its head ${length}`);
  const sum = adler32(1, bytes.subarray(0, tail));
  if (view.getUint32(tail, true) !== sum) throw file.corrupt(start + tail, `package ${slot.pkgidx}'s blob fails its Adler-32 checksum`);
  return bytes.subarray(BLOBHEAD_SIZE, BLOBHEAD_SIZE + length);
}

/** Yields every header of an ndb Packages.db, in package index order. */
export async function* ndbPackages(path: string): AsyncGenerator<DbRecord> {
  const file = await DbFile.open(path, 'ndb');
  try {
    for (const slot of await readSlots(file)) {
      yield { hnum: slot.pkgidx, blob: await readBlob(file, slot), offset: slot.blkoff * BLK_SIZE };
    }
  } finally {
    await file.close();
  }
}
