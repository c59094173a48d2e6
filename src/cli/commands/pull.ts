import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BazaarError, isErrno, pathError } from '../../errors.js';
import type { Command } from '../command.js';
import { serverError } from '../server-error.js';
import { checkOutputFile, outputFileError } from '../../fs/index.js';
import { serverUrl, urlSegment } from '../server-url.js';

/** Refuses a directory target that exists and is not empty (nothing is overwritten). */
function checkEmptyDir(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw new BazaarError('ERR_USAGE', `${dir} exists and is not a directory`);
    if (readdirSync(dir).length) throw new BazaarError('ERR_USAGE', `${dir} is not empty; pull into an absent or empty directory`);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw pathError(err, dir);
  }
}

export const pull: Command = {
  name: 'pull',
  usage: 'bazaar pull URL IMAGE[@VERSION] OUT.tar.zst|DIR',
  help: `Downloads an image's merged filesystem from a bazaar server
(GET URL/v1/images/IMAGE[/versions/VERSION]/archive.tar.zst): into OUT.tar.zst (written to
a temp file and renamed: never a partial archive), or unpacked into DIR (absent or
empty) by GNU tar with numeric owners and modes kept, as 'bazaar image export' and
'image checkout' would write them locally. $BAZAAR_TOKEN is sent when set (servers
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
    if (toFile) {
      const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
      const fh = await open(tmp, 'wx').catch((err: unknown) => { throw outputFileError(out, err); });
      try {
        await pipeline(body, fh.createWriteStream());
        renameSync(tmp, out);
      } catch (err) {
        rmSync(tmp, { force: true });
        const written = outputFileError(out, err); // a full disk, a directory in the way
        throw written !== err ? written : new BazaarError('ERR_BAD_INPUT', `${ref}: the download broke off: ${(err as Error).message}`, { cause: err });
      }
      return { exitCode: 0, json: { image: ref, id: etag, out }, text: `pulled ${ref} (${etag}) to ${out}` };
    }
    try { mkdirSync(out, { recursive: true }); } catch (err) { throw pathError(err, out); }
    const tar = spawn('tar', ['--zstd', '-x', '-p', '--numeric-owner', '-f', '-', '-C', out], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    const exited = new Promise<number | null>((resolve, reject) => { tar.on('error', reject); tar.on('close', resolve); });
    try {
      await pipeline(body, tar.stdin);
    } catch (err) {
      tar.kill();
      await exited.catch(() => null);
      throw new BazaarError('ERR_BAD_INPUT', `${ref}: the download broke off: ${(err as Error).message}`, { cause: err });
    }
    const code = await exited.catch((err: Error) => { throw new BazaarError('ERR_BAD_INPUT', `cannot run tar (GNU tar with zstd): ${err.message}`); });
    if (code !== 0) throw new BazaarError('ERR_BAD_INPUT', `${ref}: tar refused the archive: ${stderr.trim().split('\n')[0]}`);
    return { exitCode: 0, json: { image: ref, id: etag, out }, text: `pulled ${ref} (${etag}) into ${out}` };
  },
};
