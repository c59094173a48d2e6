/**
 * `bazaar boot NAME[@VERSION] DIR`: a boot set written out as files (docs/netboot.md),
 * for QEMU's `-kernel`/`-initrd` and layer disks, a TFTP or web root, or a USB stick.
 * DIR must be absent or empty; the set is written into a temp directory beside it and
 * renamed into place, so DIR is either the whole set or not there.
 */
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { BazaarError, isErrno, pathError } from '../errors.js';
import type { Store } from '../store/index.js';
import { bootIpxe, bootJson, bootSet } from './boot-set.js';
import type { BootSet, BootSetOptions } from './boot-set.js';

export interface WriteBootSetOptions extends BootSetOptions {
  /** The URL the set will be served from: written into boot.ipxe as `bazaar.url`. */
  url?: string;
}

async function checkTarget(dir: string): Promise<void> {
  let names: string[];
  try { names = await readdir(dir); } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    if (isErrno(err, 'ENOTDIR')) throw new BazaarError('ERR_BAD_INPUT', `cannot write a boot set to ${dir}: it is a file, not a directory`);
    throw pathError(err, dir);
  }
  if (names.length) throw new BazaarError('ERR_BAD_INPUT', `cannot write a boot set to ${dir}: it is not empty (give a new or empty directory)`);
}

export async function writeBootSet(store: Store, ref: string, dir: string, options: WriteBootSetOptions = {}): Promise<BootSet & { dir: string }> {
  const final = resolve(dir);
  await checkTarget(final);
  const tmp = join(dirname(final), `.${basename(final)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  // before the build, which may take a while: a DIR that cannot be written fails now.
  // Not recursive: DIR's parent must exist (and node's recursive mkdir spins on /proc paths).
  try { await mkdir(tmp); } catch (err) {
    const why = pathError(err, dirname(final), 'its parent directory');
    throw why instanceof BazaarError ? new BazaarError(why.code, `cannot write a boot set to ${dir}: ${why.message}`, { cause: err }) : why;
  }
  try {
    const set = await bootSet(store, ref, options);
    await mkdir(join(tmp, 'layers'));
    await pipeline(Readable.from(store.stream(set.kernel.id)), createWriteStream(join(tmp, 'vmlinuz'), { flags: 'wx' }));
    await copyFile(set.initrd.path, join(tmp, 'initrd.img'), constants.COPYFILE_FICLONE);
    for (const l of set.layers) {
      options.signal?.throwIfAborted();
      await copyFile(l.cached.path, join(tmp, l.file), constants.COPYFILE_FICLONE);
    }
    await writeFile(join(tmp, 'boot.json'), bootJson(set));
    await writeFile(join(tmp, 'boot.ipxe'), bootIpxe(set, options.url));
    await checkTarget(final);
    await rmdir(final).catch((err: unknown) => { if (!isErrno(err, 'ENOENT')) throw err; });
    await rename(tmp, final);
    return { ...set, dir: final };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
