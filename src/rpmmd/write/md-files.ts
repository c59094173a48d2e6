/**
 * The file list createrepo_c writes (cr_package_from_header in src/parsehdr.c): the
 * files rpm's RPMTAG_FILENAMES extension yields, in header order, typed `dir` by mode
 * and `ghost` by flag. All five of FILENAMES, DIRINDEXES, BASENAMES, FILEFLAGS and
 * FILEMODES must be there, and rpm refuses the extension (no files at all) when the
 * directory indexes disagree with the names (lib/tagexts.c fnTag).
 */
import { FileFlag, Tag } from '../../rpm/index.js';
import type { ByteString, HeaderView } from './header-view.js';

export type MdFileType = '' | 'dir' | 'ghost';

export interface MdFile {
  /** Directory part (ending in `/`, or "" for source packages) and base name joined. */
  path: ByteString;
  type: MdFileType;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

export function mdFiles(h: HeaderView): MdFile[] {
  const bases = h.strings(Tag.BASENAMES);
  const dirs = h.strings(Tag.DIRNAMES);
  const indexes = h.numbers(Tag.DIRINDEXES);
  const flags = h.numbers(Tag.FILEFLAGS);
  const modes = h.numbers(Tag.FILEMODES);
  if (!bases || !indexes || !flags || !modes) return [];
  // fnTag's sanity checks, which decide whether FILENAMES exists at all
  const count = bases.length;
  const dncount = dirs?.length ?? 0;
  if (!dirs || indexes.length !== count || dncount < 1 || dncount > count) return [];
  for (let i = 0; i < count; i++) if (indexes[i] >= dncount) return [];
  const n = Math.min(count, flags.length, modes.length);
  const out: MdFile[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const type: MdFileType = (modes[i] & S_IFMT) === S_IFDIR ? 'dir' : flags[i] & FileFlag.GHOST ? 'ghost' : '';
    out[i] = { path: dirs[indexes[i]] + bases[i], type };
  }
  return out;
}
