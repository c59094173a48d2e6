/**
 * On-demand mirrors (docs/mirrors.md#on-demand): a sync keeps the upstream's metadata and
 * downloads no .rpm; each is fetched, checked and added on first use (stock dnf through
 * `bazaar serve`, `bazaar cat`, `bazaar show`), once. The upstream is createrepo_c's
 * repository on python's http.server, whose access log counts the downloads.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createImage, createLayer, fetchOnFirstUse, installPackages, showChannel, syncMirror } from '../../src/index.js';
import { Store } from '../../src/store/store.js';
import { CLI, freshStore, tempDir } from '../helpers/cli.js';
import { dnfInstall, installedNames } from '../helpers/dnf-root.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { appFor, binaryRpms, listening, runAsync } from '../helpers/server.js';
import { testWith } from '../helpers/tools.js';
import { makeRepo, nodeUpstream, pythonUpstream } from '../helpers/upstream.js';
import { SIGNING_TOOLS, signingKit } from '../helpers/signing.js';

const t = suite('mirror: on-demand');
const NEEDS = ['createrepo_c', 'python3', 'rpm'];

function cli(args: string[], store: string): string {
  const r = bazaarFast([...args, '--store', store]);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `bazaar` in a child process without blocking the event loop (an in-process upstream must answer meanwhile). */
async function cliAsync(args: string[], store: string): Promise<string> {
  const r = await runAsync(process.execPath, [CLI, ...args, '--store', store]);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const stored = (store: string): string[] => (JSON.parse(cli(['ls', '--json'], store)) as Array<{ nevra: string }>).map((p) => p.nevra).sort();

/** An on-demand mirror `up` of `files` into channel m of a fresh store, synced. */
async function onDemand(prefix: string, files: string[]): Promise<{ dir: string; up: string; server: Awaited<ReturnType<typeof pythonUpstream>> }> {
  const up = join(tempDir(prefix), 'up');
  makeRepo(up, files);
  const server = await pythonUpstream(up);
  const dir = freshStore(prefix);
  cli(['channel', 'create', 'm'], dir);
  cli(['mirror', 'add', 'up', server.url, '--channel', 'm', '--policy', 'on-demand'], dir);
  return { dir, up, server };
}

testWith(t, 'a sync reads metadata only; stock dnf installs a package and its deps through bazaar, each .rpm fetched once; a second installroot fetches nothing', [...NEEDS, 'dnf'], async () => {
  const files = binaryRpms().filter((f) => /\/(etcskel-5\.0|filesystem-2\.3\.21|sed-4\.9|grep-3\.11|zlib)-/.test(f));
  assert.ok(files.length >= 5, files.join(' '));
  const { dir, up, server } = await onDemand('ondemand-dnf', files);
  let bazaar: Awaited<ReturnType<typeof listening>> | null = null;
  try {
    const sync = JSON.parse(cli(['mirror', 'sync', 'up', '--json'], dir));
    assert.equal({ packages: sync.packages, downloaded: sync.downloaded }, { packages: files.length, downloaded: 0 });
    assert.equal(server.rpmRequests(), [], 'no .rpm downloaded at sync');
    assert.ok(server.requests().every((p) => p.startsWith('/repodata/')), server.requests().join(' '));
    assert.ok(server.requests().some((p) => /filelists\.xml/.test(p)), 'every document repomd lists is kept');
    assert.equal(stored(dir), [], 'nothing stored but metadata');
    assert.is(bazaarFast(['fsck', '--store', dir]).status, 0);
    // Nothing new upstream: repomd.xml only, the channel as it was.
    const before = server.requests().length;
    const again = JSON.parse(cli(['mirror', 'sync', 'up', '--json'], dir));
    assert.is(again.unchanged, true);
    assert.equal(server.requests().slice(before), ['/repodata/repomd.xml']);

    bazaar = await listening(dir);
    const work = tempDir('ondemand-dnf-roots');
    const dnf = (name: string): ReturnType<typeof dnfInstall> => dnfInstall(join(work, name), [`baseurl=${(bazaar as { url: string }).url}repo/m`, 'gpgcheck=0'], ['etcskel']);
    const installed = installedNames;
    const first = await dnf('first');
    assert.is(first.status, 0, first.out);
    assert.equal(await installed(first.root), ['etcskel', 'filesystem']);
    const fetched = server.rpmRequests().sort();
    assert.equal(fetched, ['/etcskel-5.0-alt1.noarch.rpm', `/${basename(files.find((f) => /filesystem-/.test(f)) as string)}`].sort(), 'exactly the installed packages, once each');
    assert.equal(stored(dir).map((n) => n.replace(/-\d.*/, '')), ['etcskel', 'filesystem'], 'fetched packages are stored builds');
    // dnf checked every byte against the upstream's checksums: the .rpm served is the upstream's file.
    const served = Buffer.from(await (await fetch(`${bazaar.url}repo/m/etcskel-5.0-alt1.noarch.rpm`)).arrayBuffer());
    assert.is(createHash('sha256').update(served).digest('hex'), sha256(join(up, 'etcskel-5.0-alt1.noarch.rpm')));

    const second = await dnf('second');
    assert.is(second.status, 0, second.out);
    assert.equal(await installed(second.root), ['etcskel', 'filesystem']);
    assert.equal(server.rpmRequests().sort(), fetched, 'the second installroot fetched nothing more from the upstream');
    const channel = await showChannel(await Store.open(dir), { channel: 'm' });
    assert.is(channel.builds.length, 2, 'the channel holds what was fetched');
    const fsck = bazaarFast(['fsck', '--store', dir]);
    assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
  } finally {
    await bazaar?.close();
    await server.stop();
  }
});

testWith(t, 'a tampered .rpm upstream is refused at first use: 502 from the server, one line from cat and show, nothing stored, fsck clean', NEEDS, async () => {
  const files = binaryRpms().filter((f) => /\/(etcskel-5\.0|sed-4\.9|grep-3\.11)-/.test(f));
  const { dir, up, server } = await onDemand('ondemand-tamper', files);
  try {
    cli(['mirror', 'sync', 'up'], dir);
    const file = join(up, 'etcskel-5.0-alt1.noarch.rpm');
    const sum = sha256(file);
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(file, bytes);

    const { app } = await appFor(dir);
    const res = await app.request('/repo/m/etcskel-5.0-alt1.noarch.rpm');
    const body = await res.text();
    assert.is(res.status, 502, body);
    assert.match(body, /checksum mismatch/);
    assert.ok(body.includes(`${server.url}etcskel-5.0-alt1.noarch.rpm`), body);

    for (const args of [['cat', `sha256:${sum}`], ['show', 'etcskel']]) {
      const r = bazaarFast([...args, '--store', dir]);
      assert.is(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /etcskel-5\.0-alt1\.noarch\.rpm: checksum mismatch/);
      assert.not.match(r.stderr, /\n\s+at /);
    }
    // Longer than primary's size: refused by its Content-Length, before a byte is kept.
    const grep = join(up, basename(files.find((f) => /grep-/.test(f)) as string));
    writeFileSync(grep, Buffer.concat([readFileSync(grep), Buffer.alloc(4096)]));
    const long = await app.request(`/repo/m/${basename(grep)}`);
    const longBody = await long.text();
    assert.is(long.status, 502, longBody);
    assert.match(longBody, /bytes is more than the \d+ allowed/);
    assert.equal(stored(dir), [], 'nothing that does not verify is stored');
    const fsck = bazaarFast(['fsck', '--store', dir]);
    assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);

    // The control: the intact package is fetched by `cat` (its id is the upstream's sha256) and then stored.
    const sed = files.find((f) => /sed-/.test(f)) as string;
    const cat = bazaarFast(['cat', `sha256:${sha256(join(up, basename(sed)))}`, '--store', dir]);
    assert.is(cat.status, 0, cat.stderr);
    assert.equal(stored(dir).map((n) => n.replace(/-\d.*/, '')), ['sed']);
  } finally {
    await server.stop();
  }
});

testWith(t, 'concurrent first uses of one package share one fetch; show fetches by name; the library answers for a channel', NEEDS, async () => {
  const files = binaryRpms().filter((f) => /\/(etcskel-5\.0|filesystem-2\.3\.21|sed-4\.9)-/.test(f));
  const { dir, server } = await onDemand('ondemand-share', files);
  try {
    const store = await Store.open(dir);
    await syncMirror(store, { name: 'up' });
    const { app } = await appFor(dir);
    const answers = await Promise.all(Array.from({ length: 6 }, () => app.request('/repo/m/etcskel-5.0-alt1.noarch.rpm')));
    assert.equal(answers.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
    const bodies = await Promise.all(answers.map(async (r) => Buffer.from(await r.arrayBuffer()).length));
    assert.is(new Set(bodies).size, 1);
    assert.equal(server.rpmRequests(), ['/etcskel-5.0-alt1.noarch.rpm'], 'one download for six first uses');
    assert.is((await app.request('/repo/m/nosuch-1-1.noarch.rpm')).status, 404);

    const shown = bazaarFast(['show', 'filesystem', '--json', '--store', dir]);
    assert.is(shown.status, 0, shown.stderr);
    assert.match(JSON.parse(shown.stdout).nevra, /^filesystem-/);
    const uses = await fetchOnFirstUse(store, { channel: 'm', packages: ['filesystem', 'sed'] });
    assert.equal(uses.map((u) => [u.nevra.replace(/-\d.*/, ''), u.fetched]), [['filesystem', false], ['sed', true]]);
    assert.is(server.rpmRequests().length, 3, 'each package fetched once in all');
    try { await fetchOnFirstUse(store, { channel: 'm', packages: ['nosuch'] }); assert.unreachable('no such package'); } catch (err) {
      assert.match((err as Error).message, /no package nosuch in channel m/);
    }
  } finally {
    await server.stop();
  }
});

testWith(t, 'a layer build that picks packages known only by the metadata fetches them once; an upstream that is gone is one line, nothing stored', NEEDS, async () => {
  const files = binaryRpms().filter((f) => /\/(etcskel-5\.0|filesystem-2\.3\.21|sed-4\.9)-/.test(f));
  const { dir, server } = await onDemand('ondemand-layer', files);
  let stopped = false;
  try {
    cli(['mirror', 'sync', 'up'], dir);
    const resolved = bazaarFast(['resolve', '--channel', 'm', 'etcskel', '--store', dir]);
    assert.is(resolved.status, 0, resolved.stderr);
    assert.match(resolved.stdout, /filesystem/, 'the resolver sees the packages known by the metadata');
    assert.equal(server.rpmRequests(), [], 'resolving needs no .rpm');
    const made = JSON.parse(cli(['layer', 'create', 'base@1.0.0', '--resolve', 'etcskel', '--channel', 'm', '--json'], dir)) as { packages: string[] };
    assert.equal(made.packages.map((n) => n.replace(/-\d.*/, '')), ['etcskel', 'filesystem']);
    assert.equal(server.rpmRequests().sort(), ['/etcskel-5.0-alt1.noarch.rpm', `/${basename(files.find((f) => /filesystem-/.test(f)) as string)}`].sort());
    cli(['layer', 'create', 'base@1.0.1', '--resolve', 'etcskel', '--channel', 'm', '--force'], dir);
    assert.is(server.rpmRequests().length, 2, 'a second build fetches nothing');

    await server.stop();
    stopped = true;
    const r = bazaarFast(['layer', 'create', 'tools@1.0.0', '--package', 'sed', '--channel', 'm', '--store', dir]);
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /sed-4\.9[^ ]*\.rpm: cannot connect/);
    assert.not.ok(stored(dir).some((n) => n.startsWith('sed-')), 'nothing stored');
    const fsck = bazaarFast(['fsck', '--store', dir]);
    assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
  } finally {
    if (!stopped) await server.stop();
  }
});

testWith(t, 'a channel that requires signatures: first use of an unsigned package is refused (422, exit 2), nothing stored; a signed one is taken', [...NEEDS, ...SIGNING_TOOLS], async () => {
  const kit = signingKit();
  try {
    const work = tempDir('ondemand-sig');
    const [plain, other] = binaryRpms().filter((f) => /\/(etcskel-5\.0|sed-4\.9)-/.test(f));
    const signed = kit.sign(other, kit.rsa, join(work, basename(other)));
    const up = join(work, 'up');
    makeRepo(up, [plain, signed]);
    const server = await pythonUpstream(up);
    try {
      const dir = freshStore('ondemand-sig');
      cli(['key', 'import', kit.rsa.file], dir);
      cli(['channel', 'create', 'm', '--require-signature'], dir);
      cli(['mirror', 'add', 'up', server.url, '--channel', 'm', '--policy', 'on-demand'], dir);
      cli(['mirror', 'sync', 'up'], dir);
      const { app } = await appFor(dir);
      const refused = await app.request(`/repo/m/${basename(plain)}`);
      assert.is(refused.status, 422, await refused.text());
      const r = bazaarFast(['cat', `sha256:${sha256(join(up, basename(plain)))}`, '--store', dir]);
      assert.is(r.status, 2, r.stderr);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /channel m takes only packages signed by a trusted key: etcskel-5\.0-alt1\.noarch is not signed/);
      assert.equal(stored(dir), [], 'the refused package is not stored');
      assert.is((await app.request(`/repo/m/${basename(signed)}`)).status, 200);
      assert.equal(stored(dir).map((n) => n.replace(/-\d.*/, '')), ['sed']);
      assert.is(bazaarFast(['fsck', '--store', dir]).status, 0);
    } finally {
      await server.stop();
    }
  } finally {
    kit.close();
  }
});

testWith(t, 'kill -9 during a first use leaves fsck clean and nothing half-stored; gc keeps the metadata; an upstream update costs metadata only', NEEDS, async () => {
  const files = binaryRpms().filter((f) => /\/(etcskel-5\.0|sed-4\.9)-/.test(f));
  const up = join(tempDir('ondemand-kill'), 'up');
  makeRepo(up, files);
  const sed = basename(files.find((f) => /sed-/.test(f)) as string);
  // The .rpm trickles out: the first use is still downloading when it is killed.
  const server = await nodeUpstream(up, {
    [`/${sed}`]: (_req, res) => {
      const bytes = readFileSync(join(up, sed));
      res.writeHead(200, { 'content-length': bytes.length });
      res.write(bytes.subarray(0, 100));
      setTimeout(() => res.end(bytes.subarray(100)), 3000);
    },
  });
  try {
    const dir = freshStore('ondemand-kill');
    await cliAsync(['channel', 'create', 'm'], dir);
    await cliAsync(['mirror', 'add', 'up', server.url, '--channel', 'm', '--policy', 'on-demand'], dir);
    await cliAsync(['mirror', 'sync', 'up'], dir);
    await cliAsync(['gc'], dir);
    const child = spawn(process.execPath, [CLI, 'cat', `sha256:${sha256(join(up, sed))}`, '--store', dir], { stdio: 'ignore' });
    const exit = new Promise((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 100 && !server.rpmRequests().length; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.rpmRequests(), [`/${sed}`], 'the download began');
    child.kill('SIGKILL');
    await exit;
    assert.equal(stored(dir), []);
    const fsck = bazaarFast(['fsck', '--store', dir]);
    assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
    // After gc: the metadata is still there and serves.
    const { app } = await appFor(dir);
    assert.is((await app.request('/repo/m/repodata/repomd.xml')).status, 200);
    assert.is((await app.request('/repo/m/etcskel-5.0-alt1.noarch.rpm')).status, 200);

    // The upstream adds a package: a sync reads the new metadata, downloads no .rpm, and keeps what was fetched.
    const more = binaryRpms().find((f) => /\/grep-3\.11/.test(f)) as string;
    makeRepo(up, [more], true);
    const before = server.rpmRequests().length;
    const sync = JSON.parse(await cliAsync(['mirror', 'sync', 'up', '--json'], dir));
    assert.equal({ packages: sync.packages, downloaded: sync.downloaded, removed: sync.removed }, { packages: 3, downloaded: 0, removed: [] });
    assert.is(server.rpmRequests().length, before);
    const { app: fresh } = await appFor(dir);
    const primary = await (await fresh.request('/repo/m/repodata/repomd.xml')).text();
    assert.ok(primary === readFileSync(join(up, 'repodata', 'repomd.xml'), 'utf8'), 'the served repomd.xml is the upstream\'s');
    assert.equal(stored(dir).map((n) => n.replace(/-\d.*/, '')), ['etcskel']);
    assert.is(bazaarFast(['fsck', '--store', dir]).status, 0);
  } finally {
    await server.stop();
  }
});

testWith(t, 'an image change that installs packages known only by the metadata fetches each once, then installs them', NEEDS, async () => {
  const { dir, server } = await onDemand('ondemand-image', binaryRpms());
  try {
    const store = await Store.open(dir);
    await syncMirror(store, { name: 'up' });
    await createLayer(store, { layer: 'base@1.0.0', resolve: ['etcskel'], channel: 'm' });
    await createImage(store, { image: 'web@1.0.0', layers: ['base@^1.0'], channel: 'm' });
    const before = server.rpmRequests().length;
    const r = await installPackages(store, { image: 'web', packages: ['sed'] });
    assert.ok(r.installed.some((n) => n.startsWith('sed-')), r.installed.join(' '));
    const fetched = server.rpmRequests().slice(before).map((p) => p.slice(1, -'.rpm'.length)).sort();
    assert.equal(fetched, r.installed.map((n) => n.replace(/-\d+:/, '-')).sort(), 'exactly the packages installed, each once');
    assert.equal(server.rpmRequests().length, new Set(server.rpmRequests()).size, 'no .rpm fetched twice');
    const fsck = bazaarFast(['fsck', '--store', dir]);
    assert.is(fsck.status, 0, fsck.stdout + fsck.stderr);
  } finally {
    await server.stop();
  }
});

t.run();
