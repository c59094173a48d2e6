/** `bazaar resolve` end to end on a small rpm-md repository written by the test. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot } from '../helpers/tools.js';

const t = suite('cli resolve');

function entry(dep: string): string {
  const m = /^(\S+)(?: (>=|<=|=|<|>) (\S+))?$/.exec(dep)!;
  if (!m[2]) return `<rpm:entry name="${m[1]}"/>`;
  const flags = { '=': 'EQ', '<': 'LT', '>': 'GT', '<=': 'LE', '>=': 'GE' }[m[2]];
  const [ver, rel] = m[3].split('-');
  return `<rpm:entry name="${m[1]}" flags="${flags}" epoch="0" ver="${ver}"${rel ? ` rel="${rel}"` : ''}/>`;
}

function pkgXml(name: string, ver: string, arch: string, deps: { requires?: string[]; conflicts?: string[]; pre?: string[] } = {}): string {
  const reqs = [...(deps.pre ?? []).map((d) => entry(d).replace('/>', ' pre="1"/>')), ...(deps.requires ?? []).map(entry)];
  return `<package type="rpm"><name>${name}</name><arch>${arch}</arch><version epoch="0" ver="${ver}" rel="1"/>
<format><rpm:provides><rpm:entry name="${name}" flags="EQ" epoch="0" ver="${ver}" rel="1"/></rpm:provides>
${reqs.length ? `<rpm:requires>${reqs.join('')}</rpm:requires>` : ''}
${deps.conflicts ? `<rpm:conflicts>${deps.conflicts.map(entry).join('')}</rpm:conflicts>` : ''}</format></package>`;
}

function makeRepo(dir: string): void {
  mkdirSync(join(dir, 'repodata'), { recursive: true });
  const xml = `<?xml version="1.0"?><metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="5">
${pkgXml('app', '1.0', 'x86_64', { requires: ['lib >= 2'], pre: ['shell'] })}
${pkgXml('lib', '1.0', 'x86_64')}
${pkgXml('lib', '2.0', 'x86_64')}
${pkgXml('shell', '5', 'x86_64')}
${pkgXml('broken', '1', 'noarch', { requires: ['nothing-here'] })}
</metadata>`;
  writeFileSync(join(dir, 'repodata/primary.xml.gz'), gzipSync(xml));
  writeFileSync(join(dir, 'repodata/repomd.xml'), '<repomd><data type="primary"><location href="repodata/primary.xml.gz"/></data></repomd>');
}

const cli = (args: string[]) => spawnSync(process.execPath, [join(projectRoot, 'dist/bin/bazaar.js'), 'resolve', ...args], { encoding: 'utf8' });

t('install prints the transaction in order; --json gives data; failure exits 1 with the chain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cli-'));
  try {
    makeRepo(dir);
    const ok = cli(['--repo', dir, '--install', 'app']);
    assert.is(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /install \(3, in order\):\n {2}shell-5-1.x86_64\n {2}lib-2.0-1.x86_64\n {2}app-1.0-1.x86_64/);
    const js = JSON.parse(cli(['--repo', dir, '--install', 'app', '--json']).stdout);
    assert.equal(js.install, ['shell-0:5-1.x86_64', 'lib-0:2.0-1.x86_64', 'app-0:1.0-1.x86_64']);
    const bad = cli(['--repo', dir, '--install', 'broken']);
    assert.is(bad.status, 1);
    assert.match(bad.stdout, /broken-1-1.noarch requires nothing-here, but nothing provides it/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('--installed and --erase; --jobs writes one JSON line per job with the epoch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cli-'));
  try {
    makeRepo(dir);
    writeFileSync(join(dir, 'installed.txt'), '# the system\nshell-5-1.x86_64\nlib-0:2.0-1.x86_64\napp-1.0-1.x86_64\n');
    const er = JSON.parse(cli(['--repo', dir, '--installed', join(dir, 'installed.txt'), '--erase', 'lib', '--json']).stdout);
    assert.equal(er.erase, ['app-0:1.0-1.x86_64', 'lib-0:2.0-1.x86_64']);
    const two = JSON.parse(cli(['--repo', dir, '--installed', join(dir, 'installed.txt'), '--erase', 'app', 'shell', '--json']).stdout);
    assert.equal(two.erase, ['app-0:1.0-1.x86_64', 'shell-0:5-1.x86_64'], '--erase a b erases both');
    assert.is(cli(['--repo', dir, '--install', 'app', '--erase', 'lib', 'shell']).status, 2, 'ambiguous extra names');
    writeFileSync(join(dir, 'jobs.txt'), '# jobs\napp\nbroken app\nnosuch\n');
    const out = cli(['--repo', dir, '--jobs', join(dir, 'jobs.txt')]);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.is(lines.length, 3);
    assert.equal(lines[0].job, ['app']);
    assert.equal(lines[0].install, ['app-0:1.0-1.x86_64', 'lib-0:2.0-1.x86_64', 'shell-0:5-1.x86_64']);
    assert.type(lines[0].ms, 'number');
    assert.is(lines[1].ok, false);
    assert.match(lines[2].problems[0], /no package named nosuch/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('--write-cache then --cache gives the same answer as the repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-cli-'));
  try {
    makeRepo(dir);
    const w = cli(['--repo', dir, '--write-cache', join(dir, 'cache')]);
    assert.is(w.status, 0, w.stderr);
    assert.match(w.stdout, /universe cache of 5 packages written/);
    const a = JSON.parse(cli(['--repo', dir, '--install', 'app', '--json']).stdout);
    const b = JSON.parse(cli(['--cache', join(dir, 'cache'), '--install', 'app', '--json']).stdout);
    assert.equal(b, a);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t('usage errors exit 2: no universe, a channel of a store that does not exist', () => {
  assert.is(cli(['--install', 'x']).status, 2);
  const ch = cli(['--channel', 'sisyphus', '--store', '/nonexistent/store', '--install', 'x']);
  assert.is(ch.status, 2);
  assert.match(ch.stderr, /is not a bazaar store/);
});

t.run();
