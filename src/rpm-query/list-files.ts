/**
 * The file-list part of rpm's showQueryPackage (lib/query.c): `-l` names, `-lv` the
 * `ls -l`-like lines of printFileInfo, `-s` states, `--dump` the raw fields, with the
 * `-c`/`-d`/`-L`/`-A` inclusion and `--noghost`/`--noconfig` exclusion filters.
 */
import { strftimeC } from './c-time.js';
import { DIGEST_LENGTHS, fileInfo, fileState } from './file-info.js';
import type { FileInfo } from './file-info.js';
import type { PackageHeader } from './package-header.js';
import { permsString } from './perms-string.js';
import type { RpmLog } from './query-output.js';

export interface ListOptions {
  /** Files must carry one of these FILEFLAGS bits (-c 1, -d 2, -L 128, -A 4096); 0 for all. */
  include: number;
  /** Files carrying any of these bits are skipped (--noghost 64, --noconfig 1, --noartifact 4096). */
  exclude: number;
  state: boolean;
  dump: boolean;
  /** rpm's "now" for -lv's recent/old date choice, seconds. */
  now: number;
}

const STATE_WORDS: Record<number, string> = {
  0: 'normal        ', 1: 'replaced      ', 2: 'not installed ', 3: 'net shared    ', 4: 'wrong color   ', [-1]: '(no state)    ',
};

function digestHex(fi: FileInfo, i: number): string {
  const len = DIGEST_LENGTHS[fi.digestAlgo] ?? 16;
  if (!fi.digests) return '';
  // rpm round-trips digests through binary: an empty one becomes zeros; a malformed list, none at all.
  if (fi.digests.some((d) => d !== '' && (d.length !== 2 * len || !/^[0-9a-fA-F]*$/.test(d)))) return '';
  const d = fi.digests[i];
  return d === '' ? '0'.repeat(2 * len) : d.toLowerCase();
}

/** rpm's printFileInfo. */
function lsLine(fi: FileInfo, i: number, now: number): string {
  const mode = fi.modes ? fi.modes[i] : 0;
  const type = mode & 0o170000;
  let size = fi.sizes ? fi.sizes[i] : 0n;
  let nlink = fi.nlinks[i];
  if (type === 0o040000) { nlink++; size = 0n; }
  const perms = permsString(mode).split('');
  let sizeField = String(size).padStart(20, ' ');
  const name = fi.paths[i];
  let shown = name;
  const rdev = fi.rdevs ? fi.rdevs[i] & 0xffff : 0;
  if (type === 0o120000) shown = `${name} -> ${fi.links ? fi.links[i] : '(null)'}`;
  else if (type === 0o020000 || type === 0o060000) {
    perms[0] = type === 0o020000 ? 'c' : 'b';
    sizeField = `${String((rdev >> 8) & 0xff).padStart(3, ' ')}, ${String(rdev & 0xff).padStart(3, ' ')}`;
  }
  const when = fi.mtimes ? fi.mtimes[i] : 0;
  const old = now > when + 6 * 30 * 24 * 60 * 60 || now < when - 60 * 60;
  const time = strftimeC(old ? '%b %e  %Y' : '%b %e %H:%M', BigInt(when));
  const owner = fi.users![i].slice(0, 8).padEnd(8, ' ');
  const group = fi.groups![i].slice(0, 8).padEnd(8, ' ');
  return `${perms.join('')} ${String(nlink).padStart(4, ' ')} ${owner} ${group} ${sizeField.padStart(10, ' ')} ${time} ${shown}\n`;
}

/**
 * Prints the file list of one package as `rpm -q -l` (and its variants) prints it.
 *
 * @example
 * listFiles(header, log, { include: 0, exclude: 0, state: false, dump: false, now: Date.now() / 1000 });
 */
export function listFiles(h: PackageHeader, log: RpmLog, opt: ListOptions): void {
  const fi = fileInfo(h, 'query');
  if (!fi || fi.count === 0) { log.notice('(contains no files)\n'); return; }
  for (let i = 0; i < fi.count; i++) {
    const flags = fi.flags ? fi.flags[i] : 0;
    if (opt.include && !(flags & opt.include)) continue;
    if (flags & opt.exclude) continue;
    let prefix = '';
    if (opt.state) {
      const st = fileState(fi, i);
      prefix = STATE_WORDS[st] ?? `(unknown ${String(st).padStart(3, ' ')}) `;
    }
    const fn = fi.paths[i];
    if (opt.dump) {
      const size = fi.sizes ? fi.sizes[i] : 0n;
      const mtime = fi.mtimes ? fi.mtimes[i] | 0 : 0;
      const mode = fi.modes ? fi.modes[i] : 0;
      const link = fi.links ? fi.links[i] : '';
      const rdev = fi.rdevs ? fi.rdevs[i] : 0;
      log.notice(`${prefix}${fn} ${size} ${mtime} ${digestHex(fi, i)} 0${mode.toString(8)} ${fi.users![i]} ${fi.groups![i]}`
        + ` ${flags & 1 ? '1' : '0'} ${flags & 2 ? '1' : '0'} ${rdev} ${link ? link : 'X'}\n`);
    } else if (!log.verbose) {
      log.notice(`${prefix}${fn}\n`);
    } else {
      log.notice(prefix);
      log.notice(lsLine(fi, i, opt.now));
    }
  }
}
