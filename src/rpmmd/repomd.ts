/**
 * `repodata/repomd.xml`: the index of an rpm-md repository. We only need where the
 * primary metadata lives; the file is tiny, so it is read whole.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { parseAttributes } from './xml-text.js';

export interface RepomdEntry { type: string; href: string }

/** Every `<data type=...><location href=.../>` pair of repomd.xml. */
export function parseRepomd(xml: string): RepomdEntry[] {
  const out: RepomdEntry[] = [];
  const data = /<data\b([^>]*)>([\s\S]*?)<\/data>/g;
  let m: RegExpExecArray | null;
  while ((m = data.exec(xml)) !== null) {
    const type = parseAttributes(m[1]).type;
    const loc = /<location\b([^>]*)\/?>/.exec(m[2]);
    const href = loc ? parseAttributes(loc[1]).href : undefined;
    if (type && href) out.push({ type, href });
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
