/**
 * Objects in an S3 bucket (issue 22, docs/engines.md): Ceph's RADOS Gateway, MinIO, AWS.
 * Each object is one key, `objects/ab/<62 hex>` as a loose file of the file backend, with
 * the same encoded bytes (objects.ts encodes and verifies; this knows no hashing).
 *
 * Writes are content-addressed and never overwrite: a small object (held in memory by its
 * slot) is put at its id with `If-None-Match: *`, and a 412 means it was there already,
 * which is fine. A large one is uploaded while it is written, by multipart upload, to
 * `staging/<token>`, a key no reader lists, and its commit copies it under its id (again
 * `If-None-Match: *`) and deletes the staged key. Only a `loose` slot (a repair replacing a
 * damaged copy) writes over what is there. Reads of large objects are ranged GETs.
 *
 * gc on one host must not delete what a writer on another host has just staged or
 * committed but not yet referenced from a state: the same rule as containerd's content
 * store, a grace period. An object whose LastModified is younger than the grace period
 * (default a day, far longer than any transaction) is never collected, reachable or not;
 * staged keys and unfinished multipart uploads are removed only once older than it
 * (`sweepStaging`). An object that a writer found already present (a 412 here) has its
 * LastModified renewed (`touch`: copied onto itself), so an old unreferenced object that
 * a new transaction is about to reference counts as fresh again. An object the store
 * skips writing because `has` said so is the store's to re-check under its lock before
 * its state commit (`missing`, a batched presence check), since no write here renewed it.
 */
import { randomUUID } from 'node:crypto';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand,
  CreateMultipartUploadCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand,
  HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { BazaarError } from '../errors.js';
import { engineError } from './engine-error.js';
import { isObjectId } from './layout.js';
import type { ObjectId } from './layout.js';
import type { ListedObject, ObjectBackend, StagedObject, WriteSlot } from './object-backend.js';
import { TaskPool } from './task-pool.js';

export interface S3ObjectOptions {
  bucket: string;
  /** The gateway (http://127.0.0.1:PORT); absent: AWS's own endpoints. */
  endpoint?: string;
  /** Default AWS_REGION, else us-east-1 (Ceph ignores it but signatures name one). */
  region?: string;
  /** Keys under this prefix (several stores in one bucket); '' or ending in '/'. */
  prefix?: string;
  /** Default AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Bytes per multipart part and per ranged read (default 8 MiB; S3's least part is 5 MiB). */
  partSize?: number;
  /** gc's grace period (default GC_GRACE_MS; 0 in tests that force gc against writers). */
  gcGraceMs?: number;
}

/** A day: far longer than any transaction; see the comment at the top. */
export const GC_GRACE_MS = 24 * 3600 * 1000;
/** A single CopyObject copies at most this; beyond, the copy goes part by part. */
const COPY_MAX = 5 * 1024 ** 3;
const MAX_PARTS = 10_000;
/** Small slots held in memory, all together, at most; beyond, they are staged in the bucket. */
const MEMORY_MAX = 64 << 20;
/** Requests in flight per commit or delete. */
const PARALLEL = 8;
/** HEADs in flight for a presence check. */
const PRESENCE_PARALLEL = 32;

/** A 404 of any kind: no such key, no such upload. */
function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.$metadata?.httpStatusCode === 404 || e?.name === 'NoSuchKey' || e?.name === 'NotFound';
}
function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.$metadata?.httpStatusCode === 412 || e?.name === 'PreconditionFailed';
}
function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** A slot: bytes in memory until they exceed a part, then a multipart upload to staging/<token>. */
class S3Slot implements WriteSlot {
  readonly token: string;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private upload: { id: string; parts: { PartNumber: number; ETag: string }[] } | null = null;
  /** The bytes are whole at the staging key (a finished upload, or a small one put there). */
  staged = false;
  size = 0;
  done = false;

  constructor(private readonly backend: S3ObjectBackend, readonly loose: boolean) {
    this.token = `${Date.now().toString(36)}-${randomUUID()}`;
  }

  get key(): string { return this.backend.stagingKey(this.token); }
  get inMemory(): boolean { return this.upload === null && !this.staged; }

  /** The bytes held, for a put at the id (a small object). */
  bytes(): Buffer { return Buffer.concat(this.held, this.heldBytes); }

  writeWhole(chunk: Uint8Array): void { this.hold(chunk); }

  async append(chunk: Uint8Array): Promise<void> {
    this.hold(chunk);
    while (this.heldBytes >= this.backend.partSize) await this.sendPart(this.backend.partSize);
  }

  private hold(chunk: Uint8Array): void {
    if (this.done) throw new Error(`slot ${this.token} was already committed or discarded`);
    const b = Buffer.from(chunk);
    this.held.push(b);
    this.heldBytes += b.length;
    this.size += b.length;
    this.backend.memoryHeld += b.length;
  }

  private take(n: number): Buffer {
    const all = this.bytes();
    const part = all.subarray(0, n);
    const rest = all.subarray(n);
    this.held = rest.length ? [Buffer.from(rest)] : [];
    this.backend.memoryHeld -= part.length;
    this.heldBytes = rest.length;
    return part;
  }

  private async sendPart(n: number): Promise<void> {
    const s3 = this.backend.client;
    if (this.upload === null) {
      const r = await this.backend.call('starting an upload', () => s3.send(new CreateMultipartUploadCommand({ Bucket: this.backend.bucket, Key: this.key })));
      this.upload = { id: r.UploadId!, parts: [] };
    }
    const number = this.upload.parts.length + 1;
    if (number > MAX_PARTS) throw new BazaarError('ERR_TOO_LARGE', `an object larger than ${MAX_PARTS} parts of ${this.backend.partSize} bytes cannot be stored in ${this.backend.label}`);
    const body = this.take(n);
    const upload = this.upload;
    const r = await this.backend.call('uploading a part', () => s3.send(new UploadPartCommand({ Bucket: this.backend.bucket, Key: this.key, UploadId: upload.id, PartNumber: number, Body: body })));
    upload.parts.push({ PartNumber: number, ETag: r.ETag! });
  }

  /** Finishes the bytes: a started upload is completed; a small slot stays in memory unless memory is short. */
  async close(): Promise<void> {
    if (!this.done) await this.finish();
  }

  /** close(), also for a slot its commit has taken (one written by writeWhole is never closed). */
  async finish(): Promise<void> {
    if (this.staged) return;
    if (this.upload !== null) {
      if (this.heldBytes > 0 || this.upload.parts.length === 0) await this.sendPart(this.heldBytes);
      const upload = this.upload;
      await this.backend.call('finishing an upload', () => this.backend.client.send(new CompleteMultipartUploadCommand({ Bucket: this.backend.bucket, Key: this.key, UploadId: upload.id, MultipartUpload: { Parts: upload.parts } })));
      this.upload = null;
      this.staged = true;
    } else if (this.backend.memoryHeld > MEMORY_MAX) {
      const body = this.take(this.heldBytes);
      await this.backend.call('staging an object', () => this.backend.client.send(new PutObjectCommand({ Bucket: this.backend.bucket, Key: this.key, Body: body })));
      this.staged = true;
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.backend.memoryHeld -= this.heldBytes;
    this.held = [];
    this.heldBytes = 0;
    const s3 = this.backend.client;
    if (this.upload !== null) {
      const upload = this.upload;
      this.upload = null;
      await this.backend.call('abandoning an upload', () => s3.send(new AbortMultipartUploadCommand({ Bucket: this.backend.bucket, Key: this.key, UploadId: upload.id }))).catch(() => {});
    }
    if (this.staged) await this.backend.call('removing a staged object', () => s3.send(new DeleteObjectCommand({ Bucket: this.backend.bucket, Key: this.key }))).catch(() => {});
  }
}

export class S3ObjectBackend implements ObjectBackend {
  readonly kind = 's3';
  /** commitOne's PUT carries If-None-Match: a HEAD before each small write would double its requests */
  readonly keepsExisting = true;
  readonly label: string;
  readonly bucket: string;
  readonly partSize: number;
  readonly client: S3Client;
  /** gc keeps an unreferenced object this long after its last write (see the top). */
  readonly gcGraceMs: number;
  /** Bytes held by small slots of this backend (MEMORY_MAX). */
  memoryHeld = 0;
  private readonly prefix: string;
  private readonly secrets: string[];
  private readonly slots = new Map<string, S3Slot>();

  constructor(options: S3ObjectOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) throw new BazaarError('ERR_BAD_INPUT', `${JSON.stringify(options.bucket)} is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and dashes)`);
    const prefix = options.prefix ?? '';
    if (prefix !== '' && (!prefix.endsWith('/') || prefix.startsWith('/'))) throw new BazaarError('ERR_BAD_INPUT', `key prefix ${JSON.stringify(prefix)} must end with / and not start with one`);
    const accessKeyId = options.credentials?.accessKeyId ?? process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = options.credentials?.secretAccessKey ?? process.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) throw new BazaarError('ERR_USAGE', 'S3 credentials are missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    this.bucket = options.bucket;
    this.prefix = prefix;
    this.partSize = Math.max(options.partSize ?? 8 << 20, 5 << 20);
    this.gcGraceMs = options.gcGraceMs ?? GC_GRACE_MS;
    this.secrets = [secretAccessKey, accessKeyId];
    const endpoint = options.endpoint === undefined ? '' : options.endpoint.replace(/\/+$/, '');
    this.label = `s3://${this.bucket}/${prefix}${endpoint ? ` at ${endpoint.replace(/\/\/[^@/]*@/, '//')}` : ''}`;
    // The SDK warns on stderr, once per process, that Node 20 will lose its support (a
    // later version: package.json pins this one); a bazaar user can do nothing about it.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      credentials: { accessKeyId, secretAccessKey },
      // Ceph's gateway knows Content-MD5, not the SDK's newer trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    });
  }

  objectKey(id: ObjectId): string {
    const hex = id.slice(7);
    return `${this.prefix}objects/${hex.slice(0, 2)}/${hex.slice(2)}`;
  }
  stagingKey(token: string): string { return `${this.prefix}staging/${token}`; }

  /** Runs one request; any failure but the ones a caller handles becomes ERR_STORE_UNAVAILABLE with the keys cut out. */
  async call<T>(what: string, request: () => Promise<T>, handles: (err: unknown) => boolean = () => false): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof BazaarError || handles(err)) throw err;
      const code = status(err);
      throw engineError(this.label, `${what}${code ? ` (HTTP ${code})` : ''}`, err, this.secrets);
    }
  }

  /** Creates the bucket when absent (init, attach). */
  async ensureBucket(): Promise<void> {
    try {
      await this.call('looking for the bucket', () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })), isNotFound);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.call('creating the bucket', () => this.client.send(new CreateBucketCommand({ Bucket: this.bucket })), (e) => (e as { name?: string }).name === 'BucketAlreadyOwnedByYou');
    }
  }

  private async head(id: ObjectId): Promise<{ size: number; lastModified: Date } | null> {
    try {
      const r = await this.call(`looking for ${id}`, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(id) })), isNotFound);
      return { size: r.ContentLength ?? 0, lastModified: r.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async has(id: ObjectId): Promise<boolean> { return (await this.head(id)) !== null; }

  /**
   * The ids of `ids` that are not in the bucket, asked together: HEADs in parallel (S3
   * has no multi-key HEAD; listing a fan-out prefix costs more than a few hundred HEADs
   * once a store is large). For a writer checking, under its lock, the objects it
   * skipped because they were there (the grace period above).
   */
  async missing(ids: readonly ObjectId[]): Promise<ObjectId[]> {
    const absent = new Set<ObjectId>();
    const pool = new TaskPool(PRESENCE_PARALLEL);
    for (const id of new Set(ids)) await pool.add(async () => { if (!(await this.has(id))) absent.add(id); });
    await pool.drain();
    return ids.filter((id) => absent.has(id));
  }
  async storedSize(id: ObjectId): Promise<number | null> { return (await this.head(id))?.size ?? null; }

  async readWhole(id: ObjectId): Promise<Buffer | null> {
    try {
      return await this.call(`reading ${id}`, async () => {
        const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(id) }));
        return Buffer.from(await r.Body!.transformToByteArray());
      }, isNotFound);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Ranged GETs of a part's size each; the first one tells the total (and whether the object is there). */
  async readStream(id: ObjectId): Promise<AsyncIterable<Buffer> | null> {
    const key = this.objectKey(id);
    const step = this.partSize;
    const range = (from: number) => this.call(`reading ${id}`, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${from}-${from + step - 1}` })), (e) => isNotFound(e) || status(e) === 416);
    let first;
    try {
      first = await range(0);
    } catch (err) {
      if (isNotFound(err)) return null;
      if (status(err) === 416) return (async function* empty() {})();
      throw err;
    }
    const total = Number(/\/(\d+)$/.exec(first.ContentRange ?? '')?.[1] ?? first.ContentLength ?? 0);
    const etag = first.ETag;
    const backend = this;
    return (async function* ranges() {
      let body = first.Body as AsyncIterable<Uint8Array>;
      for (let from = 0; ;) {
        for await (const chunk of body) yield Buffer.from(chunk);
        from += step;
        if (from >= total) return;
        // the same object throughout (a repair may replace a damaged copy meanwhile)
        const r = await backend.call(`reading ${id}`, () => backend.client.send(new GetObjectCommand({ Bucket: backend.bucket, Key: key, Range: `bytes=${from}-${from + step - 1}`, ...(etag ? { IfMatch: etag } : {}) })));
        body = r.Body as AsyncIterable<Uint8Array>;
      }
    })();
  }

  async createSlot(options: { loose?: boolean } = {}): Promise<WriteSlot> {
    const slot = new S3Slot(this, options.loose === true);
    this.slots.set(slot.token, slot);
    return slot;
  }

  private slotOf(s: StagedObject): S3Slot {
    const slot = s.slot === null ? undefined : this.slots.get(s.slot);
    if (slot === undefined || slot.done) throw new Error(`slot ${s.slot} was never written or already committed`);
    return slot;
  }

  /**
   * Puts each slot's bytes under its id: small ones by one conditional PUT, staged ones by
   * a conditional copy and the staged key's removal. Visible once this returns; S3 keeps
   * what it acknowledged, so there is nothing to sync (false).
   */
  async commit(staged: readonly StagedObject[]): Promise<boolean> {
    const all = staged.filter((s) => s.slot !== null).map((s) => ({ s, slot: this.slotOf(s) }));
    // the same bytes staged twice in one commit (a file two packages share) are put once:
    // the second PUT would only meet the first's 412 and renew it
    const ids = new Set<ObjectId>();
    const mine: typeof all = [];
    for (const entry of all) {
      if (ids.has(entry.s.id)) { this.slots.delete(entry.slot.token); await entry.slot.abort(); continue; }
      ids.add(entry.s.id);
      mine.push(entry);
    }
    for (const { slot } of mine) slot.done = true;
    const pool = new TaskPool(PARALLEL);
    for (const { s, slot } of mine) await pool.add(() => this.commitOne(s.id, slot));
    try { await pool.drain(); } finally { for (const { slot } of mine) this.slots.delete(slot.token); }
    return false;
  }

  private async commitOne(id: ObjectId, slot: S3Slot): Promise<void> {
    const key = this.objectKey(id);
    const ifAbsent = slot.loose ? {} : { IfNoneMatch: '*' };
    if (slot.inMemory) {
      const body = slot.bytes();
      this.memoryHeld -= body.length;
      try {
        await this.call(`writing ${id}`, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ...ifAbsent })), isPreconditionFailed);
      } catch (err) {
        if (!isPreconditionFailed(err)) throw err;
        await this.touch(id);
      }
      return;
    }
    await slot.finish();
    try {
      if (!slot.loose && (await this.has(id))) { await this.touch(id); return; }
      await this.copy(slot.key, key, slot.size, `writing ${id}`, ifAbsent);
    } catch (err) {
      if (!isPreconditionFailed(err)) throw err;
      await this.touch(id);
    } finally {
      await this.call('removing a staged object', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: slot.key }))).catch(() => {});
    }
  }

  /** A server-side copy: one request up to 5 GiB, else part by part. */
  private async copy(from: string, to: string, size: number, what: string, extra: { IfNoneMatch?: string; MetadataDirective?: 'REPLACE' } = {}): Promise<void> {
    const source = `${this.bucket}/${from}`;
    if (size <= COPY_MAX) {
      await this.call(what, () => this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: encodeURI(source), ...extra })), isPreconditionFailed);
      return;
    }
    const r = await this.call(what, () => this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to })));
    const uploadId = r.UploadId!;
    const parts: { PartNumber: number; ETag: string }[] = [];
    const step = Math.max(this.partSize, Math.ceil(size / MAX_PARTS), 1 << 30);
    try {
      for (let at = 0, n = 1; at < size; at += step, n++) {
        const p = await this.call(what, () => this.client.send(new UploadPartCopyCommand({ Bucket: this.bucket, Key: to, UploadId: uploadId, PartNumber: n, CopySource: encodeURI(source), CopySourceRange: `bytes=${at}-${Math.min(at + step, size) - 1}` })));
        parts.push({ PartNumber: n, ETag: p.CopyPartResult!.ETag! });
      }
      await this.call(what, () => this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...(extra.IfNoneMatch ? { IfNoneMatch: extra.IfNoneMatch } : {}) })), isPreconditionFailed);
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId: uploadId })).catch(() => {});
      throw err;
    }
  }

  /**
   * Renews an object's LastModified (a copy onto itself with its metadata replaced), so
   * gc's grace period counts from now: a writer that found the object present is about
   * to reference it. An object gone meanwhile is no error (the writer's bytes were equal).
   */
  async touch(id: ObjectId): Promise<void> {
    const key = this.objectKey(id);
    const at = await this.head(id);
    if (at === null) return;
    try {
      await this.copy(key, key, at.size, `renewing ${id}`, { MetadataDirective: 'REPLACE' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async discard(staged: readonly StagedObject[]): Promise<void> {
    for (const s of staged) {
      const slot = s.slot === null ? undefined : this.slots.get(s.slot);
      if (slot === undefined) continue;
      this.slots.delete(slot.token);
      await slot.abort();
    }
  }

  /** DeleteObjects, a thousand keys a request (S3's most); a key not there is no error. */
  async deleteAll(ids: readonly ObjectId[]): Promise<void> {
    for (let at = 0; at < ids.length; at += 1000) {
      const batch = ids.slice(at, at + 1000);
      const r = await this.call(`deleting ${batch.length} objects`, () => this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Quiet: true, Objects: batch.map((id) => ({ Key: this.objectKey(id) })) } })));
      const failed = (r.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length) throw engineError(this.label, `deleting ${failed.length} objects`, new Error(`${failed[0].Key}: ${failed[0].Code ?? ''} ${failed[0].Message ?? ''}`), this.secrets);
    }
  }

  /** Every key under `prefix`, page by page (ListObjectsV2, in key order). */
  private async *keys(prefix: string): AsyncGenerator<{ key: string; lastModified: Date; size: number }> {
    let token: string | undefined;
    do {
      const r = await this.call('listing objects', () => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) })));
      for (const o of r.Contents ?? []) yield { key: o.Key!, lastModified: o.LastModified ?? new Date(0), size: o.Size ?? 0 };
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  /** Every object with its LastModified: what gc needs to apply the grace period. */
  async *listWithTimes(): AsyncGenerator<{ id: ObjectId; lastModified: Date } | { stray: string }> {
    const base = `${this.prefix}objects/`;
    for await (const o of this.keys(base)) {
      const m = /^([0-9a-f]{2})\/([0-9a-f]{62})$/.exec(o.key.slice(base.length));
      const id = m ? `sha256:${m[1]}${m[2]}` : '';
      if (isObjectId(id)) yield { id, lastModified: o.lastModified };
      else yield { stray: o.key };
    }
  }

  async *list(): AsyncGenerator<ListedObject> {
    for await (const o of this.listWithTimes()) yield 'id' in o ? { id: o.id, modified: o.lastModified.getTime() } : o;
  }

  /**
   * Removes staged keys and unfinished multipart uploads older than `graceMs` (left by a
   * writer that died); younger ones may belong to a writer at work on another host.
   * Returns how many were removed.
   */
  async sweepStaging(graceMs = GC_GRACE_MS): Promise<number> {
    const cutoff = Date.now() - graceMs;
    let removed = 0;
    for await (const o of this.keys(`${this.prefix}staging/`)) {
      if (o.lastModified.getTime() >= cutoff) continue;
      await this.call('removing a staged object', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: o.key })));
      removed++;
    }
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    do {
      const r = await this.call('listing unfinished uploads', () => this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: `${this.prefix}staging/`, ...(keyMarker ? { KeyMarker: keyMarker, UploadIdMarker: idMarker } : {}) })));
      for (const u of r.Uploads ?? []) {
        if ((u.Initiated?.getTime() ?? 0) >= cutoff) continue;
        await this.call('abandoning an upload', () => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key!, UploadId: u.UploadId! })), isNotFound).catch((e) => { if (!isNotFound(e)) throw e; });
        removed++;
      }
      keyMarker = r.IsTruncated ? r.NextKeyMarker : undefined;
      idMarker = r.IsTruncated ? r.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return removed;
  }

  /** Test hook: writes bytes under an id unconditionally (damage, as a disk or a bucket could). */
  async corrupt(id: ObjectId, bytes: Buffer): Promise<void> {
    await this.call(`damaging ${id}`, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(id), Body: bytes })));
  }

  /** Closes the connections. */
  close(): void { this.client.destroy(); }
}
