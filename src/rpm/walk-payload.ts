/**
 * Streams an rpm's payload: decompresses it, walks the cpio archive, checks every entry
 * against the header's file list (known path, no duplicates, sizes, link targets, file
 * digests) and the payload digests the package carries, and hands each regular file's
 * bytes to a sink. Nothing is trusted until the whole payload has been read: the caller
 * commits what the sink staged only after this resolves.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, pipeline } from 'node:stream';
import { decompressStream, sniffCompression } from '../compress/index.js';
import type { CompressionKind } from '../compress/index.js';
import { BazaarError, isBazaarError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { finishCpioEntry, nextCpioEntry } from './cpio.js';
import type { PackageFile, PackageMeta } from './package-meta.js';
import type { RpmPackageFile } from './read-rpm.js';
import { hardLinkSets } from './hardlink-sets.js';
import { DIGEST_ALGOS, FileFlag, SigTag, Tag } from './tags.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** Receives one regular file's bytes. */
export interface FileSink {
  write(chunk: Buffer): void | Promise<void>;
  end(): Promise<void>;
}

export interface PayloadSink {
  /** Called once per regular file that carries content in the payload. */
  file(index: number, file: PackageFile): FileSink | Promise<FileSink>;
  /**
   * The sink hashes every file with sha256 itself and checks the header's sha256 digests
   * (throwing digestMismatch): the walk then does not hash those files a second time.
   */
  checksSha256?: boolean;
}

/** The error for a file whose content does not match the digest its header gives. */
export function digestMismatch(where: string, file: PackageFile, algo: string, got: string): BazaarError {
  return new BazaarError('ERR_RPM_DIGEST_MISMATCH', `${where}: ${file.path} does not match its ${algo} digest in the header (${file.digest}, payload has ${got})`, { data: { path: file.path } });
}

export interface PayloadWalk {
  /** Header indexes of regular files whose bytes were given to the sink. */
  stored: Set<number>;
  /** Hard links whose content the payload gives once: `index` has the bytes of `sameAs`. */
  links: Array<{ index: number; sameAs: number }>;
  compression: CompressionKind;
}

function payloadError(where: string, message: string, data: Record<string, unknown> = {}, cause?: unknown): BazaarError {
  return new BazaarError('ERR_RPM_PAYLOAD', `${where}: ${message}`, { data, cause });
}

async function sniffPayload(rpm: RpmPackageFile): Promise<CompressionKind> {
  const fh = await open(rpm.path, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, rpm.payloadOffset);
    const kind = sniffCompression(head.subarray(0, bytesRead));
    if (kind) return kind;
    if (head.subarray(0, 5).toString('latin1') === '07070') return 'none';
    if (bytesRead === 0) throw new BazaarError('ERR_RPM_TRUNCATED', `${rpm.path}: the payload is missing`);
    throw payloadError(String(rpm.path), 'payload is in an unknown compression format');
  } finally {
    await fh.close();
  }
}

/** Hashes the compressed payload as it passes: rpm's PAYLOADDIGEST and the header+payload MD5. */
function digestTap(rpm: RpmPackageFile): { tap: Transform; check(): void } {
  const algoNumber = rpm.header.number(Tag.PAYLOADDIGESTALGO) ?? 8;
  const wantPayload = rpm.header.strings(Tag.PAYLOADDIGEST)?.[0];
  const wantMd5 = rpm.signature.binary(SigTag.MD5);
  const payloadHash: Hash | null = wantPayload && DIGEST_ALGOS[algoNumber] ? createHash(DIGEST_ALGOS[algoNumber]) : null;
  const md5: Hash | null = wantMd5 ? createHash('md5').update(rpm.header.bytes) : null;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) { payloadHash?.update(chunk); md5?.update(chunk); cb(null, chunk); },
  });
  return {
    tap,
    check() {
      if (payloadHash && wantPayload) {
        const got = payloadHash.digest('hex');
        if (got !== wantPayload.toLowerCase()) throw new BazaarError('ERR_RPM_DIGEST_MISMATCH', `${rpm.path}: payload digest mismatch (package says ${wantPayload}, payload hashes to ${got}): the package is damaged`, { data: { path: rpm.path } });
      }
      if (md5 && wantMd5) {
        const got = md5.digest('hex');
        const want = Buffer.from(wantMd5).toString('hex');
        if (got !== want) throw new BazaarError('ERR_RPM_DIGEST_MISMATCH', `${rpm.path}: header+payload MD5 mismatch (package says ${want}, file hashes to ${got}): the package is damaged`, { data: { path: rpm.path } });
      }
    },
  };
}

/**
 * For files in hard-link sets, the index of the set member whose entry carries the bytes:
 * the last one, as rpm writes them.
 */
function hardLinkCarriers(files: PackageFile[]): Map<number, number> {
  const carriers = new Map<number, number>();
  for (const set of hardLinkSets(files)) {
    for (const i of set) carriers.set(i, set[set.length - 1]);
  }
  return carriers;
}

/** Walks the payload; see the module comment. */
export async function walkPayload(rpm: RpmPackageFile, meta: PackageMeta, sink: PayloadSink): Promise<PayloadWalk> {
  const where = String(rpm.path);
  const compression = await sniffPayload(rpm);
  const byPath = new Map<string, number>();
  meta.files.forEach((f, i) => byPath.set(f.path.replace(/^\/+/, ''), i));
  const linkCarriers = hardLinkCarriers(meta.files);
  const { tap, check } = digestTap(rpm);
  // a decoder's complaint (a flipped bit: "incorrect data check") is a bad package
  const decoder = decompressStream(compression, (message, cause) => payloadError(where, `the payload's ${message}`, {}, cause));
  const decoded = pipeline(createReadStream(rpm.path, { start: rpm.payloadOffset, highWaterMark: 1 << 20 }), tap, decoder, () => {});
  const reader = new ByteReader(decoded as AsyncIterable<Buffer>);
  const seen = new Set<number>();
  const stored = new Set<number>();
  const placeholders: number[] = [];
  const short = (): Error => payloadError(where, 'payload ends in the middle of a file');
  try {
    for (; ;) {
      const entry = await nextCpioEntry(reader);
      if (!entry) break;
      const index = entry.fileIndex ?? byPath.get(entry.name);
      if (index === undefined || index >= meta.files.length) {
        throw payloadError(where, `payload holds "${entry.name || `#${entry.fileIndex}`}", which the header does not list`, { entry: entry.name });
      }
      if (seen.has(index)) throw payloadError(where, `payload holds ${meta.files[index].path} twice`);
      seen.add(index);
      const file = meta.files[index];
      if (entry.fileIndex !== null) {
        // Stripped entries carry no size: the header gives it, except that a hard-link
        // set's bytes come only with its carrier (rpm's rpmfiArchiveHasContent).
        const carrier = linkCarriers.get(index);
        entry.size = carrier === undefined || carrier === index ? file.size : 0;
        entry.mode = file.mode;
      }
      if ((entry.mode & S_IFMT) !== (file.mode & S_IFMT)) throw payloadError(where, `${file.path} has a different file type in the payload than in the header`);
      const type = file.mode & S_IFMT;
      if (type === S_IFREG) {
        if (entry.size === 0 && file.size > 0) {
          placeholders.push(index); // a hard link whose bytes come with another name
        } else {
          if (entry.size !== file.size) throw payloadError(where, `${file.path} is ${entry.size} bytes in the payload but ${file.size} in the header`);
          const algo = meta.fileDigestAlgo;
          const hash = file.digest && !(sink.checksSha256 && algo === 'sha256') ? createHash(algo) : null;
          const out = await sink.file(index, file);
          for await (const chunk of reader.chunks(entry.size, short)) {
            hash?.update(chunk);
            await out.write(chunk);
          }
          await out.end();
          const got = hash?.digest('hex');
          if (got !== undefined && got !== file.digest.toLowerCase()) throw digestMismatch(where, file, algo, got);
          stored.add(index);
        }
      } else if (type === S_IFLNK) {
        const target = await reader.read(entry.size);
        if (!target) throw short();
        if (target.toString('utf8') !== file.linkto && entry.size > 0) throw payloadError(where, `symlink ${file.path} points to "${target}" in the payload but "${file.linkto}" in the header`);
      } else if (entry.size !== 0) {
        await reader.skip(entry.size, short);
      }
      await finishCpioEntry(reader, entry);
    }
    // Drain what follows the trailer (block padding) so the digests cover the whole payload.
    for await (const _ of decoded as AsyncIterable<Buffer>) { /* discard */ }
  } catch (err) {
    decoded.destroy();
    // the cpio reader knows offsets, not files: say which package
    if (isBazaarError(err, 'ERR_RPM_PAYLOAD') && !err.message.startsWith(`${where}: `)) throw payloadError(where, err.message, err.data, err);
    throw err;
  }
  check();

  const links: Array<{ index: number; sameAs: number }> = [];
  for (const index of placeholders) {
    const f = meta.files[index];
    const sameAs = [...stored].find((j) => meta.files[j].inode === f.inode && meta.files[j].device === f.device);
    if (sameAs === undefined) throw payloadError(where, `hard link ${f.path} has no content anywhere in the payload`);
    links.push({ index, sameAs });
  }
  meta.files.forEach((f, i) => {
    if ((f.mode & S_IFMT) === S_IFREG && !(f.flags & FileFlag.GHOST) && !seen.has(i)) {
      throw payloadError(where, `payload lacks ${f.path}, which the header lists`);
    }
  });
  return { stored, links, compression };
}
