/**
 * Runs the bundled executables (dist/bin/code/, CommonJS chunks written by
 * scripts/bundle.mjs) with V8's code cache: a chunk compiled once keeps its bytecode in a
 * cache file, so the next start deserializes it instead of parsing and compiling again.
 * It is what `v8-compile-cache` does, for our chunks only (docs/architecture.md#start-up).
 *
 * Never wrong, at worst slower: a cache file is used only when it names the exact source
 * (the chunk's length and CRC-32) and its payload matches its own CRC-32; V8 then checks
 * its version and flags. Anything else (absent, stale, damaged, unreadable, rejected) is
 * a plain compile, and the cache is written anew at exit (atomically; errors ignored).
 * The CRCs guard against damage and staleness, not an attacker: whoever can write the
 * user's cache directory can already change what the user runs. They were SHA-1s: a
 * start hashes ~700 KB (chunks and caches), 8 M instructions of SHA-1 against 2 M of
 * CRC-32, and node:zlib is loaded by any read of the store anyway (node:crypto too, but
 * not by --help or --version). CRC-32 misses no damage of up to 32 bits in a row and
 * other random damage once in 2^32 (docs/architecture.md#start-up).
 *
 * A cache holds the functions compiled by the run that wrote it; the others compile
 * lazily at every start that calls them. So a cache file also lists the runs (by the set
 * of chunks they loaded) whose functions it holds, and the first run of another kind
 * that uses it writes it again at exit with its own functions added: a `show` after an
 * `init` and an `add` made the store's caches compiled ~18 M instructions at each start.
 */
import { isAscii } from 'node:buffer';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';
import { flagsInForce, withDefaultV8Flags } from './v8-flags.js';

const MAGIC = Buffer.from('BZV8CC03');
const ID = 8;
/** The magic, the source's id, the CRC-32 of what follows it (the runs and the payload), the number of runs. */
const HEADER = MAGIC.length + ID + 4 + 1;
/** How many kinds of run one cache file takes functions from (each adds once): a bound on rewrites. */
export const MAX_RUNS = 16;

/** Where cache files go: $BAZAAR_CODE_CACHE ('' or 'off': none), else the user's cache directory. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const set = env.BAZAAR_CODE_CACHE;
  if (set !== undefined) return set === '' || set === 'off' ? null : resolve(set);
  const base = env.XDG_CACHE_HOME || (env.HOME || homedir() ? join(env.HOME || homedir(), '.cache') : '');
  return base ? join(base, 'bazaar', 'v8-code') : null;
}

/** What a cache file names its chunk by: the chunk's length and CRC-32 (8 bytes). */
export function sourceId(source: Buffer): Buffer {
  const id = Buffer.allocUnsafe(ID);
  id.writeUInt32BE(source.length % 2 ** 32, 0);
  id.writeUInt32BE(crc32(source), 4);
  return id;
}

/** A cache file: V8's payload, and the runs (runKey) whose compiled functions it holds. */
export interface CacheFile { payload: Buffer; runs: number[] }

/** A cache file's payload and runs when it was made for exactly the source `id` names and is whole; else null. */
export function readCacheFile(file: Buffer, id: Buffer): CacheFile | null {
  if (file.length <= HEADER || !file.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  if (!file.subarray(MAGIC.length, MAGIC.length + ID).equals(id)) return null;
  if (file.readUInt32BE(MAGIC.length + ID) !== crc32(file.subarray(HEADER - 1))) return null;
  const count = file[HEADER - 1];
  if (file.length <= HEADER + 4 * count) return null;
  const runs: number[] = [];
  for (let i = 0; i < count; i++) runs.push(file.readUInt32BE(HEADER + 4 * i));
  return { payload: file.subarray(HEADER + 4 * count), runs };
}

/** A cache file's bytes: the magic, the source's id, a CRC-32 of the rest, the runs' count, the runs, the payload. */
export function cacheFileBytes(payload: Buffer, id: Buffer, runs: readonly number[]): Buffer {
  const head = Buffer.allocUnsafe(HEADER + 4 * runs.length);
  MAGIC.copy(head, 0);
  id.copy(head, MAGIC.length);
  head[HEADER - 1] = runs.length;
  runs.forEach((r, i) => head.writeUInt32BE(r, HEADER + 4 * i));
  head.writeUInt32BE(crc32(payload, crc32(head.subarray(HEADER - 1))), MAGIC.length + ID);
  return Buffer.concat([head, payload]);
}

/** A kind of run, named by the chunks it loaded (their file names): runs of one command load the same ones. */
export function runKey(files: Iterable<string>): number {
  return crc32([...files].map((f) => f.slice(f.lastIndexOf('/') + 1)).sort().join('\0'));
}

/** How many builds' caches are kept (installed versions used in turn); older ones are removed when a build writes. */
export const KEEP_BUILDS = 8;

/** Removes all but the `keep` most recently written build directories of `base`. */
export function pruneBuilds(base: string, keep: number): void {
  try {
    const builds = readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory())
      .map((e) => ({ path: join(base, e.name), mtime: statSync(join(base, e.name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const old of builds.slice(keep)) rmSync(old.path, { recursive: true, force: true });
  } catch { /* another process pruned first, or nothing to prune */ }
}

/** `extended`: of the files written, those that were used and now also hold this run's functions. */
export interface LoadReport { used: number; compiled: number; written: number; extended: number }

interface Loaded { exports: unknown }

/**
 * Loads `entry` (a chunk under `root`) and what it requires from `root`, each compiled with
 * its cache file when one is good; the rest (node: builtins, node_modules) is Node's.
 */
export function runBundle(entry: string, root: string, build: string, cacheBase: string | null = codeCacheDir()): LoadReport {
  // one directory per build and V8: a new version compiles afresh, and old ones are pruned
  const cacheDir = cacheBase === null ? null : join(cacheBase, `${build}-${process.versions.v8}-${process.arch}`);
  const report: LoadReport = { used: 0, compiled: 0, written: 0, extended: 0 };
  const modules = new Map<string, Loaded>();
  const toWrite: { file: string; script: vm.Script; id: Buffer }[] = [];
  const used: { file: string; script: vm.Script; id: Buffer; cached: CacheFile }[] = [];

  const load = (file: string): unknown => {
    const known = modules.get(file);
    if (known) return known.exports;
    // `file` is absolute and resolved (below): its directory and name by string search, not
    // path.dirname/basename/join, which walk it in JS a character at a time (with ~30 chunks'
    // long paths that loop got hot enough for V8 to optimise it on a background thread,
    // about 3 ms of a cold `show`'s CPU)
    const slash = file.lastIndexOf('/');
    const here = file.slice(0, slash);
    const bytes = readFileSync(file);
    // esbuild writes an empty chunk for a module of re-exports alone (a narrow door such as
    // store/open.ts): nothing to run, compile or cache (two would share one source and cache)
    if (bytes.length === 0) {
      const empty: Loaded = { exports: {} };
      modules.set(file, empty);
      return empty.exports;
    }
    const id = sourceId(bytes);
    const cacheFile = cacheDir === null ? null : `${cacheDir}/${file.slice(slash + 1, file.endsWith('.js') ? -3 : undefined)}.cache`;
    let cached: CacheFile | null = null;
    if (cacheFile !== null) {
      try { cached = readCacheFile(readFileSync(cacheFile), id); } catch { /* none yet, or unreadable: compile */ }
    }
    const cachedData = cached?.payload;
    // A chunk's own `#!` line is no JavaScript inside the wrapper: blanked, same length.
    // Most chunks are ASCII (esbuild escapes strings): latin1 decodes those exactly, faster.
    const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8').replace(/^#!/, '//');
    // V8 takes a cache only under the flags it was made with: ours are made and checked
    // under the defaults, whatever flags a command has set by the time a chunk loads
    const script = withDefaultV8Flags(() => new vm.Script(`(function (exports, require, module, __filename, __dirname, __bazaarModuleUrl) {${source}\n})`, {
      filename: file, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }));
    if (cached !== null && !script.cachedDataRejected) {
      report.used++;
      used.push({ file: cacheFile as string, script, id, cached });
    } else {
      report.compiled++;
      if (cacheFile !== null) toWrite.push({ file: cacheFile, script, id });
    }
    const module: Loaded = { exports: {} };
    modules.set(file, module);
    let nodeRequire: NodeJS.Require | undefined; // made on a chunk's first require of a builtin or package
    const require = (spec: string): unknown => {
      if (spec.startsWith('.')) {
        // esbuild's specs are './chunks/x.js' or './x.js': joined as strings (path.resolve cost a start ~1 ms)
        const target = spec.startsWith('./') && !spec.includes('/.', 1) ? here + spec.slice(1) : resolve(here, spec);
        if (target.startsWith(root + '/') && target.endsWith('.js')) return load(target);
      }
      nodeRequire ??= createRequire(file);
      return nodeRequire(spec);
    };
    // a file: URL costs a start ~3 ms (24 chunks): made only for the chunks that use import.meta.url
    const url = source.includes('__bazaarModuleUrl') ? pathToFileURL(file).href : undefined;
    (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, file, here, url);
    return module.exports;
  };

  process.on('exit', () => {
    const run = runKey(modules.keys());
    const extend = used.filter((u) => !u.cached.runs.includes(run) && u.cached.runs.length < MAX_RUNS);
    if (toWrite.length > 0 || extend.length > 0) {
      const flags = flagsInForce();
      if (flags) setFlagsFromString(flags.reset); // the caches are made under the defaults (above)
      let ready = true;
      try { mkdirSync(cacheDir as string, { recursive: true, mode: 0o700 }); } catch { ready = false; /* none: same behaviour, slower */ }
      const write = (file: string, bytes: Buffer): boolean => {
        const tmp = `${file}.${process.pid}.tmp`;
        try {
          writeFileSync(tmp, bytes, { mode: 0o600 });
          renameSync(tmp, file);
          report.written++;
          return true;
        } catch {
          try { rmSync(tmp, { force: true }); } catch { /* nothing to remove */ }
          return false; // a read-only or full cache directory: no cache, same behaviour
        }
      };
      if (ready) for (const { file, script, id } of toWrite) write(file, cacheFileBytes(script.createCachedData(), id, [run]));
      // A used cache, serialized again, holds what it held and what this run compiled
      // lazily; should V8 have flushed some of it since (a long run), the old one is kept
      // and only the run recorded, so that runs of this kind do not serialize it again.
      if (ready) for (const { file, script, id, cached } of extend) {
        const fresh = script.createCachedData();
        if (write(file, cacheFileBytes(fresh.length >= cached.payload.length ? fresh : cached.payload, id, [...cached.runs, run]))) report.extended++;
      }
      if (ready) pruneBuilds(cacheBase as string, KEEP_BUILDS);
    }
    if (process.env.BAZAAR_CODE_CACHE_REPORT === '1') process.stderr.write(`bazaar code cache: ${report.used} used, ${report.compiled} compiled, ${report.written} written, ${report.extended} extended\n`);
  });
  load(resolve(entry));
  return report;
}
