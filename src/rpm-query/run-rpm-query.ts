/**
 * `rpm -q` and `rpm -V` over an InstalledDb: the entry point a `bazaar-rpm` wrapper calls
 * with its argv. Answers byte for byte as rpm 4.18 does, exit codes included (the
 * number of arguments that matched nothing, or -V's problem count, capped at 254).
 */
import { parseQueryFormat, FormatError } from './format-parser.js';
import type { FormatToken } from './format-parser.js';
import { renderQueryFormat } from './format-render.js';
import type { InstalledDb } from './installed-db.js';
import { listFiles } from './list-files.js';
import { parseQueryArgs } from './query-args.js';
import type { QueryRequest } from './query-args.js';
import { QueryDb } from './query-db.js';
import type { DbEntry } from './query-db.js';
import { RpmLog } from './query-output.js';
import type { QueryOutput } from './query-output.js';
import { applyPipe } from './rpmpopt-aliases.js';
import { RootFs } from './root-fs.js';
import type { InstallTree } from './install-tree.js';
import { selectAll, selectPackages } from './select-packages.js';
import { byteString, toBytes } from './tag-data.js';
import { allTagNames, tagByName } from './tag-table.js';
import { verifyDependencies } from './verify-deps.js';
import { Accounts, verifyFiles } from './verify-files.js';
import { queryPackageFiles } from './package-files.js';
import { Fingerprints } from './fingerprint.js';
import { localeFrom } from './i18n.js';

export type { QueryOutput } from './query-output.js';

/** The rpm release whose answers the engine reproduces. */
export const RPM_VERSION = '4.18.0';

export interface RunRpmQueryOptions {
  /** Program name in messages (`rpm: --bogus: unknown option`); rpm uses its argv[0]. Default `rpm`. */
  progName?: string;
  /** bazaar's version, shown by --version. */
  bazaarVersion?: string;
  /** The working directory for relative `-f` paths. Default process.cwd(). */
  cwd?: string;
  /** "Now" in seconds, for -lv's choice between time and year. Default the clock. */
  now?: () => number;
  /**
   * The environment whose LANGUAGE, LC_ALL, LC_MESSAGES and LANG choose the translation
   * of I18N strings (SUMMARY, DESCRIPTION, GROUP), as rpm's getenv does. Default process.env.
   */
  env?: Record<string, string | undefined>;
}

/** The installed database, or how to open the one under a `--root`. */
export type DbSource = InstalledDb | ((root: string) => InstalledDb | Promise<InstalledDb>);

const DEFAULT_FORMAT = '%{nvr}%{archsuffix}\n';

const TYPE_NAMES = ['', 'char', 'int8', 'int16', 'int32', 'int64', 'string', 'blob', 'argv', 'i18nstring'];

function helpText(prog: string): string {
  return `Usage: ${prog} -q|-V [OPTION...] [PACKAGE|PATTERN|FILE|CAPABILITY...]
bazaar-rpm: rpm's queries and verification, answered from bazaar's package database.

Query/Verify package selection:
  -a, --all                  all packages (optional arguments: name patterns or TAG=PATTERN)
  -f, --file FILE            the package owning an installed file    --path PATH (any state)
  -g, --group GROUP          packages in a group                     -p, --package PACKAGE_FILE
  --whatprovides CAP  --whatrequires CAP  --whatconflicts CAP  --whatobsoletes CAP
  --whatrecommends CAP  --whatsuggests CAP  --whatsupplements CAP  --whatenhances CAP
  --triggeredby PKG  --pkgid MD5  --hdrid SHA1  --tid TID  --querybynumber N

Query options (with -q):
  -i, --info  -l, --list  -s, --state  --dump  -c, --configfiles  -d, --docfiles
  -L, --licensefiles  -A, --artifactfiles  --noghost  --noconfig  --noartifact
  --qf, --queryformat FORMAT   --provides (-P)  --requires (-R)  --conflicts  --obsoletes
  --recommends  --suggests  --supplements  --enhances  --scripts  --triggers  --filetriggers
  --changelog  --changes  --last  --dupes  --filesbypkg  --fileclass  --filecolor
  --fileprovide  --filerequire  --filecaps

Verify options (with -V):
  --nofiles  --nodeps  --noscripts  --nofiledigest  --nosize  --nolinkto  --nouser
  --nogroup  --nomtime  --nomode  --nordev  --nocaps

Common options:
  -r, --root ROOT  -v, --verbose  --quiet  --nodigest  --nosignature  --querytags
  --version  -?, --help
`;
}

function usageText(prog: string, bazaarVersion?: string): string {
  return `RPM version ${RPM_VERSION} (bazaar-rpm${bazaarVersion ? ` ${bazaarVersion}` : ''})\n`
    + `This program may be freely redistributed under the terms of the GNU GPL\n\n${helpText(prog)}`;
}

/** rpm's --querytags (names sorted as rpm sorts them; with -v before it, number and type too). */
function queryTags(verbose: boolean): string {
  const names = allTagNames().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((n) => {
    if (!verbose) return `${n}\n`;
    const t = tagByName(n)!;
    return `${n.padEnd(20, ' ')} ${String(t.value).padStart(6, ' ')}${t.type ? ` ${TYPE_NAMES[t.type]}` : ''}\n`;
  }).join('');
}

/** rpm's showQueryPackage: the format, then the file list. */
function showQuery(entry: DbEntry, req: QueryRequest, tokens: FormatToken[] | FormatError | null, log: RpmLog, now: () => number): void {
  if (tokens instanceof FormatError) log.error(`incorrect format: ${tokens.message}\n`);
  else if (tokens) {
    try {
      log.notice(renderQueryFormat(tokens, entry.h));
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      log.error(`incorrect format: ${err.message}\n`);
    }
  }
  if (req.list || req.include) {
    listFiles(entry.h, log, { include: req.include, exclude: req.exclude, state: req.state, dump: req.dump, now: now() });
  }
}

/**
 * Runs an rpm query or verify command line against installed packages and writes what
 * rpm would write. Resolves to rpm's exit code. Never throws for bad input: unknown
 * options, tags and malformed formats get rpm's one-line errors.
 *
 * The database order (header instance order) is the order of every multi-package
 * answer, `-qa` included: pass packages in install order, or sorted by name when no
 * order is known.
 *
 * @example
 * const db = memoryDb([{ header, installTime: 1700000000 }], '/');
 * const code = await runRpmQuery(['-qi', 'bash'], db, {
 *   stdout: (b) => process.stdout.write(b),
 *   stderr: (s) => process.stderr.write(s),
 * });
 */
export async function runRpmQuery(argv: string[], db: DbSource, out: QueryOutput, options: RunRpmQueryOptions = {}): Promise<number> {
  const prog = options.progName ?? 'rpm';
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const parsed = parseQueryArgs(argv.map(byteString), prog);
  if (parsed.kind === 'exit') {
    if (parsed.action === 'version') out.stdout(`RPM version ${RPM_VERSION} (bazaar-rpm${options.bazaarVersion ? ` ${options.bazaarVersion}` : ''})\n`);
    else if (parsed.action === 'querytags') out.stdout(queryTags(argv.indexOf('--querytags') > 0 && argv.slice(0, argv.indexOf('--querytags')).some((a) => a === '-v' || a === '--verbose')));
    else if (parsed.action === 'help') {
      if (parsed.code === 0) out.stdout(helpText(prog)); else out.stderr(usageText(prog, options.bazaarVersion));
    }
    if (parsed.stdout) out.stdout(parsed.stdout);
    if (parsed.stderr) out.stderr(Buffer.from(parsed.stderr, 'latin1').toString('utf8'));
    return parsed.code;
  }
  const req = parsed.request;
  let captured = '';
  const sink: QueryOutput = req.pipe
    ? { stdout: (c) => { captured += typeof c === 'string' ? c : Buffer.from(c).toString('latin1'); }, stderr: (s) => out.stderr(s) }
    : out;
  const log = new RpmLog(sink, req.verbosity);
  let installed: InstalledDb;
  const wantRoot = req.root === null ? null : Buffer.from(req.root, 'latin1').toString('utf8');
  if (typeof db === 'function') {
    installed = await db(wantRoot ?? '/');
  } else {
    installed = db;
    const norm = (p: string): string => p.replace(/\/+$/, '') || '/';
    if (wantRoot !== null && norm(wantRoot) !== norm(db.root)) {
      out.stderr(`${prog}: --root ${wantRoot}: bazaar-rpm was given the package database of ${db.root} only\n`);
      return 1;
    }
  }
  const lang = localeFrom(options.env ?? process.env);
  const qdb = await QueryDb.load(installed, { verbose: log.verbose, lang });
  const cwd = options.cwd ?? process.cwd();
  // rpm compares file paths by fingerprint: on the host for queries, inside the root for -V
  // (after chroot); an image's files are its stored tree for both.
  const needsFiles = req.mode === 'verify' || req.source === 'path' || req.source === 'path-all' || req.source === 'whatprovides';
  let files: InstallTree | null = null;
  if (installed.openFiles) { if (needsFiles) files = await installed.openFiles(); } else files = new RootFs(req.mode === 'verify' ? qdb.root : '/');
  if (files) qdb.fingerprints = new Fingerprints(files, byteString(cwd));
  const ctx = { db: qdb, log, cwd, files };
  const fileOptions = { verbose: log.verbose, lang, noSignature: req.noSignature, warnedKeys: new Set<string>() };
  let ec = 0;

  if (req.mode === 'query') {
    let tokens: FormatToken[] | FormatError | null = null;
    const format = req.queryFormat ?? (req.list || req.include ? null : DEFAULT_FORMAT);
    if (format !== null) {
      try { tokens = parseQueryFormat(format); } catch (err) {
        if (!(err instanceof FormatError)) throw err;
        tokens = err;
      }
    }
    const show = (e: DbEntry): void => showQuery(e, req, tokens, log, now);
    if (req.source === 'rpm') {
      ec += await queryPackageFiles(req.args, log, fileOptions, show);
    } else if (req.source === 'all') {
      const entries = selectAll(ctx, req.args);
      if (entries === null) ec = 1; else entries.forEach(show);
    } else {
      for (const arg of req.args) {
        const entries = selectPackages(ctx, req.source, arg);
        if (entries) entries.forEach(show);
        // rpm reads an uninstalled `*.rpm` argument as a package file instead.
        else if (req.source === 'package' && arg.endsWith('.rpm')) ec += await queryPackageFiles([arg], log, fileOptions, show);
        else ec++;
      }
    }
  } else {
    const tree = files!;
    const accounts = req.verifyFiles ? await Accounts.load(tree) : null;
    const verifyOne = async (e: DbEntry): Promise<number> => {
      let rc = 0;
      if (req.verifyDeps) { const r = verifyDependencies(qdb, e, log); if (r) rc = r; }
      if (accounts) { const r = await verifyFiles(e.h, qdb, tree, accounts, log, { omit: req.verifyOmit, include: req.include, exclude: req.exclude }); if (r) rc = r; }
      return rc;
    };
    // rpm keeps the last failing package's code per argument, and sums over arguments.
    const showAll = async (entries: DbEntry[]): Promise<number> => {
      let acc = 0;
      for (const e of entries) { const r = await verifyOne(e); if (r) acc = r; }
      return acc;
    };
    if (req.source === 'rpm') {
      // rpm chroots before it opens the files (relative names from the same working directory, inside
      // the root); an image has no such root: its files are read where they are
      const locate = !installed.openFiles && tree instanceof RootFs && qdb.root.replace(/\/+$/, '') !== ''
        ? (arg: string): string => tree.hostPath(arg.startsWith('/') ? arg : `${byteString(cwd)}/${arg}`, true) : undefined;
      let failed = 0;
      // as rpmgiShowMatches: the last failing package's code, plus the files that could not be read
      ec += await queryPackageFiles(req.args, log, { ...fileOptions, locate }, async (e) => { const r = await verifyOne(e); if (r) failed = r; });
      ec += failed;
    } else if (req.source === 'all') {
      const entries = selectAll(ctx, req.args);
      ec = entries === null ? 1 : await showAll(entries);
    } else {
      for (const arg of req.args) {
        const entries = selectPackages(ctx, req.source, arg);
        ec += entries === null ? 1 : await showAll(entries);
      }
    }
  }
  if (req.pipe) {
    const text = applyPipe(req.pipe, captured);
    if (text) out.stdout(toBytes(text));
  }
  return Math.min(ec, 254);
}
