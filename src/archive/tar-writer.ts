/**
 * A streaming tar writer: POSIX ustar headers, with a pax extended header only where
 * ustar cannot say it (names over 100 bytes or not plain ASCII, ids above 2097151, sizes
 * of 8 GiB and more, xattrs as `SCHILY.xattr.*`, which GNU tar and bsdtar both read).
 *
 * Deterministic: the same entries in the same order give the same bytes. Header fields
 * have one fixed format (tar-header.ts), pax records a fixed keyword order, xattrs are
 * sorted by name. Sorting the entries is the caller's job. No atime/ctime, no pax
 * header file names that vary, no record padding after the two end blocks.
 *
 * Whiteouts and opaque directories are written in the form `whiteouts` asks for:
 * 'oci' (`.wh.NAME` files, `.wh..wh..opq` right after its directory; any tar unpacks
 * it) or 'overlay' (char 0/0 devices and `trusted.overlay.opaque=y`; what an overlayfs
 * upper dir holds, restored by `tar --xattrs --xattrs-include='*'` as root).
 */
import { BazaarError } from '../errors.js';
import { TYPE_BITS, rdevMajor, rdevMinor } from './layer-entry.js';
import type { LayerEntry } from './layer-entry.js';
import { joinLayerPath, normaliseLayerPath, splitLayerPath } from './layer-path.js';
import { escapeOverlayXattr } from './overlay-xattrs.js';
import { formatPaxRecord } from './pax.js';
import { encodePathBytes, isPlainAscii, quotePath } from '../fs/index.js';
import { BLOCK_SIZE, fitsOctal, formatHeader } from './tar-header.js';

export interface WriteTarOptions {
  /** How deletions are written; default 'oci'. */
  whiteouts?: 'oci' | 'overlay';
}

/** Small pieces are gathered into writes of about this size. */
const BATCH = 64 << 10;
const PAX_HEADER_NAME = Buffer.from('././@PaxHeader');
const TYPEFLAG: Record<string, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };
const EMPTY = Buffer.alloc(0);

function bad(path: string, why: string): BazaarError {
  return new BazaarError('ERR_BAD_INPUT', `${quotePath(path)}: ${why}`, { data: { path } });
}

/** True when the string decodes from valid UTF-8 (no escaped bytes, path-bytes.ts). */
function isUtf8Text(s: string): boolean {
  return !/[\udc80-\udcff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
}

/** The header name when the real one goes to pax: printable ASCII, at most 100 bytes, fixed for a given path. */
function fallbackName(bytes: Buffer): Buffer {
  const tail = bytes.length > 100 ? bytes.subarray(bytes.length - 100) : bytes;
  return Buffer.from(tail.map((c) => (c >= 0x20 && c <= 0x7e ? c : 0x5f)));
}

interface Fields {
  path: string; typeflag: string; mode: number; uid: number; gid: number; size: number; mtime: number;
  linkname?: string; uname?: string; gname?: string; devmajor: number; devminor: number; xattrs: [string, Buffer][];
}

/** The header blocks of one entry: a pax header first when needed, then ustar. */
function headerBlocks(f: Fields): Buffer[] {
  const records: Buffer[] = [];
  const pax = (key: string, value: Buffer | string): void => {
    records.push(formatPaxRecord(Buffer.from(key, 'utf8'), typeof value === 'string' ? Buffer.from(value, 'latin1') : value));
  };
  const name = encodePathBytes(f.path);
  const link = f.linkname === undefined ? EMPTY : encodePathBytes(f.linkname);
  const nameFits = name.length <= 100 && isPlainAscii(f.path);
  const linkFits = link.length <= 100 && (f.linkname === undefined || isPlainAscii(f.linkname));
  const binary = !isUtf8Text(f.path) || (f.linkname !== undefined && !isUtf8Text(f.linkname));
  if (binary && (!nameFits || !linkFits)) pax('hdrcharset', 'BINARY');
  if (!nameFits) pax('path', name);
  if (!linkFits) pax('linkpath', link);
  if (!fitsOctal(f.size, 12)) pax('size', String(f.size));
  if (!fitsOctal(f.uid, 8)) pax('uid', String(f.uid));
  if (!fitsOctal(f.gid, 8)) pax('gid', String(f.gid));
  const owner = (s: string | undefined, key: string): Buffer => {
    if (s === undefined) return EMPTY;
    const b = encodePathBytes(s);
    if (b.length <= 31 && isPlainAscii(s)) return b;
    pax(key, b);
    return EMPTY;
  };
  const uname = owner(f.uname, 'uname');
  const gname = owner(f.gname, 'gname');
  if (!fitsOctal(f.mtime, 12)) pax('mtime', String(f.mtime));
  for (const [k, v] of f.xattrs) pax(`SCHILY.xattr.${k}`, v);

  const blocks: Buffer[] = [];
  if (records.length) {
    const data = Buffer.concat(records);
    blocks.push(formatHeader({
      name: PAX_HEADER_NAME, mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 0, typeflag: 'x',
      linkname: EMPTY, uname: EMPTY, gname: EMPTY, devmajor: 0, devminor: 0,
    }), data, Buffer.alloc((BLOCK_SIZE - (data.length % BLOCK_SIZE)) % BLOCK_SIZE));
  }
  blocks.push(formatHeader({
    name: nameFits ? name : fallbackName(name),
    mode: f.mode & 0o7777,
    uid: fitsOctal(f.uid, 8) ? f.uid : 0,
    gid: fitsOctal(f.gid, 8) ? f.gid : 0,
    size: fitsOctal(f.size, 12) ? f.size : 0,
    mtime: fitsOctal(f.mtime, 12) ? f.mtime : 0,
    typeflag: f.typeflag,
    linkname: linkFits ? link : fallbackName(link),
    uname, gname, devmajor: f.devmajor, devminor: f.devminor,
  }));
  return blocks;
}

/** Sorted, checked xattrs of an entry, overlayfs names escaped (overlay-xattrs.ts). */
function xattrList(e: LayerEntry, extra: [string, Buffer][]): [string, Buffer][] {
  const list: [string, Buffer][] = Object.entries(e.xattrs).map(([k, v]) => [escapeOverlayXattr(k), v]);
  for (const [k] of list) {
    if (k.includes('=') || k.includes('\0')) throw bad(e.path, `extended attribute ${JSON.stringify(k)} has a name a pax header cannot hold ('=' or NUL)`);
  }
  list.push(...extra);
  return list.sort(([a], [b]) => Buffer.compare(encodePathBytes(a), encodePathBytes(b)));
}

function whiteoutFields(path: string, mode: 'oci' | 'overlay'): Fields {
  const base = { uid: 0, gid: 0, size: 0, mtime: 0, devmajor: 0, devminor: 0, xattrs: [] };
  if (mode === 'overlay') return { ...base, path, typeflag: '3', mode: 0 };
  const { parent, name } = splitLayerPath(path);
  return { ...base, path: joinLayerPath(parent, `.wh.${name}`), typeflag: '0', mode: 0o644 };
}

function entryFields(e: LayerEntry, mode: 'oci' | 'overlay'): Fields {
  if (e.kind === 'socket') throw bad(e.path, 'a socket cannot be stored in a tar archive; leave it out');
  const typeflag = TYPEFLAG[e.kind];
  const extra: [string, Buffer][] = e.opaque && mode === 'overlay' ? [['trusted.overlay.opaque', Buffer.from('y')]] : [];
  const f: Fields = {
    path: e.kind === 'dir' ? (e.path === '.' ? './' : `${e.path}/`) : e.path,
    typeflag, mode: e.mode, uid: e.uid, gid: e.gid, size: e.kind === 'file' ? e.size : 0, mtime: Math.max(0, Math.floor(e.mtime)),
    uname: e.uname, gname: e.gname, devmajor: 0, devminor: 0, xattrs: xattrList(e, extra),
  };
  if (e.kind === 'symlink') f.linkname = e.target;
  if (e.kind === 'hardlink') {
    if (!e.linkTo) throw bad(e.path, 'a hardlink without linkTo');
    f.linkname = e.linkTo;
  }
  if (e.kind === 'char' || e.kind === 'block') { f.devmajor = rdevMajor(e.rdev ?? 0); f.devminor = rdevMinor(e.rdev ?? 0); }
  if (e.kind !== 'hardlink' && (e.mode & 0o170000) !== 0 && (e.mode & 0o170000) !== TYPE_BITS[e.kind]) {
    throw bad(e.path, `mode ${e.mode.toString(8)} does not match kind ${e.kind}`);
  }
  return f;
}

/**
 * The tar bytes of `entries`, in order, ending with the two zero blocks.
 *
 * @example
 *   await pipeline(Readable.from(writeTar(readLayerDirectory('upper'))), createWriteStream('layer.tar'));
 */
export async function* writeTar(entries: AsyncIterable<LayerEntry> | Iterable<LayerEntry>, options: WriteTarOptions = {}): AsyncGenerator<Buffer> {
  const mode = options.whiteouts ?? 'oci';
  if (mode !== 'oci' && mode !== 'overlay') throw new BazaarError('ERR_USAGE', `whiteouts is 'oci' or 'overlay', not ${JSON.stringify(mode)}`);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const add = (b: Buffer): void => { pending.push(b); pendingBytes += b.length; };
  const take = (): Buffer => { const out = Buffer.concat(pending, pendingBytes); pending = []; pendingBytes = 0; return out; };
  /** Non-directories written so far: a hardlink must point back at one (tar unpacks in order). */
  const linkable = new Set<string>();

  for await (const e of entries) {
    if (normaliseLayerPath(e.path, quotePath(e.path)) !== e.path) throw bad(e.path, 'not a normalised layer path');
    if (e.path !== '.' && splitLayerPath(e.path).name.startsWith('.wh.')) throw bad(e.path, 'names starting with .wh. are reserved for whiteouts');
    if (e.whiteout) {
      for (const b of headerBlocks(whiteoutFields(e.path, mode))) add(b);
      continue;
    }
    if (e.kind === 'hardlink' && e.linkTo !== undefined && !linkable.has(e.linkTo)) {
      throw bad(e.path, `hardlink to ${quotePath(e.linkTo)}, which is not written before it; order the entries so a link's target comes first`);
    }
    for (const b of headerBlocks(entryFields(e, mode))) add(b);
    if (e.kind !== 'dir') linkable.add(e.path);
    if (e.kind === 'dir' && e.opaque && mode === 'oci') {
      for (const b of headerBlocks(whiteoutFields(joinLayerPath(e.path, '.wh..opq'), 'oci'))) add(b);
    }
    if (e.kind !== 'file' || e.size === 0) {
      if (pendingBytes >= BATCH) yield take();
      continue;
    }
    if (!e.content) throw bad(e.path, `${e.size} bytes of content, but no content to read`);
    let written = 0;
    for await (const chunk of e.content()) {
      written += chunk.length;
      if (written > e.size) break;
      if (chunk.length >= BATCH) {
        if (pendingBytes) yield take();
        yield chunk;
      } else {
        add(chunk);
        if (pendingBytes >= BATCH) yield take();
      }
    }
    if (written !== e.size) throw bad(e.path, `content is ${written > e.size ? 'more' : `${written}`} bytes, the entry says ${e.size}`);
    const pad = (BLOCK_SIZE - (e.size % BLOCK_SIZE)) % BLOCK_SIZE;
    if (pad) add(Buffer.alloc(pad));
    if (pendingBytes >= BATCH) yield take();
  }
  add(Buffer.alloc(2 * BLOCK_SIZE));
  yield take();
}
