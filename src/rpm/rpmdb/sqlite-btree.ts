/**
 * Walks an SQLite table B-tree (https://www.sqlite.org/fileformat2.html §1.6) in rowid
 * order and assembles each row's payload from its local part and its overflow chain.
 * Every page is visited at most once per walk and every chain page at most once per
 * payload, so a page pointing back into the tree, or an overflow loop, is reported
 * instead of followed; the depth is bounded by SQLite's own limit.
 */
import { dataView } from './db-file.js';
import type { SqliteFile } from './sqlite-file.js';
import { SQLITE_HEADER_SIZE } from './sqlite-file.js';

/** SQLite's BTCURSOR_MAX_DEPTH (btreeInt.h): no valid tree is deeper. */
const BTREE_DEPTH_MAX = 20;
const PAGE_INTERIOR_TABLE = 0x05;
const PAGE_LEAF_TABLE = 0x0d;

export interface TableCell {
  rowid: number;
  /** Total payload size in bytes. */
  size: number;
  /** The part stored on the leaf page. */
  local: Uint8Array;
  /** First overflow page, 0 when the payload is all local. */
  overflow: number;
  /** File offset of the pointer to the first overflow page (when there is one). */
  overflowAt: number;
  /** File offset of the cell (for error messages). */
  offset: number;
}

/** A varint (§1.6: 1–9 bytes, big-endian, 7 bits per byte, 8 in the ninth); null when it runs past `end`. */
export function readVarint(bytes: Uint8Array, at: number, end: number): { value: number; next: number } | null {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= end) return null;
    const b = bytes[at + i];
    if (i === 8) return { value: value * 256 + b, next: at + 9 };
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return null;
}

/** How much of a `size`-byte payload a table leaf keeps on the page (§1.6, "X", "M", "K"). */
export function localPayloadSize(size: number, usable: number): number {
  const maxLocal = usable - 35;
  if (size <= maxLocal) return size;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = minLocal + ((size - minLocal) % (usable - 4));
  return k <= maxLocal ? k : minLocal;
}

/** Yields the cells of the table B-tree rooted at `root`, in rowid order. */
export async function* tableCells(db: SqliteFile, root: number): AsyncGenerator<TableCell> {
  const seen = new Set<number>();
  const file = db.file;
  // explicit stack of (page, depth, pointer-from offset); children pushed in reverse order
  const stack: Array<{ page: number; depth: number; from: number }> = [{ page: root, depth: 1, from: 0 }];
  while (stack.length > 0) {
    const { page: n, depth, from } = stack.pop()!;
    if (depth > BTREE_DEPTH_MAX) throw file.corrupt(from, `the B-tree is deeper than ${BTREE_DEPTH_MAX} levels`, { page: n });
    if (seen.has(n)) throw file.corrupt(from, `page ${n} is reached twice in one B-tree (a loop)`, { page: n });
    seen.add(n);
    const page = await db.page(n, from);
    const base = db.offsetOf(n);
    const h = n === 1 ? SQLITE_HEADER_SIZE : 0;
    const view = dataView(page);
    const type = page[h];
    if (type !== PAGE_LEAF_TABLE && type !== PAGE_INTERIOR_TABLE) throw file.corrupt(base + h, `page ${n} has type ${type}, not a table B-tree page`, { page: n });
    const leaf = type === PAGE_LEAF_TABLE;
    const cellCount = view.getUint16(h + 3);
    const pointers = h + (leaf ? 8 : 12);
    if (pointers + 2 * cellCount > db.usableSize) throw file.corrupt(base + h + 3, `page ${n} claims ${cellCount} cells, more than fit`, { page: n });
    const cellAt = (i: number): number => {
      const off = view.getUint16(pointers + 2 * i);
      if (off < pointers + 2 * cellCount || off >= db.usableSize) throw file.corrupt(base + pointers + 2 * i, `cell ${i} of page ${n} points outside the page`, { page: n });
      return off;
    };
    if (!leaf) {
      const children: Array<{ page: number; depth: number; from: number }> = [];
      for (let i = 0; i < cellCount; i++) {
        const off = cellAt(i);
        if (off + 4 > db.usableSize) throw file.corrupt(base + off, `cell ${i} of page ${n} runs past the page`, { page: n });
        children.push({ page: view.getUint32(off), depth: depth + 1, from: base + off });
      }
      children.push({ page: view.getUint32(h + 8), depth: depth + 1, from: base + h + 8 });
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
      continue;
    }
    for (let i = 0; i < cellCount; i++) {
      const off = cellAt(i);
      const size = readVarint(page, off, db.usableSize);
      const rowid = size && readVarint(page, size.next, db.usableSize);
      if (!size || !rowid) throw file.corrupt(base + off, `cell ${i} of page ${n} runs past the page`, { page: n });
      const local = localPayloadSize(size.value, db.usableSize);
      const spills = local < size.value;
      const end = rowid.next + local + (spills ? 4 : 0);
      if (end > db.usableSize) throw file.corrupt(base + off, `cell ${i} of page ${n} (rowid ${rowid.value}) runs past the page`, { page: n });
      yield {
        rowid: rowid.value,
        size: size.value,
        local: page.subarray(rowid.next, rowid.next + local),
        overflow: spills ? view.getUint32(rowid.next + local) : 0,
        overflowAt: base + rowid.next + local,
        offset: base + off,
      };
    }
  }
}

/**
 * The whole payload of `cell`: its local bytes, then the overflow chain (§1.6: each page
 * starts with the next page's number, then usable − 4 bytes of payload). `limit` bounds
 * the size before anything is allocated.
 */
export async function cellPayload(db: SqliteFile, cell: TableCell, limit: number): Promise<Uint8Array> {
  const file = db.file;
  if (cell.overflow === 0) return cell.local;
  const maxPossible = cell.local.length + db.pageCount * (db.usableSize - 4);
  if (cell.size > limit || cell.size > maxPossible) {
    throw file.corrupt(cell.offset, `row ${cell.rowid} claims a ${cell.size}-byte payload, more than ${cell.size > limit ? `the limit of ${limit}` : 'the database holds'}`, { rowid: cell.rowid });
  }
  const out = new Uint8Array(cell.size);
  out.set(cell.local, 0);
  let filled = cell.local.length;
  let next = cell.overflow;
  let from = cell.overflowAt;
  const seen = new Set<number>();
  while (filled < cell.size) {
    if (next === 0) throw file.corrupt(from, `the overflow chain of row ${cell.rowid} ends after ${filled} of ${cell.size} bytes`, { rowid: cell.rowid });
    if (seen.has(next)) throw file.corrupt(from, `the overflow chain of row ${cell.rowid} loops back to page ${next}`, { rowid: cell.rowid, page: next });
    seen.add(next);
    const page = await db.page(next, from);
    const take = Math.min(cell.size - filled, db.usableSize - 4);
    out.set(page.subarray(4, 4 + take), filled);
    filled += take;
    from = db.offsetOf(next);
    next = dataView(page).getUint32(0);
  }
  return out;
}
