/**
 * What the query engine needs to know about the installed system: the packages, in
 * database order, and the root directory their files live under. Where the headers come
 * from (bazaar's per-package snippets, rpm files, a test) is the caller's business.
 */
import type { RpmHeader } from '../rpm/index.js';
import type { InstallTree } from './install-tree.js';

/**
 * One installed package: its immutable main header as the package file carries it, plus
 * what rpm records at install time and stores in its own copy of the header.
 */
export interface InstalledPackage {
  /** The package's main header (readRpmFile's `.header`). */
  header: RpmHeader;
  /**
   * The package's signature header, when kept. rpm copies its digests and signatures into
   * the installed header (SIGMD5, SHA1HEADER, RSAHEADER...): `-qi`'s Signature line and
   * `--pkgid`/`--hdrid` need it. Without it those tags are absent.
   */
  signature?: RpmHeader;
  /** INSTALLTIME, seconds since the epoch. Absent: `-qi` says `(not installed)` as for a package file. */
  installTime?: number;
  /** INSTALLTID, the transaction id (rpm uses the transaction's start time). Defaults to installTime. */
  installTid?: number;
  /** INSTALLCOLOR, the transaction colour (3 on x86_64 hosts, 0 or 1 elsewhere). Defaults to 0. */
  installColor?: number;
  /**
   * FILESTATES, one per file in header order (0 normal, 1 replaced, 2 not installed,
   * 3 net shared, 4 wrong colour). Defaults to all normal.
   */
  fileStates?: ArrayLike<number>;
  /**
   * rpm's header instance (DBINSTANCE, `--querybynumber`): rpm numbers packages from 1 in
   * the order they were added. Defaults to the 1-based position in `packages()`.
   */
  instance?: number;
}

/** The installed database as the engine sees it. */
export interface InstalledDb {
  /**
   * Every installed package in database order. `-qa` and every multi-package answer
   * print in this order, as rpm prints in its database's order (install order for a
   * database built by installs). A caller without an install order should sort by name.
   */
  packages(): Iterable<InstalledPackage> | AsyncIterable<InstalledPackage>;
  /** The root the packages are installed under (`/` on a running system); -V and -qf look here. */
  root: string;
  /**
   * The files the packages are installed as, when they are not under `root` on this
   * machine (an image in bazaar's store): -V, -f and file lookups read these instead, for
   * queries too (as rpm running inside that system would), and never the host. Opened
   * only when a command needs files.
   */
  openFiles?: () => InstallTree | Promise<InstallTree>;
}

/**
 * The simplest InstalledDb: a list, in the given order.
 *
 * @example
 * const { header, signature } = await readRpmFile('bash-5.2.26-alt1.x86_64.rpm');
 * const db = memoryDb([{ header, signature, installTime: 1700000000 }], '/');
 */
export function memoryDb(packages: InstalledPackage[], root = '/'): InstalledDb {
  return { packages: () => packages, root };
}
