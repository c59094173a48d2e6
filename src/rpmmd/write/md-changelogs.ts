/**
 * other.xml's changelog entries as createrepo_c builds them (src/parsehdr.c):
 *
 * - the first `limit` entries in header order (rpm keeps the newest first), written
 *   oldest first; -1 means all;
 * - trailing spaces are cut from the author (never its first character);
 * - entries sharing a timestamp are made distinct: when an entry has the same time as
 *   the entry before it, the entries already taken that carry that time (and the ones
 *   pushed onto the next seconds by it) move one second later each.
 */
import { Tag } from '../../rpm/index.js';
import type { ByteString, HeaderView } from './header-view.js';

export interface MdChangelog { author: ByteString; date: number; text: ByteString }

/** createrepo_c's default `--changelog-limit` (DEFAULT_CHANGELOG_LIMIT in src/cmd_parser.h). */
export const DEFAULT_CHANGELOG_LIMIT = 10;

export function mdChangelogs(h: HeaderView, limit: number): MdChangelog[] {
  const times = h.numbers(Tag.CHANGELOGTIME);
  const names = h.strings(Tag.CHANGELOGNAME);
  const texts = h.strings(Tag.CHANGELOGTEXT);
  if (!times || !names || !texts) return [];
  let n = Math.min(times.length, names.length, texts.length);
  if (limit >= 0) n = Math.min(n, limit);
  // built newest first, as createrepo_c's list is before it is reversed by prepending
  const taken: MdChangelog[] = [];
  let lastTime = 0;
  for (let i = 0; i < n; i++) {
    const time = times[i];
    let author = names[i];
    let end = author.length;
    while (end > 1 && author.charCodeAt(end - 1) === 0x20) end--;
    if (end !== author.length) author = author.slice(0, end);
    if (time === lastTime) {
      let t = time | 0; // createrepo_c keeps this in an int
      for (let k = taken.length - 1; k >= 0 && taken[k].date === t; k--) { taken[k].date++; t++; }
    } else {
      lastTime = time;
    }
    taken.push({ author, date: time, text: texts[i] });
  }
  return taken.reverse();
}
