/**
 * `repodata/repomd.xml`: the index of an rpm-md repository. We only need where the
 * primary metadata lives; the file is tiny, so it is read whole.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { parseAttributes } from './xml-text.js';

export interface RepomdEntry {
  type: string;
  href: string;
  /** `<checksum type=...>`: the algorithm as repomd names it (sha256, sha1, sha512...) and the hex digest. */
  checksum?: { type: string; value: string };
  /** `<size>` (the file) and `<open-size>` (decompressed), when given. */
  size?: number;
  openSize?: number;
}

/** The text of element `tag` in `body`, with its attributes. */
function element(body: string, tag: string): { attrs: string; text: string } | null {
  const m = new RegExp(`<${tag}\\b([^>]*)>([^<]*)</${tag}>`).exec(body);
  return m ? { attrs: m[1], text: m[2].trim() } : null;
}

/** Every `<data type=...>` of repomd.xml: its location, checksum and sizes. */
export function parseRepomd(xml: string): RepomdEntry[] {
  const out: RepomdEntry[] = [];
  const data = /<data\b([^>]*)>([\s\S]*?)<\/data>/g;
  let m: RegExpExecArray | null;
  while ((m = data.exec(xml)) !== null) {
    const type = parseAttributes(m[1]).type;
    const loc = /<location\b([^>]*)\/?>/.exec(m[2]);
    const href = loc ? parseAttributes(loc[1]).href : undefined;
    if (!type || !href) continue;
    const entry: RepomdEntry = { type, href };
    const sum = element(m[2], 'checksum');
    const algo = sum ? parseAttributes(sum.attrs).type : undefined;
    if (sum && algo) entry.checksum = { type: algo, value: sum.text.toLowerCase() };
    const size = element(m[2], 'size');
    if (size && /^\d+$/.test(size.text)) entry.size = Number(size.text);
    const open = element(m[2], 'open-size');
    if (open && /^\d+$/.test(open.text)) entry.openSize = Number(open.text);
    out.push(entry);
  }
  return out;
}

/** Absolute path of the repository's primary metadata (any compression). */
export async function primaryPath(repoDir: string): Promise<string> {
  const file = join(repoDir, 'repodata', 'repomd.xml');
  let xml: string;
  try {
    xml = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new BazaarError('ERR_REPO', `${repoDir} is not an rpm-md repository: ${file} does not exist`, { data: { repo: repoDir } });
    throw err;
  }
  const primary = parseRepomd(xml).find((e) => e.type === 'primary');
  if (!primary) throw new BazaarError('ERR_REPO', `${file} lists no primary metadata`, { data: { repo: repoDir } });
  return join(repoDir, primary.href);
}
