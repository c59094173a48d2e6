/**
 * `writeRepository`: the whole `repodata/` of an rpm-md repository from package headers,
 * as `createrepo_c --no-database` would write it for the same .rpm files (the same XML
 * bytes; with `gzipExact` the same files; see docs/rpmmd.md), regenerated atomically.
 */
import type { Formatted, FormattedBytes } from './format-package.js';
import { mkdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BazaarError } from '../../errors.js';
import { gzip } from './compressor.js';
import type { Compressor } from './compressor.js';
import type { MetadataFileInfo } from './metadata-file.js';
import { publishRepodata, removeStaleSiblings, siblingName } from './publish-repodata.js';
import { repomdXml } from './repomd-xml.js';
import type { RepomdRecord } from './repomd-xml.js';
import type { RepoPackage } from './repo-package.js';
import { RpmmdWriter } from './rpmmd-writer.js';
import type { DocumentType, RpmmdDocuments, SkippedPackage } from './rpmmd-writer.js';

/** A package formatted earlier (`formatPackage`, same changelog limit): its fragments are written as they are. */
export interface FormattedPackage { href: string; formatted: Formatted | FormattedBytes }

export interface WriteRepositoryOptions {
  /** Default `gzip` (createrepo_c's default format); `gzipExact` for createrepo_c's very bytes. */
  compressor?: Compressor;
  /** Changelog entries per package; -1 for all. Default 10 (createrepo_c's default). */
  changelogLimit?: number;
  /** How many packages the iterable yields, when it is not an array (saves a second pass). */
  count?: number;
  /** `<revision>`; default the current time in seconds, as createrepo_c. */
  revision?: string;
  /**
   * Seconds since the epoch for the documents' mtimes and `<timestamp>`s (createrepo_c's
   * --set-timestamp-to-revision); default: the mtimes they get when written.
   */
  timestamp?: number;
  /** Checksum-prefixed document names (default true, createrepo_c's default). */
  uniqueFilenames?: boolean;
  signal?: AbortSignal;
}

export interface WriteRepositoryResult {
  /** The `repodata` directory written. */
  repodata: string;
  revision: string;
  /** Packages in the metadata. */
  packages: number;
  /** Packages left out, as createrepo_c leaves them out (control characters). */
  skipped: SkippedPackage[];
  records: RepomdRecord[];
}

function toRecord(type: DocumentType, info: MetadataFileInfo, compressed: boolean, timestamp: number): RepomdRecord {
  return {
    type, checksum: info.checksum, href: `repodata/${basename(info.path)}`, timestamp, size: info.size,
    ...(compressed ? { openChecksum: info.openChecksum, openSize: info.openSize } : {}),
  };
}

/**
 * Writes `<outDir>/repodata/` (repomd.xml, primary, filelists, other) for `packages`,
 * in the order given (createrepo_c orders by file name; see `createrepoOrder`).
 *
 * @example
 *   const pkgs = await Promise.all(files.map((f) => repoPackageFromFile(f, { root: dir })));
 *   const { packages, skipped } = await writeRepository(pkgs, dir, { revision: '42' });
 */
export async function writeRepository(
  packages: Iterable<RepoPackage | FormattedPackage> | AsyncIterable<RepoPackage | FormattedPackage>,
  outDir: string,
  options: WriteRepositoryOptions = {},
): Promise<WriteRepositoryResult> {
  const compressor = options.compressor ?? gzip;
  const count = options.count ?? (Array.isArray(packages) ? packages.length : undefined);
  return writeDocuments(outDir, compressor.suffix !== '', options, async (staging) => {
    const writer = new RpmmdWriter(staging, { compressor, changelogLimit: options.changelogLimit, count });
    try {
      for await (const pkg of packages) {
        options.signal?.throwIfAborted();
        if ('formatted' in pkg) await writer.addFormatted(pkg.href, pkg.formatted); else await writer.add(pkg);
      }
      return await writer.finish();
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw err;
    }
  });
}

/**
 * The part of `writeRepository` after the documents: `documents` writes primary,
 * filelists and other into the staging directory it is given (compressed or not, as
 * `compressed` says); they are named, dated and listed in repomd.xml, and the whole is
 * published atomically. For a writer of its own documents (the server's, which reuses
 * the compressed runs of the previous generation).
 */
export async function writeDocuments(
  outDir: string,
  compressed: boolean,
  options: Omit<WriteRepositoryOptions, 'compressor' | 'changelogLimit' | 'count'> & {
    /**
     * `outDir` is a directory of the caller's that no one reads until the caller puts it
     * in place whole (the server's generations: written in a temp directory, sealed and
     * renamed): `repodata/` is written as it is, without the staging directory, renames
     * and directory syncs that keep a `repodata/` being served consistent.
     */
    unpublished?: boolean;
  },
  documents: (staging: string) => Promise<RpmmdDocuments>,
): Promise<WriteRepositoryResult> {
  const uniqueFilenames = options.uniqueFilenames ?? true;
  const revision = options.revision ?? String(Math.floor(Date.now() / 1000));
  if (options.timestamp !== undefined && !Number.isSafeInteger(options.timestamp)) {
    throw new BazaarError('ERR_BAD_INPUT', `timestamp must be whole seconds, got ${options.timestamp}`);
  }
  const repodata = join(outDir, 'repodata');
  let staging = repodata;
  if (options.unpublished) {
    await mkdir(repodata, { recursive: true });
  } else {
    await mkdir(outDir, { recursive: true });
    await removeStaleSiblings(repodata);
    staging = siblingName(repodata, 'tmp');
    await mkdir(staging);
  }
  try {
    const docs = await documents(staging);
    options.signal?.throwIfAborted();
    const records: RepomdRecord[] = [];
    for (const type of ['primary', 'filelists', 'other'] as const) {
      const info = docs[type];
      let path = info.path;
      if (uniqueFilenames) {
        path = join(staging, `${info.checksum}-${basename(info.path)}`);
        await rename(info.path, path);
      }
      if (options.timestamp !== undefined) await utimes(path, options.timestamp, options.timestamp);
      const timestamp = options.timestamp ?? Math.floor((await stat(path)).mtimeMs / 1000);
      records.push(toRecord(type, { ...info, path }, compressed, timestamp));
    }
    await writeFile(join(staging, 'repomd.xml'), repomdXml(records, revision), { flag: 'wx' });
    options.signal?.throwIfAborted();
    if (!options.unpublished) await publishRepodata(staging, repodata, { uniqueFilenames });
    return { repodata, revision, packages: docs.packages, skipped: docs.skipped, records };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
