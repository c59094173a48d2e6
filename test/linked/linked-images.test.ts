/**
 * Linked images, the proposal's nine policy/group pairs and a custom group, each showing
 * what the IPS proposal says it does, then families: a parent update carrying children
 * along, refused naming the child it would break, layers shared by parent and child, and
 * rollback taking mirror children back.
 *
 * The host: base@1.0.0 (filesystem, setup, libc6, bash alt1) with core-os 11.1 (which
 * moves bash to alt2), lighttpd and kernel 6.6.63 installed.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshStore, tempDir } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { makePackageRpm } from '../helpers/make-rpm.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { nevraOfFiles, rpmWouldInstall } from '../helpers/rpm-set.js';
import type { RpmVerdict } from '../helpers/rpm-set.js';
import { testWith } from '../helpers/tools.js';

const t = suite('linked images');

interface Run { status: number | null; stdout: string; stderr: string }
/** The CLI's dispatch in a worker thread (cli-fast.ts): what is tested is what the commands do to the store. */
const run = (store: string, args: string[]): Run => bazaarFast(args, { env: { BAZAAR_STORE: store } });
const ok = (store: string, args: string[]): string => { const r = run(store, args); assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`); return r.stdout; };
const refused = (store: string, args: string[], ...says: string[]): void => {
  const r = run(store, args);
  assert.ok(r.status !== 0, `${args.join(' ')} was refused`);
  for (const s of says) assert.match(r.stderr, s, `${args.join(' ')}: names ${s}`);
};
const packages = (store: string, image: string): string[] => JSON.parse(ok(store, ['image', 'show', '--json', image])).packages as string[];
const shown = (store: string, image: string): { version: string; layers: Array<{ id: string }> } => JSON.parse(ok(store, ['image', 'show', '--json', image]));
const has = (store: string, image: string, nevra: string): boolean => packages(store, image).includes(nevra);

const CHANNEL = ['filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'bash-5.2.26-alt1.x86_64', 'coreutils', 'grep', 'sed', 'passwd', 'etcskel', 'zlib-1.3.1-alt1.x86_64',
  'libssl3', 'ca-certificates', 'core-os-11.1-alt1.noarch', 'lighttpd', 'webserver', 'proxy-bridge', 'va-supervisor-agent', 'openssl-3.1.4-alt1.x86_64', 'kernel-image-std-def-6.6.63-alt1.x86_64', 'kernel-image-std-def-6.6.60-alt1.x86_64'];

let base = '';
function host(): string {
  if (!base) {
    base = freshStore('linked-base');
    ok(base, ['add', ...sampleRpms().filter((f) => !f.endsWith('.src.rpm') && !f.includes('.i586.'))]);
    ok(base, ['channel', 'create', 's']);
    ok(base, ['channel', 'add', 's', ...CHANNEL]);
    ok(base, ['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64']);
    ok(base, ['layer', 'create', 'base@1.0.1', '--package', 'filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64']);
    ok(base, ['image', 'create', 'host@1.0.0', '--layer', 'base@~1.0.0', '--channel', 's']);
    ok(base, ['image', 'upgrade-layer', 'host', 'base@1.0.0']);
    ok(base, ['image', 'install', 'host', 'core-os', 'lighttpd', 'kernel-image-std-def-6.6.63-alt1.x86_64']);
    ok(base, ['image', 'create', 'va@1.0.0', '--layer', 'base@~1.0.0', '--channel', 's']);
    ok(base, ['image', 'upgrade-layer', 'va', 'base@1.0.0']);
  }
  const dir = join(tempDir('linked'), 'store');
  cpSync(base, dir, { recursive: true });
  return dir;
}

const KERNEL_NEW = 'kernel-image-std-def-6.6.63-alt1.x86_64';

t('sync:minimal: free outside minimal; inside it, only the parent\'s builds', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'sync:minimal']);
  assert.ok(has(s, 'va', 'bash-5.2.26-alt1.x86_64'), 'bash is not in minimal: the child keeps its own build');
  ok(s, ['image', 'install', 'va', 'webserver']);
  refused(s, ['image', 'install', 'va', 'kernel-image-std-def-6.6.60-alt1.x86_64'], 'sync:minimal', 'kernel-image-std-def-6.6.63-alt1.x86_64');
  ok(s, ['image', 'install', 'va', 'kernel-image-std-def']);
  assert.ok(has(s, 'va', KERNEL_NEW));
  assert.is(run(s, ['audit', 'va']).status, 0);
});

t('sync:core-os: the child\'s core-os packages are a subset of the parent\'s, at its builds; the rest is free', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'sync:core-os']);
  assert.ok(has(s, 'va', 'bash-5.2.26-alt2.x86_64'), 'linking moved bash to the host\'s build');
  assert.not.ok(has(s, 'va', 'core-os-11.1-alt1.noarch'), 'sync never adds: the child may stay minimal');
  ok(s, ['image', 'install', 'va', 'webserver']);
  refused(s, ['image', 'install', 'va', 'bash-5.2.26-alt1.x86_64'], 'sync:core-os', 'bash-5.2.26-alt2.x86_64');
});

t('sync:all: the child is a subset of the parent at the same builds; it may minimise', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'sync:all']);
  refused(s, ['image', 'install', 'va', 'webserver'], 'sync:all', 'does not have it');
  ok(s, ['image', 'install', 'va', 'lighttpd']);
  const parent = new Set(packages(s, 'host'));
  assert.ok(packages(s, 'va').every((p) => parent.has(p)), 'everything in the child is in the parent');
  ok(s, ['image', 'remove', 'va', 'lighttpd']);
});

t('mirror:minimal: the child\'s minimal packages are exactly the parent\'s', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'mirror:minimal']);
  assert.ok(has(s, 'va', KERNEL_NEW), 'the parent\'s kernel came along');
  ok(s, ['image', 'install', 'va', 'webserver']);
  refused(s, ['image', 'remove', 'va', 'kernel-image-std-def'], 'mirror:minimal');
});

t('mirror:core-os: the child\'s core-os set equals the parent\'s; it cannot be minimised there', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'mirror:core-os']);
  for (const p of ['core-os-11.1-alt1.noarch', 'grep-3.11-alt1.1.x86_64', 'bash-5.2.26-alt2.x86_64']) assert.ok(has(s, 'va', p), p);
  refused(s, ['image', 'remove', 'va', 'grep'], 'mirror:core-os');
  ok(s, ['image', 'install', 'va', 'webserver']);
  assert.not.ok(has(s, 'va', 'lighttpd-1.4.76-alt1.x86_64'), 'outside core-os the child is free');
});

t('mirror:all: the child\'s package set equals the parent\'s', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'mirror:all']);
  assert.equal(packages(s, 'va'), packages(s, 'host'));
  refused(s, ['image', 'install', 'va', 'webserver'], 'mirror:all');
});

t('partial:minimal: a package in both is the parent\'s build; the child\'s copy may go', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'partial:minimal']);
  refused(s, ['image', 'install', 'va', 'kernel-image-std-def-6.6.60-alt1.x86_64'], 'partial:minimal');
  ok(s, ['image', 'install', 'va', 'kernel-image-std-def']);
  assert.ok(has(s, 'va', KERNEL_NEW));
  ok(s, ['image', 'remove', 'va', 'kernel-image-std-def']);
  assert.not.ok(has(s, 'va', KERNEL_NEW), 'the child\'s copy went');
});

t('partial:core-os: the parent\'s core-os satisfies the child\'s dependencies without being installed', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'partial:core-os']);
  ok(s, ['image', 'install', 'va', 'va-supervisor-agent']);
  assert.ok(has(s, 'va', 'va-supervisor-agent-3.2.0-alt1.noarch'));
  assert.not.ok(has(s, 'va', 'core-os-11.1-alt1.noarch'), 'core-os is the host\'s');
  assert.not.ok(has(s, 'va', 'coreutils-9.4-alt1.x86_64'), 'coreutils is the host\'s');
});

t('partial:all: what the parent has need not be installed in the child', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'partial:all']);
  ok(s, ['image', 'install', 'va', 'openssl-3.1.4-alt1.x86_64']);
  assert.ok(has(s, 'va', 'openssl-3.1.4-alt1.x86_64'), 'openssl, which the host lacks, was installed');
  assert.not.ok(has(s, 'va', 'libssl3-3.1.4-alt1.x86_64'), 'libssl3 is the host\'s');
});

t('a custom group of names and globs: sync:webstack pins lighttpd and libssl* to the host\'s builds', () => {
  const s = host();
  ok(s, ['group', 'set', 'webstack', 'lighttpd', 'libssl*']);
  assert.match(ok(s, ['group', 'show', 'webstack']), 'libssl*');
  ok(s, ['link', 'va', 'host', '--policy', 'sync:webstack']);
  ok(s, ['image', 'install', 'va', 'lighttpd']);
  const parent = new Set(packages(s, 'host'));
  for (const p of packages(s, 'va').filter((x) => /^(lighttpd|libssl)/.test(x))) assert.ok(parent.has(p), `${p} is the host's build`);
  refused(s, ['group', 'set', 'core-os', 'x'], 'computed');
});

t('a parent update carries mirror children along in the same commit; one that would break a child is refused naming it', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'mirror:all']);
  const before = shown(s, 'va').version;
  const out = JSON.parse(ok(s, ['image', 'install', '--json', 'host', 'va-supervisor-agent']));
  assert.equal(out.children.map((c: { image: string }) => c.image), ['va']);
  assert.ok(has(s, 'va', 'va-supervisor-agent-3.2.0-alt1.noarch'), 'the child followed');
  assert.not.equal(shown(s, 'va').version, before);

  const t2 = host();
  ok(t2, ['group', 'set', 'webstack', 'lighttpd', 'libssl*']);
  ok(t2, ['link', 'va', 'host', '--policy', 'sync:webstack']);
  ok(t2, ['image', 'install', 'va', 'openssl-3.1.4-alt1.x86_64']);
  const hostBefore = shown(t2, 'host').version;
  refused(t2, ['image', 'remove', 'host', 'libssl3'], 'child va', 'openssl-3.1.4-alt1.x86_64');
  assert.is(shown(t2, 'host').version, hostBefore, 'the refused update changed nothing');
  ok(t2, ['image', 'remove', 'host', 'libssl3', '--skip-children']);
  const audit = run(t2, ['audit', '--json']);
  assert.is(audit.status, 1, 'audit catches the child left behind');
  assert.match(JSON.parse(audit.stdout)[0].violations[0].message, 'libssl3');
});

t('parent and child on one shared layer: the layer upgrade keeps the child compliant without touching its private layer', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'sync:minimal']);
  ok(s, ['image', 'install', 'va', 'webserver']);
  const priv = shown(s, 'va').layers[1].id;
  const up = JSON.parse(ok(s, ['layer', 'upgrade', '--json', 'base@1.0.0', '--to', 'base@1.0.1']));
  assert.equal(up.moved.map((m: { image: string }) => m.image).sort(), ['host', 'va']);
  assert.is(shown(s, 'va').layers[1].id, priv, 'the child\'s private layer is the same object');
  assert.is(run(s, ['audit']).status, 0);
});

t('rolling a parent back rolls its mirror children back too', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'mirror:all']);
  const before = { host: shown(s, 'host'), va: shown(s, 'va') };
  ok(s, ['image', 'install', 'host', 'va-supervisor-agent']);
  assert.ok(has(s, 'va', 'va-supervisor-agent-3.2.0-alt1.noarch'));
  const back = JSON.parse(ok(s, ['image', 'rollback', '--json', 'host']));
  assert.equal(back.children.map((c: { image: string }) => c.image), ['va']);
  assert.equal(shown(s, 'host'), before.host);
  assert.equal(shown(s, 'va'), before.va, 'the child is exactly its previous version');
  assert.is(run(s, ['audit']).status, 0);
});

t('chains: a grandchild follows its parent when a policy change moves the parent; link ls, show --json, unlink', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'sync:minimal']);
  ok(s, ['image', 'create', 'gc@1.0.0', '--layer', 'base@~1.0.0', '--channel', 's']);
  ok(s, ['image', 'upgrade-layer', 'gc', 'base@1.0.0']);
  ok(s, ['link', 'gc', 'va', '--policy', 'sync:all']);
  assert.ok(has(s, 'gc', 'bash-5.2.26-alt1.x86_64'));
  const out = JSON.parse(ok(s, ['link', 'set-policy', '--json', 'va', 'mirror:all']));
  assert.ok(has(s, 'va', 'bash-5.2.26-alt2.x86_64'), 'mirror:all moved the child to the host\'s bash');
  assert.equal(out.children.map((c: { image: string }) => c.image), ['gc']);
  assert.ok(has(s, 'gc', 'bash-5.2.26-alt2.x86_64'), 'the grandchild followed in the same step');
  assert.is(run(s, ['audit']).status, 0);
  const tree = JSON.parse(ok(s, ['link', 'ls', '--json']));
  assert.equal(tree.map((n: { image: string }) => n.image), ['host']);
  assert.is(tree[0].children[0].image, 'va');
  assert.is(tree[0].children[0].policy, 'mirror:all');
  assert.is(tree[0].children[0].children[0].image, 'gc');
  const gc = JSON.parse(ok(s, ['image', 'show', '--json', 'gc']));
  assert.is(gc.parent, 'va');
  assert.is(gc.policy, 'sync:all');
  refused(s, ['link', 'host', 'gc', '--policy', 'sync:all'], 'its own ancestor');
  const before = packages(s, 'gc');
  ok(s, ['unlink', 'gc']);
  assert.equal(packages(s, 'gc'), before, 'unlinking keeps the packages');
  assert.is(JSON.parse(ok(s, ['image', 'show', '--json', 'gc'])).parent, null);
});

t('a link the child cannot comply with is refused naming what would break, and changes nothing', () => {
  const s = host();
  ok(s, ['group', 'set', 'webstack', 'libssl*']);
  ok(s, ['image', 'install', 'va', 'openssl-3.1.4-alt1.x86_64']);
  const before = shown(s, 'va').version;
  ok(s, ['image', 'remove', 'host', 'lighttpd']);
  ok(s, ['image', 'remove', 'host', 'libssl3']);
  refused(s, ['link', 'va', 'host', '--policy', 'sync:webstack'], 'openssl-3.1.4-alt1.x86_64');
  assert.is(shown(s, 'va').version, before);
  assert.is(JSON.parse(ok(s, ['image', 'show', '--json', 'va'])).parent, null);
});

t('bazaar(parent): a package requiring it installs freely without a parent, and in a child only at a build the parent has', () => {
  const s = host();
  const dir = tempDir('parent-dep');
  const files = ['1', '2'].map((release) => {
    const f = join(dir, `agent-1.0-${release}.noarch.rpm`);
    writeFileSync(f, makePackageRpm({ name: 'agent', version: '1.0', release, requires: [{ name: 'bazaar(parent)' }] }));
    return f;
  });
  ok(s, ['add', ...files]);
  ok(s, ['channel', 'add', 's', 'agent-1.0-1.noarch', 'agent-1.0-2.noarch']);
  ok(s, ['image', 'install', 'host', 'agent-1.0-1.noarch']);
  assert.ok(has(s, 'host', 'agent-1.0-1.noarch'), 'an image without a parent takes it freely');
  ok(s, ['link', 'va', 'host', '--policy', 'partial:minimal']);
  refused(s, ['image', 'install', 'va', 'agent-1.0-2.noarch'], 'bazaar(parent)', 'agent-1.0-1.noarch');
  ok(s, ['image', 'install', 'va', 'agent']);
  assert.ok(has(s, 'va', 'agent-1.0-1.noarch'), 'the child took the parent\'s build, not the newest');
  ok(s, ['image', 'upgrade', 'host', 'agent']);
  assert.ok(has(s, 'host', 'agent-1.0-2.noarch'));
  assert.ok(has(s, 'va', 'agent-1.0-2.noarch'), 'the parent\'s upgrade carried the child along');
  assert.is(run(s, ['audit', 'va']).status, 0);
});

/** The issue's own steps: the sample store, channel s, base@1.0.0, host with core-os, va3 partial:core-os with va-supervisor-agent. */
function issueStore(): string {
  const s = freshStore('linked-issue17');
  ok(s, ['add', ...sampleRpms().filter((f) => /RPMS\/(x86_64|noarch)\//.test(f))]);
  ok(s, ['channel', 'create', 's']);
  ok(s, ['channel', 'add', 's', 'filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'coreutils', 'grep', 'sed', 'passwd', 'etcskel', 'zlib-1.3.1-alt1.x86_64', 'libssl3', 'ca-certificates', 'core-os-11.1-alt1.noarch', 'lighttpd', 'webserver', 'va-supervisor-agent', 'kernel-image-std-def-6.6.63-alt1.x86_64']);
  ok(s, ['layer', 'create', 'base@1.0.0', '--package', 'filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64']);
  ok(s, ['image', 'create', 'host@1.0.0', '--layer', 'base@^1.0', '--channel', 's']);
  ok(s, ['image', 'install', 'host', 'core-os']);
  ok(s, ['image', 'create', 'va3@1.0.0', '--layer', 'base@^1.0', '--channel', 's']);
  ok(s, ['link', 'va3', 'host', '--policy', 'partial:core-os']);
  ok(s, ['image', 'install', 'va3', 'va-supervisor-agent']);
  return s;
}

/** rpm's verdict on an image's packages installed together (the files of repos/sample). */
function rpmOnImage(store: string, image: string): RpmVerdict {
  const files = nevraOfFiles(sampleRpms().filter((f) => /RPMS\/(x86_64|noarch)\//.test(f)));
  return rpmWouldInstall(packages(store, image).map((p) => files.get(p) as string));
}

testWith(t, 'issue 17: the host dropping core-os carries its partial:core-os child whole (or is refused naming it); never a broken child behind exit 0', ['rpm'], () => {
  const s = issueStore();
  const r = run(s, ['image', 'remove', 'host', 'core-os']);
  if (r.status === 0) {
    assert.not.ok(has(s, 'host', 'core-os-11.1-alt1.noarch'), 'the host moved on');
    const verdict = rpmOnImage(s, 'va3');
    assert.ok(verdict.ok, `va3 holds together on its own now that the host gives it nothing: ${verdict.problems.join('; ')}`);
    assert.match(r.stderr, 'group core-os', 'the emptied group is reported');
  } else {
    assert.match(r.stderr, 'va3');
    assert.match(r.stderr, /va-supervisor-agent|core-os/);
    assert.ok(has(s, 'host', 'core-os-11.1-alt1.noarch'), 'a refused change changes nothing');
  }
  const audit = run(s, ['audit', '--json']);
  assert.is(audit.status, 0, audit.stdout);
  const entry = JSON.parse(audit.stdout).find((e: { image?: string }) => e.image === 'va3');
  assert.equal(entry.dependencies, []);
  assert.ok(entry.notes.some((n: string) => n.includes('group core-os is empty')), 'audit notes the empty group');
});

testWith(t, 'issue 17: with --skip-children the child is left broken on purpose, and audit says so (exit 1, the unmet dependencies listed), never "complies"', ['rpm'], () => {
  const s = issueStore();
  ok(s, ['image', 'remove', 'host', '--skip-children', 'core-os']);
  const verdict = rpmOnImage(s, 'va3');
  assert.not.ok(verdict.ok, 'rpm agrees the child lacks what it needs');
  const audit = run(s, ['audit']);
  assert.is(audit.status, 1, audit.stdout);
  assert.not.match(audit.stdout, 'complies');
  assert.match(audit.stdout, 'core-os >= 11.0 is needed by va-supervisor-agent-3.2.0-alt1.noarch');
  for (const line of verdict.problems) assert.match(audit.stdout, line, `audit lists what rpm lists: ${line}`);
  const json = JSON.parse(run(s, ['audit', '--json']).stdout).find((e: { image?: string }) => e.image === 'va3');
  assert.ok(json.dependencies.length >= 2);
  ok(s, ['sync', 'va3']);
  assert.is(run(s, ['audit', 'va3']).status, 0, 'sync makes the child whole again');
  assert.ok(rpmOnImage(s, 'va3').ok);
});

t('issue 17: a mirror:core-os child does not keep core-os once the host drops it', () => {
  const s = issueStore();
  ok(s, ['image', 'create', 'va2@1.0.0', '--layer', 'base@^1.0', '--channel', 's']);
  ok(s, ['link', 'va2', 'host', '--policy', 'mirror:core-os']);
  assert.ok(has(s, 'va2', 'core-os-11.1-alt1.noarch'));
  const r = run(s, ['image', 'remove', 'host', 'core-os']);
  assert.is(r.status, 0, r.stderr);
  assert.not.ok(has(s, 'va2', 'core-os-11.1-alt1.noarch'), 'the incorporation is of group core-os even where the host has none: the mirror child follows');
  const audit = run(s, ['audit', 'va2']);
  assert.is(audit.status, 0, audit.stdout);
  assert.match(audit.stdout, 'group core-os is empty');
});

testWith(t, 'issue 17, beside it: rolling the host back to before core-os carries the partial child whole (it was left broken behind exit 0)', ['rpm'], () => {
  const s = issueStore();
  const r = run(s, ['image', 'rollback', 'host']);
  if (r.status !== 0) { assert.match(r.stderr, 'va3'); return; }
  assert.not.ok(has(s, 'host', 'core-os-11.1-alt1.noarch'));
  const verdict = rpmOnImage(s, 'va3');
  assert.ok(verdict.ok, verdict.problems.join('; '));
  assert.is(run(s, ['audit']).status, 0);
});

testWith(t, 'issue 17, beside it: unlinking a partial child, or moving it to a policy that gives it nothing, keeps it whole', ['rpm'], () => {
  const s = issueStore();
  ok(s, ['unlink', 'va3']);
  assert.ok(rpmOnImage(s, 'va3').ok, 'unlinked, va3 holds what the host gave it');
  const t2 = issueStore();
  const r = run(t2, ['link', 'set-policy', 'va3', 'sync:minimal']);
  if (r.status === 0) assert.ok(rpmOnImage(t2, 'va3').ok, 'under sync:minimal va3 holds what it needs itself');
  else assert.match(r.stderr, /va3|va-supervisor-agent/);
  assert.is(run(t2, ['audit']).status, 0);
});

t('issue 17, beside it: a child moved alone to a layer version its link forbids is refused, naming it and the package', () => {
  const s = host();
  ok(s, ['image', 'create', 'h2@1.0.0', '--layer', 'base@~1.0.0', '--channel', 's']);
  ok(s, ['image', 'upgrade-layer', 'h2', 'base@1.0.0']);
  ok(s, ['group', 'set', 'shells', 'bash']);
  ok(s, ['link', 'va', 'h2', '--policy', 'sync:shells']);
  const before = shown(s, 'va').version;
  refused(s, ['image', 'upgrade-layer', 'va', 'base@1.0.1'], 'va', 'bash');
  assert.is(shown(s, 'va').version, before, 'nothing changed');
  assert.is(run(s, ['audit']).status, 0);
});

t('issue 17, beside it: a layer upgrade moves a partial child judged with what its parent gives it (it was left alone as broken)', () => {
  const s = host();
  ok(s, ['link', 'va', 'host', '--policy', 'partial:core-os']);
  ok(s, ['image', 'install', 'va', 'va-supervisor-agent']);
  const up = run(s, ['layer', 'upgrade', '--json', 'base@1.0.0', '--to', 'base@1.0.1']);
  assert.is(up.status, 0, up.stdout + up.stderr);
  assert.equal(JSON.parse(up.stdout).moved.map((m: { image: string }) => m.image).sort(), ['host', 'va']);
  assert.is(run(s, ['audit']).status, 0);
});

testWith(t, 'issue 17, beside it: redefining the group a partial child follows keeps the child whole (it was left without libssl3)', ['rpm'], () => {
  const s = host();
  ok(s, ['group', 'set', 'webstack', 'lighttpd', 'libssl*']);
  ok(s, ['link', 'va', 'host', '--policy', 'partial:webstack']);
  ok(s, ['image', 'install', 'va', 'openssl-3.1.4-alt1.x86_64']);
  assert.not.ok(has(s, 'va', 'libssl3-3.1.4-alt1.x86_64'), 'libssl3 is the host\'s');
  const r = run(s, ['group', 'set', 'webstack', 'lighttpd']);
  if (r.status === 0) {
    const verdict = rpmOnImage(s, 'va');
    assert.ok(verdict.ok, `va holds what the host no longer gives it: ${verdict.problems.join('; ')}`);
  } else {
    assert.match(r.stderr, 'va');
  }
  assert.is(run(s, ['audit']).status, 0);
});

t.run();
