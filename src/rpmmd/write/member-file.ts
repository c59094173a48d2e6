/**
 * A gzip document written as a series of gzip members (RFC 1952 2.2: "a gzip file
 * consists of a series of members"; zlib's gzread, librepo, libsolv, dnf, Python and
 * `zcat` read them all as one stream). Each member is compressed on its own, on libuv's
 * thread pool, several at once, and written in order; a member can also be bytes
 * compressed earlier (a run of packages unchanged since the last generation), checked by
 * inflating them (gzip's crc32 and length) before they are written again.
 *
 * A member's bytes depend only on its text (zlib level 6, gzip header with no name and
 * mtime 0): a member reused from a previous generation is the very member compressing
 * the same text again would give, so the output never depends on what was reused or on
 * timing. The file is created exclusively and synced before `close` returns.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { constants, gunzip, gzip } from 'node:zlib';
import { GZIP_LEVEL } from './compressor.js';
import type { MetadataFileInfo } from './metadata-file.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Members compressed (or checked) ahead of the one being written: memory stays a few of them. */
const AHEAD = 8;

/** A member's compressed bytes and its text. */
export interface MemberBytes { compressed: Buffer; open: Buffer }

/** Where a member landed in its file. */
export interface MemberPlace { offset: number; length: number }

/** Compresses `text` into one member, on the thread pool. */
export async function compressMember(text: Buffer): Promise<MemberBytes> {
  return { compressed: await gzipAsync(text, { level: GZIP_LEVEL, strategy: constants.Z_DEFAULT_STRATEGY }), open: text };
}

/** A member compressed earlier, with its text: rejects when it does not inflate whole (damaged). */
export async function checkedMember(compressed: Buffer): Promise<MemberBytes> {
  return { compressed, open: await gunzipAsync(compressed) };
}

export class MemberFile {
  private readonly hash = createHash('sha256');
  private readonly openHash = createHash('sha256');
  private size = 0;
  private openSize = 0;
  private readonly places: MemberPlace[] = [];
  /** Each member's write, in order: resolved once it is in the file. */
  private readonly done: Array<Promise<void>> = [];
  private written: Promise<void> = Promise.resolve();

  private constructor(readonly path: string, private readonly fh: FileHandle) {}

  static async create(path: string): Promise<MemberFile> {
    return new MemberFile(path, await open(path, 'wx'));
  }

  /** Appends a member (being compressed or checked); waits while more than AHEAD are not yet written. */
  async push(member: Promise<MemberBytes>): Promise<void> {
    member.catch(() => { /* reported when its turn comes */ });
    const written = this.written = this.written.then(async () => this.append(await member));
    written.catch(() => { /* close() reports it */ });
    this.done.push(written);
    if (this.done.length > AHEAD) await this.done[this.done.length - 1 - AHEAD];
  }

  private async append(m: MemberBytes): Promise<void> {
    this.openHash.update(m.open);
    this.openSize += m.open.length;
    this.hash.update(m.compressed);
    this.places.push({ offset: this.size, length: m.compressed.length });
    let at = 0;
    while (at < m.compressed.length) at += (await this.fh.write(m.compressed, at, m.compressed.length - at, this.size + at)).bytesWritten;
    this.size += m.compressed.length;
  }

  /** Writes what is queued, syncs the file and returns its checksums, sizes and members' places. */
  async close(): Promise<MetadataFileInfo & { members: MemberPlace[] }> {
    try {
      await this.written;
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
    return {
      path: this.path, checksum: this.hash.digest('hex'), size: this.size,
      openChecksum: this.openHash.digest('hex'), openSize: this.openSize, members: this.places,
    };
  }

  /** Stops: what is queued is dropped and the file closed (the caller removes its directory). */
  async abort(): Promise<void> {
    await this.written.catch(() => undefined);
    await this.fh.close().catch(() => undefined);
  }
}
