/**
 * Channels as rpm-md repositories (`/repo/<channel>/`), judged by the stock tools: Debian's
 * dnf installs from the server over HTTP and rpm verifies what it installed; createrepo_c,
 * run on the very .rpm files the server hands out, writes the same metadata; a channel
 * change is a new generation, the previous one still served.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rpmmdCacheDir } from '../../src/store/caches/paths.js';
import { DOC_TYPES, createrepo, documentDiff, firstDifference, readRepodata } from '../helpers/createrepo.js';
import { binaryRpms, appFor, cli, listening, nevraOf, runAsync, sampleStore } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';

const t = suite('server: rpm-md repositories');

/** The documents repomd.xml names, by type: href in repodata/ and the uncompressed bytes. */
async function servedRepodata(get: (path: string) => Promise<Response>, channel: string): Promise<{ repomd: string; docs: Record<string, { href: string; open: Buffer }> }> {
  const res = await get(`/repo/${channel}/repodata/repomd.xml`);
  assert.is(res.status, 200);
  const repomd = await res.text();
  const docs: Record<string, { href: string; open: Buffer }> = {};
  for (const m of repomd.matchAll(/<data type="(\w+)">[\s\S]*?<location href="([^"]+)"/g)) {
    const r = await get(`/repo/${channel}/${m[2]}`);
    assert.is(r.status, 200, `${m[2]} is served`);
    docs[m[1]] = { href: m[2], open: gunzipSync(Buffer.from(await r.arrayBuffer())) };
  }
  return { repomd, docs };
}

const hrefsOf = (primary: Buffer): string[] => [...primary.toString('utf8').matchAll(/<location href="([^"]+)"/g)].map((m) => m[1]);

testWith(t, 'dnf installs webserver and webapp with their dependencies over HTTP; rpm -V is clean in the root', ['dnf', 'rpm'], async () => {
  const store = sampleStore();
  const server = await listening(store);
  const root = mkdtempSync(join(tmpdir(), 'bazaar-server-dnf-'));
  try {
    for (const d of ['install', 'cache', 'log', 'persist']) mkdirSync(join(root, d));
    writeFileSync(join(root, 'dnf.conf'), '[main]\ngpgcheck=0\ninstall_weak_deps=0\nkeepcache=0\n');
    const install = join(root, 'install');
    const dnf = await runAsync('dnf', [
      '-y', `--installroot=${install}`, '--releasever=1', `--config=${join(root, 'dnf.conf')}`, '--setopt=reposdir=/dev/null',
      `--setopt=cachedir=${join(root, 'cache')}`, `--setopt=logdir=${join(root, 'log')}`, `--setopt=persistdir=${join(root, 'persist')}`,
      '--setopt=install_weak_deps=False', '--setopt=tsflags=noscripts', '--noplugins', '--nogpgcheck',
      `--repofrompath=b,${server.url}repo/sample`, '--repo=b', 'install', 'webserver', 'webapp',
    ], { env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    assert.is(dnf.status, 0, `dnf install: ${dnf.stdout}\n${dnf.stderr}`);
    // Debian's dnf writes the root's rpmdb at the host rpm's %_dbpath, so rpm --root finds it without --dbpath.
    const qa = await runAsync('rpm', ['--root', install, '-qa', '--qf', '%{NAME}\\n']);
    const names = qa.stdout.split('\n').filter(Boolean).sort();
    assert.ok(names.includes('webserver') && names.includes('webapp'), `${names.join(' ')} ${qa.stderr}`);
    assert.ok(names.includes('libc6') && names.length > 5, `dependencies came too: ${names.join(' ')}`);
    const verify = await runAsync('rpm', ['--root', install, '-V', '--noscripts', 'webserver', 'webapp']);
    assert.is(verify.status, 0, `rpm -V: ${verify.stdout}${verify.stderr}`);
    assert.is(verify.stdout, '', 'every file of the packages asked for verifies');
    // The dependencies too, but for owners: without scriptlets passwd's groups were never created (rpm fell back to root).
    const all = await runAsync('rpm', ['--root', install, '-V', '--noscripts', '--nouser', '--nogroup', ...names]);
    assert.is(all.status, 0, `rpm -V: ${all.stdout}${all.stderr}`);
    // dnf took the metadata and each .rpm from the server: the request log says so.
    assert.ok(server.requests.some((l) => /^GET \/repo\/sample\/repodata\/repomd\.xml 200 \d+ /.test(l)), server.requests.join('\n'));
    assert.ok(server.requests.some((l) => /^GET \/repo\/sample\/Packages\/webserver-1\.24\.0-alt1\.x86_64\.rpm 200 \d+ /.test(l)), server.requests.join('\n'));
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});

testWith(t, 'the served metadata is what createrepo_c writes for the served .rpm files, byte for byte', ['createrepo_c'], async () => {
  const { app } = await appFor(sampleStore());
  const get = (p: string): Promise<Response> => Promise.resolve(app.request(p));
  const served = await servedRepodata(get, 'sample');
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-server-createrepo-'));
  try {
    const hrefs = hrefsOf(served.docs.primary.open);
    assert.is(hrefs.length, binaryRpms().length, 'one package per build of the channel');
    for (const href of hrefs) {
      const res = await get(`/repo/sample/${href}`);
      assert.is(res.status, 200, href);
      const path = join(dir, href);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.from(await res.arrayBuffer()));
      // createrepo_c's <time file> is the mtime; the store's is when the build was added.
      const shown = await (await get(`/v1/packages/${href.slice('Packages/'.length, -4)}`)).json() as { rpm: string; variants: Array<{ rpm: string; added: number }> };
      const added = shown.variants.find((v) => v.rpm === shown.rpm)?.added;
      assert.type(added, 'number');
      utimesSync(path, added as number, added as number);
    }
    createrepo(dir);
    const theirs = readRepodata(dir);
    for (const type of DOC_TYPES) {
      assert.equal(documentDiff(type, served.docs[type].open, theirs.docs[type].open), [], `${type}: package by package`);
      assert.ok(served.docs[type].open.equals(theirs.docs[type].open), `${type}: ${firstDifference(served.docs[type].open, theirs.docs[type].open)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('the .rpm at each location href is the original file, byte for byte', async () => {
  const files = binaryRpms().filter((f) => /\/(bash|filesystem|setup)-/.test(f));
  const { app } = await appFor(sampleStore(files));
  for (const f of files) {
    const res = await app.request(`/repo/sample/Packages/${nevraOf(f)}.rpm`);
    assert.is(res.status, 200);
    assert.is(res.headers.get('content-type'), 'application/x-rpm');
    const { readFileSync } = await import('node:fs');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(readFileSync(f)), f);
  }
  const missing = await app.request('/repo/sample/Packages/nothing-1-1.x86_64.rpm');
  assert.is(missing.status, 404);
  assert.is(((await missing.json()) as { error: { code: string } }).error.code, 'ERR_NOT_FOUND');
  assert.is((await app.request('/repo/nosuch/repodata/repomd.xml')).status, 404, 'an unknown channel is a 404');
  assert.is((await app.request('/repo/sample/repodata/..%2F..%2Fpackages.json')).status, 404, 'no way out of repodata/');
});

/**
 * A turn of the event loop after a write by another process (the CLI, run synchronously): on
 * an attached store (BAZAAR_TEST_STORE=attached) this server learns of the new state from
 * PostgreSQL's notification, which waits in its socket while spawnSync blocks the loop
 * (docs/engines.md). A local store's server reads the state file and needs none.
 */
const noticed = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

t('a channel change is a new generation keyed by its commit; the previous one is still served, older ones are pruned', async () => {
  const files = binaryRpms().filter((f) => /\/(bash|filesystem|setup|sed|grep)-/.test(f));
  const dir = sampleStore(files.filter((f) => !/\/(sed|grep)-/.test(f)));
  cli(['add', ...files.filter((f) => /\/(sed|grep)-/.test(f))], dir);
  const { app } = await appFor(dir);
  const get = (p: string): Promise<Response> => Promise.resolve(app.request(p));
  const first = await servedRepodata(get, 'sample');
  const commit1 = /<revision>([0-9a-f]{40})<\/revision>/.exec(first.repomd)?.[1];
  assert.ok(commit1, 'the revision is the channel commit');
  assert.not.ok(hrefsOf(first.docs.primary.open).some((h) => h.includes('/sed-')));
  cli(['channel', 'add', 'sample', 'sed'], dir);
  await noticed();
  const second = await servedRepodata(get, 'sample');
  const commit2 = /<revision>([0-9a-f]{40})<\/revision>/.exec(second.repomd)?.[1];
  assert.is.not(commit2, commit1);
  assert.ok(hrefsOf(second.docs.primary.open).some((h) => h.includes('/sed-4.9-alt1.x86_64.rpm')), 'the new package is in the new metadata');
  const old = await get(`/repo/sample/${first.docs.primary.href}`);
  assert.is(old.status, 200, 'a client that read the previous repomd.xml still finds its primary');
  assert.ok(gunzipSync(Buffer.from(await old.arrayBuffer())).equals(first.docs.primary.open));
  assert.equal(readdirSync(rpmmdCacheDir(dir, 'sample')).filter((n) => !n.startsWith('.')).sort(), [commit1, commit2].sort());
  cli(['channel', 'add', 'sample', 'grep'], dir);
  await noticed();
  const third = await servedRepodata(get, 'sample');
  const commit3 = /<revision>([0-9a-f]{40})<\/revision>/.exec(third.repomd)?.[1] as string;
  await new Promise((r) => setTimeout(r, 100)); // pruning is not awaited by the request
  assert.equal(readdirSync(rpmmdCacheDir(dir, 'sample')).filter((n) => !n.startsWith('.')).sort(), [commit2, commit3].sort(), 'the generation before the previous is gone');
  assert.is((await get(`/repo/sample/${first.docs.primary.href}`)).status, 404);
  // a second server process on the same store finds the generation on disk and reads no .rpm header again
  const again = await appFor(dir);
  const res = await again.app.request('/repo/sample/repodata/repomd.xml');
  assert.is(await res.text(), third.repomd, 'the cached generation is served as it was written');
  assert.not.ok(again.log.some((l) => l.includes('generated')), again.log.join('\n'));
});

t.run();
