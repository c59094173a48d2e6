/**
 * The small files of a copy checkout, gathered to be read and decoded many at a time
 * (`ObjectReader.readManyVerified`: one pack read and one native zstd call for up to a
 * MiB of them, each content hashed against its id). Read one by one, every file cost
 * its own hops to libuv's pool and back (decode, hash, write: ~28 µs each), most of a
 * copy checkout's CPU beyond the file system's (docs/checkout.md#checkout).
 */
import type { ObjectId, ObjectReader } from '../store/index.js';

/** Files up to this size are gathered; a larger one is worth its own native call. */
export const BATCH_FILE_MAX = 64 << 10;
/** A batch is read once it holds this many bytes (the decoder's limit per call) or files. */
const BATCH_BYTES = 1 << 20;
const BATCH_FILES = 128;
/** Stored bytes read at most for a file the tree says is small (zstd's worst case stays far below): a wrong size costs no memory. */
const STORED_MAX = 2 * BATCH_FILE_MAX;

export interface BatchedFile { file: { id: ObjectId; size: number } }

export class SmallFileBatch<J extends BatchedFile> {
  private jobs: J[] = [];
  private bytes = 0;

  constructor(private readonly objects: ObjectReader) {}

  static fits(size: number): boolean { return size <= BATCH_FILE_MAX; }

  /** Adds `job`; when that fills the batch, its jobs (to `read`), and the batch starts afresh. */
  add(job: J): J[] | null {
    this.jobs.push(job);
    this.bytes += job.file.size;
    return this.bytes >= BATCH_BYTES || this.jobs.length >= BATCH_FILES ? this.take() : null;
  }

  /** The jobs gathered so far (possibly none); the batch starts afresh. */
  take(): J[] {
    const jobs = this.jobs;
    this.jobs = [];
    this.bytes = 0;
    return jobs;
  }

  /**
   * The contents of `jobs`' objects, in their order, each hashed to its id just now; null
   * where this did not verify one (absent, damaged, stored larger than a small file can
   * be): the caller reads that one the one-object way, whose error names what is wrong.
   */
  read(jobs: readonly J[]): Promise<Array<Buffer | null>> {
    return this.objects.readManyVerified(jobs.map((j) => j.file.id), STORED_MAX);
  }
}
