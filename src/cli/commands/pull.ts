import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BazaarError, isErrno, pathError } from '../../errors.js';
import type { Command } from '../command.js';
import { serverError } from '../server-error.js';
import { checkOutputFile, outputFileError } from '../../fs/index.js';
import { serverUrl, urlSegment } from '../server-url.js';
import { checkoutImage, createImage, importLayer } from '../../library/index.js';
import { Store } from '../../store/index.js';

/** Refuses a directory target that exists and is not empty (nothing is overwritten). */
function checkEmptyDir(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw new BazaarError('ERR_USAGE', `${dir} exists and is not a directory`);
    if (readdirSync(dir).length) throw new BazaarError('ERR_USAGE', `${dir} is not empty; pull into an absent or empty directory`);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw pathError(err, dir);
  }
}

/** Streams `body` into `out` through a temp file renamed into place: never a partial file. */
async function download(body: Readable, out: string, tmp: string, ref: string): Promise<void> {
  const fh = await open(tmp, 'wx').catch((err: unknown) => { throw outputFileError(out, err); });
  try {
    await pipeline(body, fh.createWriteStream());
    renameSync(tmp, out);
  } catch (err) {
    rmSync(tmp, { force: true });
    const written = outputFileError(out, err); // a full disk, a directory in the way
    throw written !== err ? written : new BazaarError('ERR_BAD_INPUT', `${ref}: the download broke off: ${(err as Error).message}`, { cause: err });
  }
}

export const pull: Command = {
  name: 'pull',
  usage: 'bazaar pull URL IMAGE[@VERSION] OUT.tar.zst|DIR',
  help: `Downloads an image's merged filesystem from a bazaar server
(GET URL/v1/images/IMAGE[/versions/VERSION]/archive.tar.zst): into OUT.tar.zst (written to
a temp file and renamed: never a partial archive), or unpacked into DIR (absent or
empty) by bazaar's own tar reader, owners, modes, times and attributes kept, as 'bazaar
image export' and 'image checkout' would write them locally (device nodes, which a
checkout cannot make, are noted). $BAZAAR_TOKEN is sent when set (servers
with private reads).

Example:
  bazaar pull http://build.example:8080/ webapp@1.2.0 /srv/webapp`,
  options: {},
  async run({ positionals }) {
    if (positionals.length !== 3) throw new BazaarError('ERR_USAGE', 'usage: bazaar pull URL IMAGE[@VERSION] OUT.tar.zst|DIR');
    const [url, ref, out] = positionals as [string, string, string];
    const base = serverUrl(url);
    const at = ref.lastIndexOf('@');
    const name = at < 0 ? ref : ref.slice(0, at);
    const path = at < 0 ? `v1/images/${urlSegment(name, 'image name')}/archive.tar.zst` : `v1/images/${urlSegment(name, 'image name')}/versions/${urlSegment(ref.slice(at + 1), 'version')}/archive.tar.zst`;
    const toFile = out.endsWith('.tar.zst');
    if (toFile) checkOutputFile(out); else checkEmptyDir(out);
    const token = process.env.BAZAAR_TOKEN;
    let res: Response;
    try {
      res = await fetch(new URL(path, base), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    } catch (err) {
      throw new BazaarError('ERR_BAD_INPUT', `cannot reach ${base.origin}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`, { cause: err });
    }
    if (res.status !== 200 || !res.body) throw await serverError(res, ref);
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    const etag = res.headers.get('etag')?.replace(/"/g, '') ?? null;
    const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
    if (toFile) {
      await download(body, out, join(dirname(out), `.${basename(out)}.tmp-${tag}`), ref);
      return { exitCode: 0, json: { image: ref, id: etag, out }, text: `pulled ${ref} (${etag}) to ${out}` };
    }
    // Into a directory: the archive goes through bazaar's own tar reader (every path checked,
    // nothing written outside DIR) into a scratch store beside DIR, then is checked out as
    // 'image checkout' writes; nothing of the server's bytes reaches a system tool.
    const scratch = join(dirname(resolve(out)), `.${basename(out)}.pull-${tag}`);
    try {
      try { mkdirSync(scratch); } catch (err) { throw pathError(err, dirname(resolve(out))); }
      const archive = join(scratch, 'image.tar.zst');
      await download(body, archive, `${archive}.tmp`, ref);
      const store = await Store.init(join(scratch, 'store'));
      await importLayer(store, { layer: 'pulled@1.0.0', from: archive });
      await createImage(store, { image: 'pulled@1.0.0', layers: ['pulled@1.0.0'], nodeps: true });
      const { result } = await checkoutImage(store, { image: 'pulled', dir: out, mode: 'copy' });
      return { exitCode: 0, json: { image: ref, id: etag, out, files: result.files, skipped: result.skipped }, text: [`pulled ${ref} (${etag}) into ${out}`, ...result.notes.map((n) => `note: ${n}`)].join('\n') };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
