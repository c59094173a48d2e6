/** Runs the PackageSource contract against each implementation. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import type { Dependency } from '../../src/rpm/dependency.js';
import { MemorySource } from '../../src/resolver/memory-source.js';
import { loadUniverseCache, saveUniverseCache } from '../../src/resolver/universe-cache.js';
import { readRepository } from '../../src/rpmmd/read-repository.js';
import type { PackageRecord } from '../../src/resolver/source.js';
import { run } from './package-source.js';

const t = suite('PackageSource contract');
const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'bazaar-contract-')); dirs.push(d); return d; };

const FLAGS: Record<string, string> = { '=': 'EQ', '<': 'LT', '>': 'GT', '<=': 'LE', '>=': 'GE' };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
function entry(d: Dependency): string {
  if (!d.flags) return `<rpm:entry name="${esc(d.name)}"${d.pre ? ' pre="1"' : ''}/>`;
  const m = /^(?:(\d+):)?([^-]+)(?:-(.+))?$/.exec(d.evr)!;
  return `<rpm:entry name="${esc(d.name)}" flags="${FLAGS[d.flags]}"${m[1] ? ` epoch="${m[1]}"` : ''} ver="${m[2]}"${m[3] ? ` rel="${m[3]}"` : ''}${d.pre ? ' pre="1"' : ''}/>`;
}
function toPrimary(records: PackageRecord[]): string {
  const sec = (tag: string, ds: Dependency[]): string => (ds.length ? `<rpm:${tag}>${ds.map(entry).join('')}</rpm:${tag}>` : '');
  return `<?xml version="1.0"?><metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${records.length}">${records.map((p) =>
    `<package type="rpm"><name>${p.name}</name><arch>${p.arch}</arch><version epoch="${p.epoch}" ver="${p.version}" rel="${p.release}"/><format>${sec('provides', p.provides)}${sec('requires', p.requires)}${sec('conflicts', p.conflicts)}${sec('obsoletes', p.obsoletes)}${p.files.map((f) => `<file>${esc(f)}</file>`).join('')}</format></package>`).join('\n')}</metadata>`;
}

run(t, 'memory-source', async (records) => new MemorySource(records));
run(t, 'rpm-md repository', async (records) => {
  const dir = tmp();
  mkdirSync(join(dir, 'repodata'));
  writeFileSync(join(dir, 'repodata/primary.xml.gz'), gzipSync(toPrimary(records)));
  writeFileSync(join(dir, 'repodata/repomd.xml'), '<repomd><data type="primary"><location href="repodata/primary.xml.gz"/></data></repomd>');
  return readRepository(dir);
});
run(t, 'universe cache', async (records) => {
  const dir = tmp();
  await saveUniverseCache(dir, new MemorySource(records));
  return loadUniverseCache(dir);
});

t.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
t.run();
