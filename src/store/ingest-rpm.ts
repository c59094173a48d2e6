/**
 * Turns one .rpm file into staged objects: the original file as a blob (served back
 * byte-identical), every file of its payload as a blob, its directories as trees, and a
 * `package` manifest. Nothing becomes visible here; the store commits the staged objects
 * together with the refs, or discards them.
 */
import { createHash } from 'node:crypto';
import { BazaarError } from '../errors.js';
import { nevraKey } from '../rpm/nevra.js';
import { packageMeta } from '../rpm/package-meta.js';
import type { PackageFile, PackageMeta } from '../rpm/package-meta.js';
import { readRpmFile } from '../rpm/read-rpm.js';
import { FileFlag } from '../rpm/tags.js';
import { walkPayload } from '../rpm/walk-payload.js';
import type { ObjectId } from './layout.js';
import { fileChunks } from './file-chunks.js';
import type { ObjectStore, StagedObject } from './objects.js';
import { stageJson } from './stage-json.js';
import { TaskPool } from './task-pool.js';
import { insertPath, kindOfMode, writeTrees } from './tree.js';
import type { PathNode } from './tree.js';

export interface ManifestFile extends PackageFile {
  /** The blob holding a regular file's bytes (absent for ghosts, links, directories). */
  id?: ObjectId;
}

export interface PackageManifest extends Omit<PackageMeta, 'files'> {
  type: 'package';
  /** The original .rpm file. */
  rpm: ObjectId;
  rpmSize: number;
  /** The package's files as a tree. */
  tree: ObjectId;
  files: ManifestFile[];
}

export interface PreparedPackage {
  path: string;
  name: string;
  nevra: string;
  /** NEVRA with the epoch always written: the catalog's key. */
  key: string;
  id: ObjectId;
  staged: StagedObject[];
}

const FINISH_PARALLEL = 8;

async function sha256File(path: string, size: number): Promise<ObjectId> {
  const hash = createHash('sha256');
  for await (const chunk of fileChunks(path, size)) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

function buildTree(files: ManifestFile[]): Map<string, PathNode> {
  const root = new Map<string, PathNode>();
  for (const f of files) {
    if (f.flags & FileFlag.GHOST) continue;
    const kind = kindOfMode(f.mode);
    if (!kind) throw new BazaarError('ERR_RPM_HEADER_CORRUPT', `${f.path} has an unknown file type (mode ${f.mode.toString(8)})`);
    const entry: PathNode['entry'] = { kind, mode: f.mode, user: f.user, group: f.group };
    if (kind === 'file') { entry.size = f.size; entry.id = f.id; }
    if (kind === 'symlink') entry.target = f.linkto;
    if (kind === 'char' || kind === 'block') entry.rdev = f.rdev;
    insertPath(root, f.path, entry);
  }
  return root;
}

/**
 * Payload paths must stay inside the root: absolute (source packages: bare names), with
 * no `..`, `.` or empty components.
 */
function checkPaths(files: PackageFile[], isSource: boolean, where: string): void {
  for (const f of files) {
    const parts = isSource ? f.path.split('/') : f.path.split('/').slice(1);
    if ((!isSource && !f.path.startsWith('/')) || parts.some((p) => p === '..' || p === '.' || p === '')) {
      if (f.path === '/') continue;
      throw new BazaarError('ERR_RPM_PAYLOAD', `${where}: file path "${f.path}" escapes the package root or is not normalised`, { data: { path: f.path } });
    }
  }
}


/** Reads, checks and stages one package. On any error nothing stays staged. */
export async function prepareRpm(objects: ObjectStore, path: string): Promise<PreparedPackage> {
  const rpm = await readRpmFile(path);
  const meta = packageMeta(rpm.header, path);
  checkPaths(meta.files, meta.isSource, path);
  const staged: StagedObject[] = [];
  // Finishing an object (compress, write) overlaps with reading the next file;
  // at most FINISH_PARALLEL are in flight, each holding at most one frame.
  const pool = new TaskPool(FINISH_PARALLEL);
  try {
    const rpmId = await sha256File(path, rpm.size);
    staged.push(await objects.stageFile(path, rpm.size, rpmId));
    const files: ManifestFile[] = meta.files.map((f) => ({ ...f }));
    const sha256Digests = meta.fileDigestAlgo === 'sha256';
    const walk = await walkPayload(rpm, meta, {
      async file(index, file) {
        const expect = sha256Digests && file.digest ? (`sha256:${file.digest.toLowerCase()}` as ObjectId) : undefined;
        const w = await objects.writer(expect);
        return {
          write: (chunk) => w.write(chunk),
          end: () => pool.add(async () => {
            const s = await w.finish();
            staged.push(s);
            files[index].id = s.id;
          }),
        };
      },
    });
    await pool.drain();
    for (const { index, sameAs } of walk.links) files[index].id = files[sameAs].id;
    for (const f of files) if (f.size === 0 && kindOfMode(f.mode) === 'file' && !(f.flags & FileFlag.GHOST) && !f.id) {
      // Empty regular files carry no payload bytes in some packages' cpio; they are still content.
      const s = await objects.stage(Buffer.alloc(0));
      staged.push(s);
      f.id = s.id;
    }
    const putJson = (value: unknown): Promise<ObjectId> => stageJson(objects, pool, staged, value);
    const tree = await writeTrees(buildTree(files), putJson);
    const { files: _drop, ...rest } = meta;
    const manifest: PackageManifest = { type: 'package', ...rest, rpm: rpmId, rpmSize: rpm.size, tree, files };
    const id = await putJson(manifest);
    await pool.drain();
    return { path, name: meta.name, nevra: meta.nevra, key: nevraKey(meta), id, staged };
  } catch (err) {
    await pool.settle();
    await objects.discard(staged);
    throw err;
  }
}
