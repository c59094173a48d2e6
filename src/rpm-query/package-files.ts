/**
 * `rpm -qp FILE...`: queries of package files rather than installed packages (lib/rpmgi.c).
 * Each file is read with readRpmFile and answered from its header as rpm reads it (the
 * signature tags merged, v3 headers retrofitted; no install tags). rpm's warnings come
 * along: a header signature it has no key for (`NOKEY`; bazaar keeps no keyring, so every
 * signed package gets one unless --nosignature) and the v3 deprecation. Not done: rpm's
 * globbing of the arguments and its reading of non-package files as manifests.
 */
import { isBazaarError } from '../errors.js';
import { readRpmFile } from '../rpm/index.js';
import { installedHeader } from './package-header.js';
import type { HeaderContext } from './package-header.js';
import { HASH_ALGOS, parsePgpSignature, PUBKEY_ALGOS } from './pgp-signature.js';
import type { DbEntry } from './query-db.js';
import type { RpmLog } from './query-output.js';
import { nevraOf } from './nevra-strings.js';
import { T } from './tag-numbers.js';

const STRERROR: Record<string, string> = { ENOENT: 'No such file or directory', EACCES: 'Permission denied', EISDIR: 'Is a directory' };

export interface PackageFileOptions extends HeaderContext {
  /** --nosignature: no NOKEY warnings. */
  noSignature?: boolean;
  /** Key ids already warned about in this run: rpm warns once per key (lib/package.c stashKeyid). */
  warnedKeys: Set<string>;
  /** Where a package file argument is read (a byte string); default: as given. -V under --root reads inside the root, as rpm after chroot. */
  locate?: (arg: string) => string;
}

/**
 * Reads each package file and calls `show` with it; returns how many could not be read
 * (rpm adds that to the exit code).
 */
export async function queryPackageFiles(paths: string[], log: RpmLog, opt: PackageFileOptions, show: (e: DbEntry) => void | Promise<void>): Promise<number> {
  let errors = 0;
  for (const arg of paths) {
    let path: string;
    try {
      path = Buffer.from(opt.locate ? opt.locate(arg) : arg, 'latin1').toString('utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'ENOENT';
      log.error(`open of ${arg} failed: ${STRERROR[code] ?? code}\n`);
      errors++;
      continue;
    }
    let file;
    try {
      file = await readRpmFile(path);
    } catch (err) {
      const cause = isBazaarError(err) ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
      if (cause?.code) log.error(`open of ${arg} failed: ${STRERROR[cause.code] ?? cause.code}\n`);
      else log.error(`${arg}: ${isBazaarError(err) ? err.message : String(err)}\n`);
      errors++;
      continue;
    }
    if (!opt.noSignature) {
      for (const tag of [267, 268]) {
        const packet = file.signature.binary(tag);
        const sig = packet && parsePgpSignature(packet);
        if (!sig) continue;
        const shortId = sig.keyId.slice(-8);
        if (opt.warnedKeys.has(shortId)) break;
        opt.warnedKeys.add(shortId);
        log.warning(`${arg}: Header V${sig.version} ${PUBKEY_ALGOS[sig.pubkeyAlgo] ?? 'Unknown public key algorithm'}/${HASH_ALGOS[sig.hashAlgo] ?? 'Unknown hash algorithm'} Signature, key ID ${shortId}: NOKEY\n`);
        break;
      }
    }
    const h = installedHeader({ header: file.header, signature: file.signature }, 0, opt);
    if (!file.header.has(T.HEADERIMMUTABLE)) log.warning(`RPM v3 packages are deprecated: ${nevraOf(h)}\n`);
    await show({ h, instance: 0 });
  }
  return errors;
}
