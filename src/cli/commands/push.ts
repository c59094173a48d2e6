import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BazaarError, pathError, shownPath } from '../../errors.js';
import type { Command } from '../command.js';
import { serverError } from '../server-error.js';
import { serverUrl } from '../server-url.js';

async function sha256Base64(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

export const push: Command = {
  name: 'push',
  usage: 'bazaar push URL FILE.rpm... [--channel NAME]',
  help: `Uploads .rpm files to a bazaar server (POST URL/v1/packages), one request each, with
their sha-256 in a Content-Digest header, using the token in $BAZAAR_TOKEN. The server
runs the checks of 'bazaar add' on each; with --channel it also puts the package into
that channel in the same commit. Stops at the first refused file (those before it are
published). Prints "NEVRA<TAB>build id" per file.

Example:
  BAZAAR_TOKEN=bzr_... bazaar push http://build.example:8080/ --channel sisyphus RPMS/*/*.rpm`,
  options: { channel: { type: 'string', describe: 'also add the packages to this channel on the server' } },
  async run({ positionals, options }) {
    const [url, ...files] = positionals;
    if (url === undefined || files.length === 0) throw new BazaarError('ERR_USAGE', 'usage: bazaar push URL FILE.rpm... [--channel NAME]');
    const base = serverUrl(url);
    const token = process.env.BAZAAR_TOKEN;
    const target = new URL('v1/packages', base);
    if (options.channel !== undefined) target.searchParams.set('channel', options.channel as string);
    const out: Array<{ file: string; nevra: string; id: string; added: boolean }> = [];
    for (const file of files) {
      let size: number;
      try {
        const st = await stat(file);
        if (!st.isFile()) throw new BazaarError('ERR_BAD_INPUT', `${shownPath(file)} is not a file`);
        size = st.size;
      } catch (err) {
        throw pathError(err, file);
      }
      const digest = await sha256Base64(file);
      let res: Response;
      try {
        res = await fetch(target, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-rpm', 'Content-Length': String(size), 'Content-Digest': `sha-256=:${digest}:`,
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
          },
          body: Readable.toWeb(createReadStream(file, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>,
          duplex: 'half',
        } as RequestInit);
      } catch (err) {
        throw new BazaarError('ERR_BAD_INPUT', `${file}: cannot reach ${target.origin}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`, { cause: err });
      }
      if (res.status !== 201) throw await serverError(res, file);
      const body = await res.json() as { packages: Array<{ nevra: string; id: string; added: boolean }> };
      for (const p of body.packages) out.push({ file, ...p });
    }
    return { exitCode: 0, json: out, text: out.map((r) => `${r.nevra}\t${r.id}`).join('\n') };
  },
};
