/**
 * A cache entry that is a whole directory (the rpm-md of a channel commit): sealed by a
 * `sums` file, written last, that lists every file's sha256 and size and carries a
 * checksum of its own; checked before the entry is used, so a damaged or incomplete
 * directory is made again, never served.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../../errors.js';
import { createFile } from '../../fs/ops.js';

const SUMS = 'sums';
const MAGIC = 'bazaar-sums 1';

const sum = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Files up to this size are read in one call: a stream's open, reads and close, each a turn of the thread pool, cost more than the hashing. */
const READ_WHOLE = 1 << 20;

/** The sha256 of the file at `path`, of `size` bytes (its stat's). */
async function fileSum(path: string, size: number): Promise<string> {
  const h = createHash('sha256');
  if (size <= READ_WHOLE) return h.update(readFileSync(path)).digest('hex');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** A file's sha256 (hex) and size. */
export interface FileSum { sha256: string; size: number }

/** Every file under `dir`, as paths relative to it, sorted. */
function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * Seals `dir`, whose files are all written: what it holds now is what checkSealedDir
 * accepts. `known`: the sums of files (by path in `dir`) the writer hashed as it wrote
 * them, which are not read back; a file whose size on disk is not the one given is hashed.
 */
export async function sealDir(dir: string, known: ReadonlyMap<string, FileSum> = new Map()): Promise<void> {
  const rows: string[] = [];
  for (const rel of filesUnder(dir)) {
    const size = statSync(join(dir, rel)).size;
    const k = known.get(rel);
    rows.push(`${k?.size === size ? k.sha256 : await fileSum(join(dir, rel), size)} ${size} ${rel}\n`);
  }
  const body = rows.join('');
  createFile(join(dir, SUMS), `${MAGIC} ${sum(body)}\n${body}`);
}

/**
 * 'ok' when `dir` holds every file its seal lists, each of the size and sha256 it says;
 * 'absent' when there is no `dir`; 'unsealed' when it has no seal (written by an older
 * bazaar); 'damaged' otherwise (a seal that does not check, a file missing or changed).
 */
export async function checkSealedDir(dir: string): Promise<'ok' | 'absent' | 'unsealed' | 'damaged'> {
  let text: string;
  try { text = readFileSync(join(dir, SUMS), 'utf8'); } catch (err) {
    if (!isErrno(err, 'ENOENT')) return 'damaged';
    return statSync(dir, { throwIfNoEntry: false }) === undefined ? 'absent' : 'unsealed';
  }
  const nl = text.indexOf('\n');
  const body = text.slice(nl + 1);
  if (text.slice(0, nl) !== `${MAGIC} ${sum(body)}`) return 'damaged';
  for (const row of body.split('\n')) {
    if (!row) continue;
    const [hex, size, ...rest] = row.split(' ');
    const path = join(dir, rest.join(' '));
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st?.isFile() || st.size !== Number(size)) return 'damaged';
    try { if ((await fileSum(path, st.size)) !== hex) return 'damaged'; } catch { return 'damaged'; }
  }
  return 'ok';
}
