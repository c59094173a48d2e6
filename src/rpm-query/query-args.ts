/**
 * The query side of rpm's command line (rpm.c, lib/poptQV.c, lib/poptALL.c, rpmpopt
 * aliases), parsed the way popt parses it: short options cluster (`-qil`), long options
 * take `--opt ARG` or `--opt=ARG`, options and arguments interleave, `--` ends options,
 * aliases expand where they stand (so formats concatenate in command-line order), and
 * the first problem ends parsing with rpm's message and exit code 1.
 */
import type { PipeFilter } from './rpmpopt-aliases.js';
import { QUERY_ALIASES } from './rpmpopt-aliases.js';
import type { QuerySource } from './select-packages.js';
import { Verify } from './format-values.js';
import { LogLevel } from './query-output.js';

export type Source = QuerySource | 'all' | 'rpm';

export interface QueryRequest {
  mode: 'query' | 'verify' | null;
  source: Source;
  /** The --queryformat pieces, concatenated as rpm concatenates them. */
  queryFormat: string | null;
  list: boolean;
  state: boolean;
  dump: boolean;
  /** FILEFLAGS a listed file must have one of (-c, -d, -L, -A). */
  include: number;
  /** FILEFLAGS that exclude a file (--noghost, --noconfig, --noartifact). */
  exclude: number;
  verbosity: number;
  root: string | null;
  /** RPMVERIFY bits -V must not check. */
  verifyOmit: number;
  verifyFiles: boolean;
  verifyDeps: boolean;
  verifyScripts: boolean;
  pipe: PipeFilter | null;
  /** --nosignature: package files (-p) are read without NOKEY warnings. */
  noSignature: boolean;
  args: string[];
}

/** What parsing decided: run a request, or stop now with output and an exit code. */
export type ParsedArgs =
  | { kind: 'run'; request: QueryRequest }
  | { kind: 'exit'; code: number; stdout?: string; stderr?: string; action?: 'version' | 'help' | 'querytags' };

type Handler = (st: ParseState, arg: string) => string | void | { exit: ParsedArgs };

interface OptionSpec { takesArg: boolean; handle: Handler }

interface ParseState {
  req: QueryRequest;
  sourceCount: number;
  quiet: boolean;
  /** Mode-restricted options seen, for rpm's "may only be specified during..." checks. */
  restricted: string[];
  stuffed: string[];
}

const FILE = { CONFIG: 1, DOC: 2, GHOST: 64, LICENSE: 128, ARTIFACT: 4096 } as const;

/** rpm ORs source bits and counts each change; two different sources are an error later. */
function setSource(source: Source): Handler {
  return (st) => {
    if (st.req.source !== source) { st.sourceCount++; st.req.source = source; }
  };
}

const omit = (bits: number): Handler => (st) => { st.req.verifyOmit |= bits; };


const OPTIONS: Record<string, OptionSpec> = {
  '--query': { takesArg: false, handle: (st) => { if (st.req.mode === null || st.req.mode === 'query') st.req.mode = 'query'; } },
  '--verify': { takesArg: false, handle: (st) => { if (st.req.mode === null || st.req.mode === 'query') st.req.mode = 'verify'; } },
  '--all': { takesArg: false, handle: setSource('all') },
  '--file': { takesArg: false, handle: setSource('path') },
  '--path': { takesArg: false, handle: setSource('path-all') },
  '--group': { takesArg: false, handle: setSource('group') },
  '--package': { takesArg: false, handle: setSource('rpm') },
  '--pkgid': { takesArg: false, handle: setSource('pkgid') },
  '--hdrid': { takesArg: false, handle: setSource('hdrid') },
  '--tid': { takesArg: false, handle: setSource('tid') },
  '--querybynumber': { takesArg: false, handle: setSource('dbnumber') },
  '--triggeredby': { takesArg: false, handle: setSource('triggeredby') },
  '--whatprovides': { takesArg: false, handle: setSource('whatprovides') },
  '--whatrequires': { takesArg: false, handle: setSource('whatrequires') },
  '--whatconflicts': { takesArg: false, handle: setSource('whatconflicts') },
  '--whatobsoletes': { takesArg: false, handle: setSource('whatobsoletes') },
  '--whatrecommends': { takesArg: false, handle: setSource('whatrecommends') },
  '--whatsuggests': { takesArg: false, handle: setSource('whatsuggests') },
  '--whatsupplements': { takesArg: false, handle: setSource('whatsupplements') },
  '--whatenhances': { takesArg: false, handle: setSource('whatenhances') },
  '--noglob': { takesArg: false, handle: () => undefined },
  '--nomanifest': { takesArg: false, handle: () => undefined },
  '--configfiles': { takesArg: false, handle: (st) => { st.req.include |= FILE.CONFIG; } },
  '--docfiles': { takesArg: false, handle: (st) => { st.req.include |= FILE.DOC; } },
  '--licensefiles': { takesArg: false, handle: (st) => { st.req.include |= FILE.LICENSE; } },
  '--artifactfiles': { takesArg: false, handle: (st) => { st.req.include |= FILE.ARTIFACT; } },
  '--noghost': { takesArg: false, handle: (st) => { st.req.exclude |= FILE.GHOST; } },
  '--noconfig': { takesArg: false, handle: (st) => { st.req.exclude |= FILE.CONFIG; } },
  '--noartifact': { takesArg: false, handle: (st) => { st.req.exclude |= FILE.ARTIFACT; } },
  '--dump': { takesArg: false, handle: (st) => { st.req.dump = true; st.req.list = true; } },
  '--list': { takesArg: false, handle: (st) => { st.req.list = true; } },
  '--state': { takesArg: false, handle: (st) => { st.req.state = true; st.req.list = true; } },
  '--qf': { takesArg: true, handle: (st, a) => { st.req.queryFormat = (st.req.queryFormat ?? '') + a; } },
  '--queryformat': { takesArg: true, handle: (st, a) => { st.req.queryFormat = (st.req.queryFormat ?? '') + a; } },
  // -i after -q is --info (rpm stuffs the alias in); otherwise it is install mode, refused below.
  '-i': { takesArg: false, handle: (st) => { st.stuffed.push('--info'); } },
  '--nofiledigest': { takesArg: false, handle: omit(Verify.FILEDIGEST) },
  '--nomd5': { takesArg: false, handle: omit(Verify.FILEDIGEST) },
  '--nosize': { takesArg: false, handle: omit(Verify.FILESIZE) },
  '--nolinkto': { takesArg: false, handle: omit(Verify.LINKTO) },
  '--nouser': { takesArg: false, handle: omit(Verify.USER) },
  '--nogroup': { takesArg: false, handle: omit(Verify.GROUP) },
  '--nomtime': { takesArg: false, handle: omit(Verify.MTIME) },
  '--nomode': { takesArg: false, handle: omit(Verify.MODE) },
  '--nordev': { takesArg: false, handle: omit(Verify.RDEV) },
  '--nocontexts': { takesArg: false, handle: omit(Verify.CONTEXTS) },
  '--nocaps': { takesArg: false, handle: omit(Verify.CAPS) },
  '--nofiles': { takesArg: false, handle: (st) => { st.req.verifyFiles = false; } },
  '--nodeps': { takesArg: false, handle: (st) => { st.req.verifyDeps = false; st.restricted.push('nodeps'); } },
  '--noscript': { takesArg: false, handle: (st) => { st.req.verifyScripts = false; } },
  '--noscripts': { takesArg: false, handle: (st) => { st.req.verifyScripts = false; st.restricted.push('noscripts'); } },
  '--root': { takesArg: true, handle: (st, a) => { st.req.root = a; } },
  '--dbpath': { takesArg: true, handle: () => 'dbpath' },
  '--verbose': { takesArg: false, handle: (st) => { st.req.verbosity++; } },
  '--quiet': { takesArg: false, handle: (st) => { st.quiet = true; } },
  '--nodigest': { takesArg: false, handle: () => undefined },
  '--nosignature': { takesArg: false, handle: (st) => { st.req.noSignature = true; } },
  '--nohdrchk': { takesArg: false, handle: () => undefined },
  '--noplugins': { takesArg: false, handle: () => undefined },
  '--version': { takesArg: false, handle: () => ({ exit: { kind: 'exit', code: 0, action: 'version' } }) },
  '--querytags': { takesArg: false, handle: () => ({ exit: { kind: 'exit', code: 0, action: 'querytags' } }) },
  '--help': { takesArg: false, handle: () => ({ exit: { kind: 'exit', code: 0, action: 'help' } }) },
  '--usage': { takesArg: false, handle: () => ({ exit: { kind: 'exit', code: 0, action: 'help' } }) },
  // rpmpopt aliases that only set macros bazaar has no use for: accepted, their argument ignored.
  '--i18ndomains': { takesArg: true, handle: () => undefined },
  '--color': { takesArg: true, handle: () => undefined },
  '--httpport': { takesArg: true, handle: () => undefined },
  '--httpproxy': { takesArg: true, handle: () => undefined },
};

/** Short option letters to their long forms. */
const SHORT: Record<string, string> = {
  q: '--query', V: '--verify', a: '--all', f: '--file', g: '--group', p: '--package', c: '--configfiles',
  d: '--docfiles', L: '--licensefiles', A: '--artifactfiles', l: '--list', s: '--state', i: '-i', r: '--root',
  v: '--verbose', '?': '--help', P: '-P', R: '-R', D: '--define', E: '--eval', K: '--checksig',
  U: '--upgrade', F: '--freshen', e: '--erase', h: '--hash', b: '--build', t: '--build',
};

/** Options rpm has that bazaar-rpm does not do: installing, erasing, building, signing, macros. */
const UNSUPPORTED = new Set([
  '--install', '--upgrade', '--freshen', '--erase', '--reinstall', '--restore', '--hash', '--percent', '--force',
  '--replacepkgs', '--replacefiles', '--oldpackage', '--test', '--justdb', '--excludedocs', '--includedocs',
  '--ignorearch', '--ignoreos', '--ignoresize', '--allfiles', '--allmatches', '--notriggers', '--prefix', '--relocate',
  '--excludepath', '--setperms', '--setugids', '--setcaps', '--checksig', '--import', '--initdb', '--rebuilddb',
  '--verifydb', '--addsign', '--delsign', '--resign', '--specfile', '--define', '--predefine', '--undefine', '--eval',
  '--macros', '--load', '--rcfile', '--target', '--pipe', '--showrc', '--trace', '--build', '-i',
]);
const UNSUPPORTED_WITH_ARG = new Set(['--define', '--predefine', '--undefine', '--eval', '--macros', '--load', '--rcfile', '--target', '--pipe', '--prefix', '--relocate', '--excludepath']);

function fresh(): ParseState {
  return {
    req: {
      mode: null, source: 'package', queryFormat: null, list: false, state: false, dump: false, include: 0, exclude: 0,
      verbosity: LogLevel.NOTICE, root: null, verifyOmit: 0, verifyFiles: true, verifyDeps: true, verifyScripts: true,
      pipe: null, noSignature: false, args: [],
    },
    sourceCount: 0, quiet: false, restricted: [], stuffed: [],
  };
}

/**
 * Parses an rpm command line (without the program name).
 *
 * @example
 * parseQueryArgs(['-qil', 'bash'], 'rpm');
 * // { kind: 'run', request: { mode: 'query', list: true, queryFormat: 'Name        : %{NAME}\\n...', args: ['bash'], ... } }
 */
export function parseQueryArgs(argv: string[], prog: string): ParsedArgs {
  const st = fresh();
  const fail = (message: string): ParsedArgs => ({ kind: 'exit', code: 1, stderr: `${prog}: ${message}\n` });
  const queue = [...argv];
  let optionsDone = false;

  /** Applies one option; returns an exit when parsing must stop. */
  const apply = (name: string, shown: string, inline: string | null, nextArg: () => string | null): ParsedArgs | null => {
    const alias = QUERY_ALIASES[name];
    if (alias) {
      st.req.queryFormat = (st.req.queryFormat ?? '') + alias.format;
      if (alias.pipe) st.req.pipe = alias.pipe;
      return null;
    }
    if (UNSUPPORTED.has(name) && !(name === '-i' && st.req.mode === 'query')) {
      if (UNSUPPORTED_WITH_ARG.has(name) && inline === null) nextArg();
      return fail(`${shown}: not supported by bazaar-rpm, which answers queries (-q) and verification (-V) only`);
    }
    const spec = OPTIONS[name];
    if (!spec) return fail(`${shown}: unknown option`);
    let value = '';
    if (spec.takesArg) {
      const v = inline ?? nextArg();
      if (v === null) return fail(`${shown}: missing argument`);
      value = v;
    }
    const r = spec.handle(st, value);
    if (r === 'dbpath') {
      if (!value.startsWith('/')) return { kind: 'exit', code: 1, stderr: 'arguments to --dbpath must begin with \'/\'\n' };
      return fail('--dbpath: not supported by bazaar-rpm: the package database is the one bazaar gives it');
    }
    if (typeof r === 'object') return r.exit;
    while (st.stuffed.length) {
      const s = st.stuffed.shift()!;
      const e = apply(s, s, null, () => null);
      if (e) return e;
    }
    return null;
  };

  while (queue.length) {
    const a = queue.shift()!;
    const next = (): string | null => (queue.length ? queue.shift()! : null);
    if (optionsDone || a === '-' || !a.startsWith('-')) { st.req.args.push(a); continue; }
    if (a === '--') { optionsDone = true; continue; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(0, eq) : a;
      const e = apply(name, name, eq >= 0 ? a.slice(eq + 1) : null, next);
      if (e) return e;
      continue;
    }
    for (let k = 1; k < a.length; k++) {
      const long = SHORT[a[k]];
      if (!long) return fail(`${a}: unknown option`);
      const rest = a.slice(k + 1);
      const spec = OPTIONS[long];
      if (spec?.takesArg || UNSUPPORTED_WITH_ARG.has(long)) {
        const e = apply(long, a, rest === '' ? null : rest, next);
        if (e) return e;
        break;
      }
      const e = apply(long, a, null, next);
      if (e) return e;
    }
  }
  return finish(st, prog, argv.length);
}

/** rpm.c's checks after option parsing. */
function finish(st: ParseState, prog: string, argc: number): ParsedArgs {
  const { req } = st;
  const fail = (message: string): ParsedArgs => ({ kind: 'exit', code: 1, stderr: `${prog}: ${message}\n` });
  if (st.sourceCount > 1) return fail('one type of query/verify may be performed at a time');
  // rpm.c checks the script options before --nodeps; both are install/erase options outside -V.
  if (req.mode === 'query' && st.restricted.includes('noscripts')) return fail('script disabling options may only be specified during package installation and erasure');
  if (req.mode === 'query' && st.restricted.includes('nodeps')) return fail('--nodeps may only be specified during package installation, erasure, and verification');
  if (req.root !== null && !req.root.startsWith('/')) return fail('arguments to --root (-r) must begin with a /');
  if (st.quiet) req.verbosity = LogLevel.WARNING;
  if (req.mode === null) {
    // rpm prints its usage when there is nothing to do but arguments were given (or none at all).
    if (req.args.length || argc === 0) return { kind: 'exit', code: Math.min(argc + 1, 254), action: 'help' };
    return { kind: 'exit', code: 0 };
  }
  if (req.args.length === 0 && req.source !== 'all') {
    return fail(`no arguments given for ${req.mode === 'query' ? 'query' : 'verify'}`);
  }
  return { kind: 'run', request: req };
}
