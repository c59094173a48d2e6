/**
 * `bazaar-rpm`: rpm on a Virtual Appliance, whose package database is the image's
 * snippets (never an rpmdb file). Queries and verification answer byte for byte as rpm
 * does (src/rpm-query, docs/rpm-query.md), from
 *
 *   bazaar-rpm [--root DIR] -q...        the snippets of a checked-out image at DIR
 *                                        (default /: the running VA)
 *   bazaar-rpm --image NAME -q...        the snippets of an image in the store; -V and
 *                                        file lookups read the image's stored tree
 *
 * and `-i`, `-U`, `-F`, `-e` with --image change the image through the resolver and its
 * policies: the packages go into its private layer, as a new image version and a commit.
 */
import { BazaarError } from '../errors.js';
import { ImageTree, installedHeader, installedPackages, installOrder, nevraOf, rootDb, runRpmQuery, snippetPackage } from '../rpm-query/index.js';
import { changeImage } from '../api/index.js';
import { imageId, loadImage } from '../image/index.js';
import type { InstalledDb, PackageHeader } from '../rpm-query/index.js';
import { readRpmFile, transactionColor } from '../rpm/index.js';
import { freshens, installProblems } from './rpm-install-checks.js';
import { withHint } from './error-hints.js';
import { Store } from '../store/index.js';
import { version } from './dispatch.js';
import type { MainStreams } from './dispatch.js';

const INSTALL_MODES: Record<string, 'install' | 'upgrade' | 'freshen' | 'erase'> = { i: 'install', U: 'upgrade', F: 'freshen', e: 'erase' };
const LONG_MODES: Record<string, 'install' | 'upgrade' | 'freshen' | 'erase'> = { '--install': 'install', '--upgrade': 'upgrade', '--freshen': 'freshen', '--erase': 'erase' };

/** The mode the first mode option names: a query/verify (the engine's), or a package change. */
function modeOf(argv: string[]): 'install' | 'upgrade' | 'freshen' | 'erase' | null {
  for (const a of argv) {
    if (LONG_MODES[a]) return LONG_MODES[a];
    if (a === '--') break;
    if (/^-[a-zA-Z]+$/.test(a)) {
      const first = a[1];
      if (first === 'q' || first === 'V') return null;
      if (INSTALL_MODES[first]) return INSTALL_MODES[first];
    }
  }
  return null;
}

/** Takes bazaar's own options (--store, --image) out of argv. */
function bazaarOptions(argv: string[]): { rest: string[]; store: string; image: string | null } {
  const rest: string[] = [];
  let store = process.env.BAZAAR_STORE || './bazaar-store';
  let image: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--store' || a === '--image') {
      const v = argv[++i];
      if (v === undefined) throw new BazaarError('ERR_USAGE', `${a} needs a value`);
      if (a === '--store') store = v; else image = v;
    } else if (a.startsWith('--store=')) store = a.slice(8);
    else if (a.startsWith('--image=')) image = a.slice(8);
    else rest.push(a);
  }
  if (store === '') throw new BazaarError('ERR_USAGE', '--store needs a directory, not an empty string');
  return { rest, store, image };
}

/** An image's packages, and its stored files for -V and file queries (never the host's). */
async function imageQueryDb(storeDir: string, name: string, opened: Store[]): Promise<InstalledDb> {
  const store = await Store.open(storeDir);
  opened.push(store);
  const { db, trees } = await store.read(async (view) => {
    const loaded = await loadImage(store, await imageId(view, name));
    return { db: loaded.db, trees: loaded.trees };
  });
  const packages = installedPackages(db);
  return { packages: () => packages, root: '/', openFiles: () => ImageTree.open(store, trees) };
}

async function change(io: MainStreams, mode: 'install' | 'upgrade' | 'freshen' | 'erase', argv: string[], storeDir: string, image: string | null, opened: Store[]): Promise<number> {
  if (image === null) {
    io.stderr.write("bazaar-rpm: installing and erasing change an image in the store: give --image NAME (a checked-out directory is a copy)\n");
    return 1;
  }
  const verbose = argv.some((a) => /^-[a-zA-Z]*v/.test(a) || a === '--verbose');
  const args = argv.filter((a) => !a.startsWith('-'));
  const unsupported = argv.filter((a) => a.startsWith('-') && !/^-[iUFevh]+$/.test(a) && !['--install', '--upgrade', '--freshen', '--erase', '--verbose', '--hash', '--quiet'].includes(a));
  if (unsupported.length) { io.stderr.write(`bazaar-rpm: ${unsupported.join(' ')}: not supported when changing an image (the resolver and the image's policies decide)\n`); return 1; }
  if (args.length === 0) { io.stderr.write(`bazaar-rpm: no packages given for ${mode === 'erase' ? 'erase' : 'install'}\n`); return 1; }
  const store = await Store.open(storeDir);
  opened.push(store);
  const db = installOrder((await store.read(async (view) => loadImage(store, await imageId(view, image)))).db);
  const installed = db.map((p, i) => installedHeader(snippetPackage(p.snippet, p.header, 0), i + 1, { verbose: false }));
  const tscolor = transactionColor(db.map((p) => p.snippet.arch));
  // Package files are added to the store first, then installed by their NEVRA; rpm's checks come first.
  let files = args.filter((a) => a.endsWith('.rpm'));
  const names = args.filter((a) => !a.endsWith('.rpm'));
  if (files.length && mode !== 'erase') {
    const given = new Map<string, PackageHeader>();
    for (const f of files) given.set(f, installedHeader(await readRpmFile(f), 0, { verbose: false }));
    if (mode === 'freshen') files = files.filter((f) => freshens(given.get(f)!, installed, tscolor));
    else {
      const unique = [...new Map([...given.values()].map((h) => [nevraOf(h), h])).values()];
      const { lines, elements } = installProblems(mode, unique, installed, tscolor);
      if (lines.length) { for (const l of lines) io.stderr.write(`\t${l}\n`); return elements; }
    }
    for (const r of await store.add(files)) names.push(r.nevra);
  }
  if (names.length === 0) return 0; // -F of nothing newer: rpm skips them silently
  if (mode === 'install') {
    // rpm -i of what is installed already is refused, naming it
    const there = names.map((n) => db.findIndex((p) => p.snippet.name === n || p.snippet.nevra === n)).filter((i) => i >= 0);
    if (there.length) { for (const i of there) io.stderr.write(`\tpackage ${nevraOf(installed[i])} is already installed\n`); return there.length; }
  }
  const r = await changeImage(store, image, mode === 'erase' ? { erase: names } : mode === 'install' ? { install: names } : { upgrade: names, ...(mode === 'upgrade' ? { install: names } : {}) },
    { strictErase: mode === 'erase' });
  if (mode === 'upgrade' && r.installed.length === 0 && r.removed.length === 0) {
    // -U of names whose best build is installed: nothing to do is rpm's "already installed"
    const there = names.map((n) => db.findIndex((p) => p.snippet.name === n || p.snippet.nevra === n)).filter((i) => i >= 0);
    for (const i of there) io.stderr.write(`\tpackage ${nevraOf(installed[i])} is already installed\n`);
    if (there.length) return there.length;
  }
  if (verbose) for (const line of [...r.installed.map((n) => `installed ${n}`), ...r.removed.map((n) => `erased ${n}`)]) io.stdout.write(`${line}\n`);
  return 0;
}

async function run(argv: string[], io: MainStreams, opened: Store[]): Promise<number> {
  const { rest, store, image } = bazaarOptions(argv);
  const mode = modeOf(rest);
  if (mode !== null) return change(io, mode, rest, store, image, opened);
  const out = {
    stdout: (c: string | Uint8Array): void => { io.stdout.write(c); },
    stderr: (s: string): void => { io.stderr.write(s); },
  };
  const db = image === null ? (root: string) => rootDb(root) : async (root: string) => {
    if (root.replace(/\/+$/, '') !== '') throw new BazaarError('ERR_USAGE', `--root ${root} and --image ${image} name two systems: give one (--root reads a checked-out image, --image one in the store)`);
    return imageQueryDb(store, image, opened);
  };
  return runRpmQuery(rest, db, out, { progName: 'rpm', bazaarVersion: version() });
}


/**
 * Runs one `bazaar-rpm` invocation on `io` and returns its exit code, as rpm would exit;
 * a bazaar error is printed in rpm's words. Only an internal error is thrown.
 */
export async function rpmMain(argv: string[], io: MainStreams = process): Promise<number> {
  // the stores it opens are closed at its end: an attached store's connections would hold the process
  const opened: Store[] = [];
  try {
    return await run(argv, io, opened);
  } catch (err) {
    if (!(err instanceof BazaarError)) throw err;
    const head = err.code === 'ERR_NO_SOLUTION' ? `error: Failed dependencies:\n\t${err.message}` : `error: ${withHint(err).split('\n')[0]}`;
    io.stderr.write(`${head}\n`);
    return 1;
  } finally {
    await Promise.allSettled(opened.map((s) => s.close()));
  }
}
