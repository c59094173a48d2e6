/**
 * A RepoPackage from a .rpm file, the way createrepo_c's load_rpm gathers it: headers
 * via readRpmFile, size and mtime from stat (following symlinks, as stat() does),
 * sha256 of the whole file. For tests, tools and ingest; the store keeps these fields
 * (repo-package.ts) so that it never needs to call this again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, relative, sep } from 'node:path';
import { BazaarError } from '../../errors.js';
import { readRpmFile } from '../../rpm/index.js';
import type { RepoPackage } from './repo-package.js';

export interface RepoPackageFromFileOptions {
  /** `<location href>`; default: the path relative to `root`, or the file name. */
  href?: string;
  /** The repository directory the href is relative to (createrepo_c's argument). */
  root?: string;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * @example
 *   const pkg = await repoPackageFromFile('repo/Packages/foo-1.0-1.noarch.rpm', { root: 'repo' });
 *   pkg.href; // 'Packages/foo-1.0-1.noarch.rpm'
 */
export async function repoPackageFromFile(path: string, options: RepoPackageFromFileOptions = {}): Promise<RepoPackage> {
  const rpm = await readRpmFile(path);
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `${path}: cannot stat: ${(err as Error).message}`, { cause: err, data: { path } });
  }
  const href = options.href ?? (options.root !== undefined ? relative(options.root, path).split(sep).join('/') : basename(path));
  return {
    header: rpm.header,
    signature: rpm.signature,
    href,
    size: info.size,
    checksum: { type: 'sha256', hex: await sha256File(path) },
    headerStart: rpm.headerOffset,
    headerEnd: rpm.payloadOffset,
    fileTime: Math.floor(info.mtimeMs / 1000),
  };
}
