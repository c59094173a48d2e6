#!/usr/bin/env node
/**
 * `bazaar-rpm`: rpm's query options answered from a bazaar store, so scripts written
 * against `rpm -q` work on a VA whose package database is the store. Today it reads the
 * store's packages; with images it will read the image's snippets.
 *
 *   bazaar-rpm -qa                     every package
 *   bazaar-rpm -q NAME|NEVRA...        the NEVRA of each
 *   bazaar-rpm -ql NAME                its files
 *   bazaar-rpm -qR|--requires NAME     its requires (also --provides, --conflicts,
 *                                      --obsoletes, --recommends, --suggests,
 *                                      --supplements, --enhances)
 *
 * Output is byte for byte what `rpm -q` prints for the same package; exit codes as rpm's
 * (1 when a package is not installed, i.e. not in the store).
 */
import { BazaarError } from '../errors.js';
import { DEPENDENCY_KINDS, formatDependency } from '../rpm/dependency.js';
import type { DependencyKind } from '../rpm/dependency.js';
import { Store } from '../store/store.js';

const USAGE = 'usage: bazaar-rpm [--store DIR] -qa | -q [-l|-R|--provides|--requires|...] PACKAGE...';

async function run(argv: string[]): Promise<number> {
  let storeDir = process.env.BAZAAR_STORE ?? './bazaar-store';
  let query = false;
  let all = false;
  let list = false;
  let deps: DependencyKind | null = null;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--store') storeDir = argv[++i] ?? '';
    else if (a === '-q' || a === '--query') query = true;
    else if (a === '-qa' || a === '-a' || a === '--all') { query = query || a === '-qa'; all = true; }
    else if (a === '-ql' || a === '-l' || a === '--list') { query = query || a === '-ql'; list = true; }
    else if (a === '-qR' || a === '-R') { query = query || a === '-qR'; deps = 'requires'; }
    else if (a.startsWith('--') && (DEPENDENCY_KINDS as readonly string[]).includes(a.slice(2))) deps = a.slice(2) as DependencyKind;
    else if (a.startsWith('-')) { process.stderr.write(`bazaar-rpm: unknown option ${a}\n${USAGE}\n`); return 2; }
    else names.push(a);
  }
  if (!query || (!all && names.length === 0)) { process.stderr.write(`${USAGE}\n`); return 2; }
  const store = await Store.open(storeDir);
  if (all) {
    for (const p of await store.list()) process.stdout.write(`${p.nevra}\n`);
    return 0;
  }
  let status = 0;
  for (const name of names) {
    let id;
    try {
      id = (await store.read((snap) => store.findPackage(snap, name))).build.manifest;
    } catch (err) {
      if (err instanceof BazaarError && (err.code === 'ERR_PACKAGE_NOT_FOUND' || err.code === 'ERR_PACKAGE_AMBIGUOUS')) {
        process.stdout.write(`package ${name} is not installed\n`);
        status = 1;
        continue;
      }
      throw err;
    }
    const m = await store.manifest(id);
    const lines = list ? (m.files.length ? m.files.map((f) => f.path) : ['(contains no files)'])
      : deps ? m[deps].map(formatDependency)
      : [m.nevra.replace(/-\d+:/, '-')];
    for (const line of lines) process.stdout.write(`${line}\n`);
  }
  return status;
}

run(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bazaar-rpm: ${err instanceof BazaarError ? err.message : (err as Error).stack}\n`);
  process.exitCode = err instanceof BazaarError ? 2 : 70;
});
