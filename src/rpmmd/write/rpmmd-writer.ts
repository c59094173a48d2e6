/**
 * The streaming writer of the three rpm-md documents: packages go in one at a time and
 * are written to primary, filelists and other at once, compressed as they go, so memory
 * holds one package and three output buffers whatever the channel's size.
 *
 * The `packages="N"` attribute opens each document, before any package is read. It is
 * `count` when the caller knows it (an array's length). When the real number differs
 * (createrepo_c-refused packages were left out, or no count was given) the documents are
 * re-encoded with the right number at the end, as createrepo_c itself does.
 */
import { createReadStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { gzip } from './compressor.js';
import type { Compressor } from './compressor.js';
import { FILELISTS_TAIL, filelistsHead, filelistsPackage } from './filelists-xml.js';
import { formatPackage } from './format-package.js';
import type { Formatted, FormattedBytes } from './format-package.js';
import type { MdPackage } from './md-package.js';
import { MetadataFile } from './metadata-file.js';
import type { MetadataFileInfo } from './metadata-file.js';
import { OTHER_TAIL, otherHead, otherPackage } from './other-xml.js';
import { PRIMARY_TAIL, primaryHead, primaryPackage } from './primary-xml.js';
import { checkRepoPackage } from './repo-package.js';
import type { RepoPackage } from './repo-package.js';

export type DocumentType = 'primary' | 'filelists' | 'other';

export interface RpmmdWriterOptions {
  /** Default `gzip` (createrepo_c's default format; `gzipExact` for its very bytes). */
  compressor?: Compressor;
  /** Changelog entries per package in other.xml; -1 for all. Default 10, as createrepo_c. */
  changelogLimit?: number;
  /** The number of packages that will be added, if known: saves a second pass. */
  count?: number;
}

/** A package createrepo_c would refuse, and so do we (it is in none of the documents). */
export interface SkippedPackage { href: string; reason: string }

export interface RpmmdDocuments {
  primary: MetadataFileInfo;
  filelists: MetadataFileInfo;
  other: MetadataFileInfo;
  /** Packages written. */
  packages: number;
  skipped: SkippedPackage[];
}

interface Document {
  type: DocumentType;
  head: (count: number) => string;
  tail: string;
  body: (p: MdPackage) => string;
}

const DOCUMENTS: Document[] = [
  { type: 'primary', head: primaryHead, tail: PRIMARY_TAIL, body: primaryPackage },
  { type: 'filelists', head: filelistsHead, tail: FILELISTS_TAIL, body: filelistsPackage },
  { type: 'other', head: otherHead, tail: OTHER_TAIL, body: otherPackage },
];

/**
 * @example
 *   const w = new RpmmdWriter(dir, { count: pkgs.length });
 *   for (const p of pkgs) await w.add(p);
 *   const { primary, filelists, other, skipped } = await w.finish();
 */
export class RpmmdWriter {
  private readonly compressor: Compressor;
  private readonly changelogLimit: number | undefined;
  private readonly announced: number;
  private readonly files: MetadataFile[];
  private readonly skipped: SkippedPackage[] = [];
  private written = 0;
  private seen = 0;

  /** Creates `primary.xml<suffix>`, `filelists.xml<suffix>` and `other.xml<suffix>` in `dir`. */
  constructor(readonly dir: string, options: RpmmdWriterOptions = {}) {
    this.compressor = options.compressor ?? gzip;
    this.changelogLimit = options.changelogLimit;
    this.announced = options.count ?? 0;
    this.files = DOCUMENTS.map((d) => new MetadataFile(join(dir, `${d.type}.xml${this.compressor.suffix}`), this.compressor));
    DOCUMENTS.forEach((d, i) => { void this.files[i].write(d.head(this.announced)); });
  }

  /**
   * Writes one package; false when it is left out (see `SkippedPackage`). Throws
   * ERR_BAD_INPUT for a record that is not a usable RepoPackage.
   */
  async add(pkg: RepoPackage): Promise<boolean> {
    checkRepoPackage(pkg, this.seen);
    return this.addFormatted(pkg.href, formatPackage(pkg, this.changelogLimit));
  }

  /**
   * Writes one package formatted earlier by `formatPackage` with this writer's
   * changelog limit (a caller that caches the fragments of unchanged packages).
   */
  async addFormatted(href: string, f: Formatted | FormattedBytes): Promise<boolean> {
    this.seen++;
    if (f.skipped !== undefined) {
      this.skipped.push({ href, reason: f.skipped });
      return false;
    }
    const texts = [f.primary, f.filelists, f.other];
    for (let i = 0; i < DOCUMENTS.length; i++) {
      const wait = this.files[i].write(texts[i]);
      if (wait) await wait;
    }
    this.written++;
    return true;
  }

  /** Closes the documents (correcting their package count if needed); their last compression and fsyncs run at once. */
  async finish(): Promise<RpmmdDocuments> {
    const infos = await Promise.all(this.files.map(async (file, i) => {
      await file.write(DOCUMENTS[i].tail);
      return file.close();
    }));
    if (this.written !== this.announced) {
      for (let i = 0; i < DOCUMENTS.length; i++) infos[i] = await this.recount(infos[i], DOCUMENTS[i]);
    }
    return { primary: infos[0], filelists: infos[1], other: infos[2], packages: this.written, skipped: this.skipped };
  }

  /** Removes the partial documents. */
  async abort(): Promise<void> {
    await Promise.all(this.files.map((f) => f.abort()));
  }

  /** Re-encodes a finished document with the real package count in its opening tag. */
  private async recount(info: MetadataFileInfo, doc: Document): Promise<MetadataFileInfo> {
    const oldHead = Buffer.from(doc.head(this.announced), 'latin1');
    const tmp = `${info.path}.recount`;
    const out = new MetadataFile(tmp, this.compressor);
    try {
      let seen = 0;
      const input = this.compressor.decompress();
      const source = createReadStream(info.path);
      source.on('error', (err) => input.destroy(err));
      source.pipe(input);
      for await (const chunk of input as AsyncIterable<Buffer>) {
        let rest = chunk;
        if (seen < oldHead.length) {
          const take = Math.min(oldHead.length - seen, rest.length);
          if (!rest.subarray(0, take).equals(oldHead.subarray(seen, seen + take))) throw new Error(`${info.path}: unexpected document start`);
          seen += take;
          rest = rest.subarray(take);
          if (seen === oldHead.length) out.write(doc.head(this.written));
        }
        if (rest.length) await out.writeBytes(rest);
      }
      const fixed = await out.close();
      await rename(tmp, info.path);
      return { ...fixed, path: info.path };
    } catch (err) {
      await out.abort();
      throw err;
    }
  }
}
