/**
 * A streaming tar reader: ustar, GNU (`L`/`K` long names and links) and pax (`x`/`g`)
 * headers, every checksum verified, content handed to the consumer in chunks as it
 * arrives. Memory is one input chunk plus one extension header (at most
 * MAX_SPECIAL_HEADER bytes), whatever the archive's size.
 *
 * Every malformed input is a BazaarError ERR_BAD_INPUT naming the entry and the offset of
 * its first header in the uncompressed stream. The archive must end with POSIX's two zero
 * blocks, so an archive cut at any block boundary is refused, not taken as complete.
 *
 * This layer reports entries as the archive states them; overlay-entries.ts normalises
 * paths and refuses the ones that escape the root.
 */
import { ChunkReader } from './chunk-reader.js';
import { badLayer } from './layer-path.js';
import { applyPaxRecords, emptyPaxAttributes, mergedXattrs } from './pax-attributes.js';
import type { PaxAttributes } from './pax-attributes.js';
import { PaxFormatError, parsePaxRecords } from './pax.js';
import { decodePathBytes, quotePath } from '../fs/index.js';
import { BLOCK_SIZE, HeaderFieldError, checksumMatches, isZeroBlock, parseHeader } from './tar-header.js';
import type { RawHeader } from './tar-header.js';

/**
 * Largest pax (`x`, `g`) or GNU long-name (`L`, `K`) header data held in memory. Linux caps
 * one xattr value at 64 KiB (XATTR_SIZE_MAX) and a file's whole xattr list at 64 KiB
 * (XATTR_LIST_MAX), so 8 MiB holds any real entry's path and attributes with room to spare.
 */
export const MAX_SPECIAL_HEADER = 8 << 20;

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarEntry {
  /** As the archive gives it (not normalised), bytes decoded as in path-bytes.ts. */
  path: string;
  type: TarEntryType;
  /** Permission bits, 07777. */
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  /** Content bytes (regular files only; 0 otherwise). */
  size: number;
  mtime: number;
  /** Symlink target or hardlink target, as the archive gives it. */
  linkpath?: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
  /** Offset of the entry's first header block in the uncompressed archive. */
  offset: number;
  /** The content, `size` bytes; readable once, before the next entry is asked for. */
  body(): AsyncIterable<Buffer>;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

/** Headers that describe the next entry: pax local (`x`) and global (`g`), GNU long name (`L`) and link (`K`). */
const EXTENSION_TYPES = new Set(['x', 'g', 'L', 'K']);

/** Type flags we know and refuse, with the reason. */
const REFUSED_TYPES: Record<string, string> = {
  S: 'a GNU sparse file (archive without --sparse)',
  D: 'a GNU incremental dump directory (archive without --listed-incremental)',
  M: 'a GNU multi-volume continuation',
  N: 'an old GNU long-name record',
};

const padding = (n: number): number => (BLOCK_SIZE - (n % BLOCK_SIZE)) % BLOCK_SIZE;

function nameOf(h: RawHeader): string {
  return quotePath(decodePathBytes(h.name));
}

/** Data of a GNU long name/link: the name, then NULs only. */
function longName(data: Buffer, where: string): Buffer {
  let end = data.indexOf(0);
  if (end < 0) end = data.length;
  if (data.subarray(end).some((c) => c !== 0)) throw badLayer(where, 'the long name holds a NUL byte');
  return data.subarray(0, end);
}

/**
 * Reads entries from an uncompressed tar stream. Asking for the next entry skips whatever
 * of the previous entry's body was not read. Stops the source when done or on error.
 *
 * @example
 *   for await (const e of readTar(createReadStream('layer.tar'))) {
 *     if (e.type === 'file') for await (const chunk of e.body()) hash.update(chunk);
 *   }
 */
export async function* readTar(input: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const r = new ChunkReader(input);
  const globals = emptyPaxAttributes();
  try {
    for (; ;) {
      const offset = r.offset;
      const local: PaxAttributes = { ...globals, xattrs: new Map(globals.xattrs), libarchiveXattrs: new Map(globals.libarchiveXattrs) };
      let gnuName: Buffer | undefined;
      let gnuLink: Buffer | undefined;
      let extended = false;
      let h: RawHeader;
      // Extension headers, then the entry's own header.
      for (; ;) {
        const at = r.offset;
        const block = await r.read(BLOCK_SIZE);
        if (block.length < BLOCK_SIZE) {
          throw badLayer(`tar archive at offset ${at}`, block.length === 0 && !extended
            ? 'ends without the end-of-archive blocks (truncated?)'
            : 'ends in the middle of a header (truncated)');
        }
        if (isZeroBlock(block)) {
          if (extended) throw badLayer(`tar entry at offset ${offset}`, 'extension headers are followed by the end of the archive');
          const second = await r.read(BLOCK_SIZE);
          if (second.length < BLOCK_SIZE) throw badLayer(`tar archive at offset ${at}`, 'ends after a single zero block (truncated?)');
          if (!isZeroBlock(second)) throw badLayer(`tar archive at offset ${at}`, 'a lone zero block inside the archive');
          return;
        }
        const where = `tar header at offset ${at}`;
        try {
          if (!checksumMatches(block)) throw badLayer(where, 'bad header checksum (corrupt archive, or not a tar archive)');
          h = parseHeader(block);
        } catch (err) {
          if (err instanceof HeaderFieldError) throw badLayer(where, err.message);
          throw err;
        }
        const flag = h.typeflag;
        if (!EXTENSION_TYPES.has(flag)) break;
        extended = true;
        const what = `tar ${flag === 'x' || flag === 'g' ? 'pax' : 'GNU long-name'} header at offset ${at}`;
        if (h.size > MAX_SPECIAL_HEADER) throw badLayer(what, `claims ${h.size} bytes (more than the ${MAX_SPECIAL_HEADER}-byte limit)`);
        const data = await r.read(h.size);
        if (data.length < h.size || (await r.skip(padding(h.size))) < padding(h.size)) throw badLayer(what, 'ends early (truncated archive)');
        try {
          if (flag === 'x') applyPaxRecords(parsePaxRecords(data), local);
          else if (flag === 'g') { const recs = parsePaxRecords(data); applyPaxRecords(recs, globals); applyPaxRecords(recs, local); }
          else if (flag === 'L') gnuName = longName(data, what);
          else gnuLink = longName(data, what);
        } catch (err) {
          if (err instanceof PaxFormatError) throw badLayer(what, err.message);
          throw err;
        }
      }

      const rawName = gnuName ?? local.path ?? h.name;
      const where = `tar entry ${quotePath(decodePathBytes(rawName))} at offset ${offset}`;
      if (rawName.includes(0)) throw badLayer(where, 'the name holds a NUL byte');
      if (REFUSED_TYPES[h.typeflag]) throw badLayer(where, `${REFUSED_TYPES[h.typeflag]} is not supported`);
      if (h.typeflag === 'V') { // a volume label: no file, skip its data
        const n = h.size + padding(h.size);
        if ((await r.skip(n)) < n) throw badLayer(where, 'ends early (truncated archive)');
        continue;
      }
      let type = TYPES[h.typeflag];
      if (!type) throw badLayer(where, `unknown entry type ${JSON.stringify(h.typeflag)} (header name ${nameOf(h)})`);
      if (type === 'file' && rawName[rawName.length - 1] === 0x2f && h.typeflag !== '7') type = 'dir'; // old tars mark directories by the slash
      const dataSize = local.size ?? h.size;
      const linkRaw = gnuLink ?? local.linkpath ?? h.linkname;
      if (linkRaw.includes(0)) throw badLayer(where, 'the link target holds a NUL byte');
      const uname = local.uname ?? h.uname;
      const gname = local.gname ?? h.gname;

      let remaining = dataSize;
      let current = true;
      let started = false;
      const entry: TarEntry = {
        path: decodePathBytes(rawName),
        type,
        mode: h.mode & 0o7777,
        uid: local.uid ?? h.uid,
        gid: local.gid ?? h.gid,
        uname: uname.length ? decodePathBytes(uname) : undefined,
        gname: gname.length ? decodePathBytes(gname) : undefined,
        size: type === 'file' ? dataSize : 0,
        mtime: local.mtime ?? h.mtime,
        linkpath: type === 'symlink' || type === 'hardlink' ? decodePathBytes(linkRaw) : undefined,
        devmajor: local.devmajor ?? h.devmajor,
        devminor: local.devminor ?? h.devminor,
        xattrs: mergedXattrs(local),
        offset,
        body: () => {
          if (!current || started) throw new Error(`${where}: body() can be read once, before the next entry`);
          started = true;
          return (async function* () {
            if (type !== 'file') return;
            for await (const chunk of r.stream(remaining)) {
              remaining -= chunk.length;
              yield chunk;
            }
            if (remaining > 0) throw badLayer(where, `content ends ${remaining} bytes early (truncated archive)`);
          })();
        },
      };
      yield entry;
      current = false;
      const rest = remaining + padding(dataSize);
      if ((await r.skip(rest)) < rest) throw badLayer(where, 'content ends early (truncated archive)');
    }
  } finally {
    await r.close();
  }
}
