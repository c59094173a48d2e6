/**
 * Turns one .rpm file into staged objects: the original file as a blob (served back
 * byte-identical), its main header as a blob (whose id is the build identity; stored as
 * a range of the .rpm's blob where the backend can, range-records.ts), every file
 * of its payload as a blob, its directories as trees, and a `package` manifest. Nothing
 * becomes visible here; the store commits the staged objects together with the refs, or
 * discards them.
 */
import { createHash } from 'node:crypto';
import { BazaarError } from '../errors.js';
import { digestMismatch, fileCapsXattr, FileFlag, nevraKey, packageMeta, readRpmFile, SigTag, walkPayload } from '../rpm/index.js';
import type { FilePath, PackageFile, PackageMeta, RpmPackageFile } from '../rpm/index.js';
import { fileChunks } from './file-chunks.js';
import { encodeKind } from './kinds/index.js';
import type { ManifestFile, PackageManifest } from './kinds/package.js';
import { insertPath, kindOfMode, writeTrees } from './kinds/tree.js';
import type { PathNode } from './kinds/tree.js';
import { objectIdOf } from './layout.js';
import type { ObjectId } from './layout.js';
import type { ObjectStager } from './object-reader.js';
import type { ObjectStore, StagedObject } from './objects.js';
import { stageJson } from './stage-json.js';
import { TaskPool } from './task-pool.js';

export interface PreparedPackage {
  path: FilePath;
  /** What a build record takes from the header (only that: an add holds one per package until its commit). */
  meta: Pick<PackageMeta, 'epoch' | 'version' | 'release' | 'arch' | 'disttag' | 'buildtime' | 'isSource'>;
  name: string;
  nevra: string;
  /** NEVRA with the epoch always written: its path in branches. */
  key: string;
  /** The header blob: the build identity. */
  header: ObjectId;
  rpm: ObjectId;
  rpmSize: number;
  signatures: string[];
  manifest: ObjectId;
  /** The .rpm blob: kept for a new variant of an existing build. */
  rpmStaged: StagedObject;
  /** The header and file blobs: kept for a new build, or to heal an existing one. */
  blobStaged: StagedObject[];
  /** Trees and the manifest: kept for a new build (or one whose manifest must be replaced). */
  metaStaged: StagedObject[];
}

export interface PrepareOptions {
  /** Objects to write even if they exist (known to be damaged: a re-add heals them). */
  rewrite?: ReadonlySet<ObjectId>;
  /**
   * Store every file of the payload as an object now. Without it, files are hashed (their
   * ids go into the manifest and trees) but stay in the .rpm until a layer first needs
   * them (unpackRpm): a package then costs about its .rpm. A repair always unpacks.
   */
  unpack?: boolean;
}

const FINISH_PARALLEL = 8;

/** Signature header tags that hold a signature, by the name rpm -K shows. */
const SIGNATURE_TAGS: Array<[number, string]> = [
  [SigTag.RSA, 'rsa'], [SigTag.DSA, 'dsa'], [SigTag.PGP, 'pgp'], [SigTag.GPG, 'gpg'], [SigTag.OPENPGP, 'openpgp'],
];

export function signaturesOf(rpm: RpmPackageFile): string[] {
  return SIGNATURE_TAGS.filter(([tag]) => rpm.signature.has(tag)).map(([, name]) => name);
}

async function sha256File(path: FilePath, size: number): Promise<ObjectId> {
  const hash = createHash('sha256');
  for await (const chunk of fileChunks(path, size)) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

function buildTree(files: ManifestFile[]): Map<string, PathNode> {
  const root = new Map<string, PathNode>();
  for (const f of files) {
    // ghosts have no content; '/' is the tree itself (filesystem packages own it)
    if (f.flags & FileFlag.GHOST || f.path === '/') continue;
    const kind = kindOfMode(f.mode);
    if (!kind) throw new BazaarError('ERR_RPM_HEADER_CORRUPT', `${f.path} has an unknown file type (mode ${f.mode.toString(8)})`);
    const entry: PathNode['entry'] = { kind, mode: f.mode, user: f.user, group: f.group, mtime: f.mtime };
    if (kind === 'file') { entry.size = f.size; entry.id = f.id; }
    if (kind === 'symlink') entry.target = f.linkto;
    if (kind === 'char' || kind === 'block') entry.rdev = f.rdev;
    // rpm -i sets file capabilities as this attribute; a checkout must too
    const caps = kind === 'file' && f.caps ? fileCapsXattr(f.caps) : null;
    if (caps) entry.xattrs = { 'security.capability': caps.toString('base64') };
    insertPath(root, f.path, entry);
  }
  return root;
}

/**
 * Payload paths must stay inside the root: absolute (source packages: bare names), with
 * no `..`, `.` or empty components; and no file may sit below one of the package's own
 * symlinks (a checkout would write through the link, possibly outside its root).
 */
export function checkPaths(files: PackageFile[], isSource: boolean, where: string): void {
  const symlinks = new Set<string>();
  for (const f of files) {
    const parts = isSource ? f.path.split('/') : f.path.split('/').slice(1);
    if ((!isSource && !f.path.startsWith('/')) || parts.some((p) => p === '..' || p === '.' || p === '')) {
      if (f.path === '/') continue;
      throw new BazaarError('ERR_RPM_PAYLOAD', `${where}: file path "${f.path}" escapes the package root or is not normalised`, { data: { path: f.path } });
    }
    if (kindOfMode(f.mode) === 'symlink' && !(f.flags & FileFlag.GHOST)) symlinks.add(f.path);
  }
  if (symlinks.size === 0) return;
  for (const f of files) {
    for (let slash = f.path.indexOf('/', 1); slash > 0; slash = f.path.indexOf('/', slash + 1)) {
      const dir = f.path.slice(0, slash);
      if (symlinks.has(dir)) {
        throw new BazaarError('ERR_RPM_PAYLOAD', `${where}: "${f.path}" lies under the package's own symlink "${dir}" (a checkout would write through the link)`, { data: { path: f.path, symlink: dir } });
      }
    }
  }
}

/**
 * Walks the payload (checking every file against the header) and sets each regular
 * file's object id in `files`; with `unpack`, also stages each file's content.
 */
async function stagePayloadFiles(objects: ObjectStager, rpm: RpmPackageFile, meta: PackageMeta, pool: TaskPool, staged: StagedObject[], files: ManifestFile[], options: { unpack: boolean; rewrite: ReadonlySet<ObjectId> }): Promise<void> {
  const sha256Digests = meta.fileDigestAlgo === 'sha256';
  const walk = await walkPayload(rpm, meta, {
    checksSha256: true,
    async file(index, file) {
      const expect = sha256Digests && file.digest ? (`sha256:${file.digest.toLowerCase()}` as ObjectId) : undefined;
      const w = await objects.writer({ ...(expect ? { expect } : {}), rewrite: expect !== undefined && options.rewrite.has(expect), hashOnly: !options.unpack });
      return {
        write: (chunk) => w.write(chunk),
        end: () => pool.add(async () => {
          const s = await w.finish();
          // only hashed: nothing staged, and nothing to require of the store at commit
          if (options.unpack) staged.push(s);
          if (expect && s.id !== expect) throw digestMismatch(String(rpm.path), file, 'sha256', s.id.slice(7));
          files[index].id = s.id;
        }),
      };
    },
  });
  await pool.drain();
  for (const { index, sameAs } of walk.links) files[index].id = files[sameAs].id;
}

/**
 * Stages the files of an .rpm (a stored package's, copied to `path`) that the store does
 * not hold yet: how a layer gets the files of a package added without unpacking. The
 * caller commits them with the layer, or discards them.
 */
export async function unpackRpm(objects: ObjectStager, path: FilePath): Promise<StagedObject[]> {
  const rpm = await readRpmFile(path);
  const meta = packageMeta(rpm.header, String(path));
  checkPaths(meta.files, meta.isSource, String(path));
  const staged: StagedObject[] = [];
  const pool = new TaskPool(FINISH_PARALLEL);
  try {
    await stagePayloadFiles(objects, rpm, meta, pool, staged, meta.files.map((f) => ({ ...f })), { unpack: true, rewrite: new Set() });
    return staged.filter((s) => s.slot !== null);
  } catch (err) {
    await pool.settle();
    await objects.discard(staged);
    throw err;
  }
}

/** Reads, checks and stages one package. On any error nothing stays staged. */
export async function prepareRpm(objects: ObjectStore, path: FilePath, options: PrepareOptions = {}): Promise<PreparedPackage> {
  const rewrite = options.rewrite ?? new Set<ObjectId>();
  const rpm = await readRpmFile(path);
  const meta = packageMeta(rpm.header, String(path));
  checkPaths(meta.files, meta.isSource, String(path));
  const blobStaged: StagedObject[] = [];
  const metaStaged: StagedObject[] = [];
  let rpmStaged: StagedObject | null = null;
  // Finishing an object (compress, write) overlaps with reading the next file;
  // at most FINISH_PARALLEL are in flight, each holding at most one frame.
  const pool = new TaskPool(FINISH_PARALLEL);
  try {
    // One pass over the .rpm (hash and stage together) unless a repair must know first
    // whether this copy is the damaged one it replaces.
    const rpmId = rewrite.size ? await sha256File(path, rpm.size) : undefined;
    const headerBytes = Buffer.from(rpm.header.bytes);
    const header = objectIdOf(headerBytes);
    // The header as the .rpm's bytes were hashed into its id: when they are the header
    // read above, the header is stored as that range of the .rpm, not a second time.
    const inRpm = Buffer.alloc(headerBytes.length);
    let copied = 0;
    const seen = (chunk: Buffer, at: number): void => {
      const from = Math.max(rpm.headerOffset - at, 0);
      const to = Math.min(rpm.headerOffset + headerBytes.length - at, chunk.length);
      if (to > from) copied += chunk.copy(inRpm, at + from - rpm.headerOffset, from, to);
    };
    rpmStaged = await objects.stageFile(path, rpm.size, { ...(rpmId ? { expect: rpmId, rewrite: rewrite.has(rpmId) } : {}), cutAt: rpm.payloadOffset, seen });
    const asRange = !rewrite.has(header) && copied === headerBytes.length && inRpm.equals(headerBytes);
    // nothing reads a package's objects before the add commits: their bytes are not held till then
    const unread = { readBack: false };
    blobStaged.push(asRange ? await objects.stageRange(headerBytes, rpmStaged.id, rpm.headerOffset, unread) : await objects.stageBytes(headerBytes, { rewrite: rewrite.has(header), ...unread }));
    const files: ManifestFile[] = meta.files.map((f) => ({ ...f }));
    await stagePayloadFiles(objects, rpm, meta, pool, blobStaged, files, { unpack: options.unpack === true || rewrite.size > 0, rewrite });
    for (const f of files) if (f.size === 0 && kindOfMode(f.mode) === 'file' && !(f.flags & FileFlag.GHOST) && !f.id) {
      // Empty regular files carry no payload bytes in some packages' cpio; they are still content.
      const s = await objects.stageBytes(Buffer.alloc(0));
      blobStaged.push(s);
      f.id = s.id;
    }
    const putJson = (value: unknown): Promise<ObjectId> => stageJson(objects, pool, metaStaged, value, rewrite, unread);
    const tree = await writeTrees(buildTree(files), putJson);
    const { files: _drop, ...rest } = meta;
    const manifestBytes = encodeKind('package', { ...rest, header, tree, files } as Omit<PackageManifest, 'kind' | 'v'>);
    metaStaged.push(await objects.stageBytes(manifestBytes, { rewrite: rewrite.has(objectIdOf(manifestBytes)), ...unread }));
    await pool.drain();
    return {
      path, meta: { epoch: meta.epoch, version: meta.version, release: meta.release, arch: meta.arch, disttag: meta.disttag, buildtime: meta.buildtime, isSource: meta.isSource }, name: meta.name, nevra: meta.nevra, key: nevraKey(meta), header, rpm: rpmStaged.id, rpmSize: rpm.size,
      signatures: signaturesOf(rpm), manifest: objectIdOf(manifestBytes), rpmStaged, blobStaged, metaStaged,
    };
  } catch (err) {
    await pool.settle();
    await objects.discard([...blobStaged, ...metaStaged]);
    if (rpmStaged) await objects.discard([rpmStaged]);
    throw err;
  }
}
