/**
 * Linked children stay whole (issue 17, defect 1), proved over every policy × group pair
 * and every kind of parent change: for each of sync/mirror/partial × minimal/core-os/all/
 * a user group, a child holding `vzapp` (which needs `setup >= 2.2` and `libvz >= 2.0`) is
 * linked to a host, and the host then removes, downgrades, replaces (an obsoleting
 * package) or upgrades a package of that group. After each change either the change was
 * refused naming the child and a package, with nothing changed, or the child (and the
 * host) holds together as stock rpm judges it — `rpm -i --test` of its packages, into a
 * root holding the host's group packages the child lacks when the policy is partial
 * (they satisfy its needs from outside) — and audit finds no violation.
 *
 * In process (library calls, not CLI spawns) so that the 48 cells take seconds.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { setGroup } from '../../src/linked/set-group.js';
import { changeImage, createImage, showImage } from '../../src/api/image-ops.js';
import type { ImageChange } from '../../src/image/image-change.js';
import { createLayer } from '../../src/api/layer-ops.js';
import { audit, linkImage } from '../../src/linked/links.js';
import { addToChannel, createChannel } from '../../src/store/channels.js';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/cli.js';
import { makePackageRpm } from '../helpers/make-rpm.js';
import type { DepSpec } from '../helpers/make-rpm.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { depsOfFile, nevraOfFiles, rpmWouldInstall } from '../helpers/rpm-set.js';
import { hasTool, testWith } from '../helpers/tools.js';

const t = suite('linked children stay whole: policy × group × parent change');

const LT = 2, GT = 4, EQ = 8;
const dep = (name: string, flags = 0, version = ''): DepSpec => ({ name, flags, version });

/** The synthetic builds: families of `setup` (in minimal) and `libvz` (in the other groups), an incorporation, the child's app. */
function syntheticRpms(dir: string): string[] {
  const specs = [
    { name: 'setup', version: '2.1', provides: [dep('setup', EQ, '2.1-1')] },
    { name: 'setup', version: '2.3', provides: [dep('setup', EQ, '2.3-1')] },
    { name: 'setup-ng', version: '2.3', provides: [dep('setup-ng', EQ, '2.3-1'), dep('setup', EQ, '2.3-1')], obsoletes: [dep('setup', LT, '2.3')] },
    ...['1.0', '2.0', '3.0'].map((v) => ({ name: 'libvz', version: v, provides: [dep('libvz', EQ, `${v}-1`)] })),
    { name: 'libvz-ng', version: '3.0', provides: [dep('libvz-ng', EQ, '3.0-1'), dep('libvz', EQ, '3.0-1')], obsoletes: [dep('libvz', LT, '3.0')] },
    { name: 'vz-hold', version: '1', provides: [dep('vz-hold', EQ, '1-1'), dep('bazaar(install-hold)', EQ, 'core-os')], requires: [dep('libvz')] },
    { name: 'vzapp', version: '1.0', provides: [dep('vzapp', EQ, '1.0-1')], requires: [dep('libvz', GT | EQ, '2.0'), dep('setup', GT | EQ, '2.2')] },
  ];
  mkdirSync(dir, { recursive: true });
  return specs.map((s) => {
    const file = join(dir, `${s.name}-${s.version}-1.noarch.rpm`);
    writeFileSync(file, makePackageRpm({ ...s, release: '1', arch: 'noarch' }));
    return file;
  });
}

const BASE = ['filesystem', 'setup-2.2.9-alt1.noarch', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64'];
const POLICIES = ['sync', 'mirror', 'partial'] as const;
const GROUPS = ['minimal', 'core-os', 'all', 'vzgroup'] as const;
const CHANGES = ['remove', 'downgrade', 'replace', 'upgrade'] as const;
type Group = typeof GROUPS[number];

/** The package of the group the host changes, with its older build and its replacement. */
function family(group: Group): { name: string; older: string; replacement: string; dependents: string[] } {
  return group === 'minimal'
    ? { name: 'setup', older: 'setup-2.1-1.noarch', replacement: 'setup-ng', dependents: ['vzapp'] }
    : { name: 'libvz', older: 'libvz-1.0-1.noarch', replacement: 'libvz-ng', dependents: ['vzapp', 'vz-hold'] };
}

/** The host's change: a removal takes the host's own dependents along (else the resolver would put the replacement in). */
function parentChange(kind: typeof CHANGES[number], group: Group): ImageChange {
  const f = family(group);
  switch (kind) {
    case 'remove': return { erase: [f.name, ...f.dependents] };
    case 'downgrade': return { erase: [f.name], install: [f.older] };
    case 'replace': return { install: [f.replacement] };
    case 'upgrade': return { upgrade: [f.name] };
  }
}

/** Group membership as the docs define it, computed here from what rpm reads of the files (not by bazaar). */
function memberOf(group: Group, hostFiles: readonly string[]): (name: string) => boolean {
  if (group === 'all') return () => true;
  if (group === 'minimal') return (n) => ['filesystem', 'setup', 'libc6'].includes(n) || n.startsWith('kernel-image-');
  if (group === 'vzgroup') return (n) => n.startsWith('libvz');
  const pkgs = hostFiles.map(depsOfFile);
  const names = new Set<string>();
  const todo = pkgs.filter((p) => p.provides.includes('bazaar(install-hold) = core-os'));
  while (todo.length) {
    const p = todo.pop() as ReturnType<typeof depsOfFile>;
    if (names.has(p.name)) continue;
    names.add(p.name);
    for (const r of p.requires.filter((x) => !x.startsWith('rpmlib('))) {
      for (const q of pkgs) if (q.name === r || q.provides.some((x) => x.split(' ')[0] === r) || q.files.includes(r)) todo.push(q);
    }
  }
  return (n) => names.has(n);
}

/**
 * The policy as docs/linked-images.md states it, judged here on package names and builds
 * (the group computed over the host, plus any core-os incorporation wherever it is):
 * sync, the child's group packages are the host's builds; mirror, and it has all of the
 * host's; partial, a group package in both is the same build.
 */
function policyHolds(policy: string, group: Group, host: readonly string[], child: readonly string[]): string[] {
  const hostMember = memberOf(group, host.map((p) => fileOf.get(p) as string));
  const info = (p: string): ReturnType<typeof depsOfFile> => depsOfFile(fileOf.get(p) as string);
  const member = (p: string): boolean => hostMember(info(p).name) || (group === 'core-os' && info(p).provides.includes('bazaar(install-hold) = core-os'));
  const nameOf = (p: string): string => info(p).name;
  const wrong: string[] = [];
  for (const c of child.filter(member)) {
    const theirs = host.filter((h) => nameOf(h) === nameOf(c));
    if (policy === 'partial' ? theirs.length > 0 && !theirs.includes(c) : !theirs.includes(c)) wrong.push(`${c} is not the host's build`);
  }
  if (policy === 'mirror') for (const h of host.filter(member)) if (!child.includes(h)) wrong.push(`the host's ${h} is missing`);
  return wrong;
}

let template = '';
let fileOf = new Map<string, string>();

async function buildTemplate(): Promise<void> {
  const dir = tempDir('linked-matrix');
  const sample = sampleRpms().filter((f) => /\/(filesystem|setup|libc6-2\.38-alt2\.x86_64|bash-5\.2\.26-alt2)[^/]*\.rpm$/.test(f));
  const files = [...sample, ...syntheticRpms(join(dir, 'rpms'))];
  fileOf = nevraOfFiles(files);
  template = join(dir, 'store');
  const store = await Store.init(template);
  await store.add(files);
  await createChannel(store, 's');
  await addToChannel(store, 's', [...fileOf.keys()]);
  await createLayer(store, 'base@1.0.0', { packages: BASE });
  await createImage(store, 'host@1.0.0', ['base@^1.0'], { channel: 's' });
  await changeImage(store, 'host', { install: ['vz-hold', 'libvz-2.0-1.noarch', 'vzapp'] });
  await setGroup(store, 'vzgroup', ['libvz*']);
}

async function copyOf(from: string): Promise<{ dir: string; store: Store }> {
  const dir = join(tempDir('linked-cell'), 'store');
  cpSync(from, dir, { recursive: true });
  return { dir, store: await Store.open(dir) };
}

const packagesOf = async (store: Store, image: string): Promise<{ version: string; packages: string[] }> => store.read((v) => showImage(store, v, image));

/** rpm's verdict on an image: its packages installed together (for a partial child, into a root holding the host's group packages it lacks). */
async function rpmJudges(store: Store, image: string, partial?: { group: Group }): Promise<void> {
  const mine = (await packagesOf(store, image)).packages;
  const files = mine.map((p) => { const f = fileOf.get(p); assert.ok(f, `no file for ${p}`); return f as string; });
  let present: string[] = [];
  if (partial) {
    const host = (await packagesOf(store, 'host')).packages.map((p) => fileOf.get(p) as string);
    const inGroup = memberOf(partial.group, host);
    const have = new Set(files.map((f) => depsOfFile(f).name));
    present = host.filter((f) => { const n = depsOfFile(f).name; return inGroup(n) && !have.has(n); });
  }
  const verdict = rpmWouldInstall(files, present);
  assert.ok(verdict.ok, `${image} does not hold together, rpm says: ${verdict.problems.join('; ')}`);
}

const cells: Array<{ policy: string; group: Group; change: typeof CHANGES[number] }> = [];
for (const policy of POLICIES) for (const group of GROUPS) for (const change of CHANGES) cells.push({ policy, group, change });

const linked = new Map<string, string>();
const outcomes = { refused: 0, carried: 0 };
/** One line per cell, printed at the end (BAZAAR_MATRIX_VERBOSE=1): what each parent change did. */
const told: string[] = [];
const started = performance.now();

for (const cell of cells) {
  const label = `${cell.policy}:${cell.group} × ${cell.change} of ${family(cell.group).name} in the parent`;
  testWith(t, label, ['rpm'], async () => {
    if (!template) await buildTemplate();
    const policy = `${cell.policy}:${cell.group}`;
    if (!linked.has(policy)) {
      const { dir, store } = await copyOf(template);
      await createImage(store, 'vachild@1.0.0', ['base@^1.0'], { channel: 's' });
      await linkImage(store, 'vachild', 'host', policy);
      await changeImage(store, 'vachild', { install: ['vzapp'] });
      await rpmJudges(store, 'vachild', cell.policy === 'partial' ? { group: cell.group } : undefined);
      linked.set(policy, dir);
    }
    const { store } = await copyOf(linked.get(policy) as string);
    const before = { host: (await packagesOf(store, 'host')).version, child: (await packagesOf(store, 'vachild')).version };
    let refusal: unknown = null;
    try {
      await changeImage(store, 'host', parentChange(cell.change, cell.group));
    } catch (err) {
      refusal = err;
    }
    if (refusal) {
      assert.instance(refusal, BazaarError, String(refusal));
      const message = (refusal as BazaarError).message;
      assert.match(message, 'vachild', `the refusal names the child: ${message}`);
      assert.match(message, /vzapp|libvz|setup|vz-hold/, `the refusal names a package: ${message}`);
      assert.is((await packagesOf(store, 'host')).version, before.host, 'a refused change leaves the host as it was');
      assert.is((await packagesOf(store, 'vachild')).version, before.child, 'and the child');
      outcomes.refused++;
      told.push(`${label}: refused: ${message.split('\n')[0]}`);
      return;
    }
    assert.is.not((await packagesOf(store, 'host')).version, before.host, 'the host changed');
    await rpmJudges(store, 'host');
    await rpmJudges(store, 'vachild', cell.policy === 'partial' ? { group: cell.group } : undefined);
    const wrong = policyHolds(cell.policy, cell.group, (await packagesOf(store, 'host')).packages, (await packagesOf(store, 'vachild')).packages);
    assert.equal(wrong, [], `the child complies with ${policy}`);
    const found = await store.read((v) => audit(store, v, 'vachild'));
    assert.equal(found[0]?.violations ?? [], [], 'and audit agrees');
    outcomes.carried++;
    told.push(`${label}: accepted; child ${(await packagesOf(store, 'vachild')).packages.filter((p) => /vz|setup/.test(p)).join(' ')}`);
  });
}

t.after(() => {
  if (process.env.BAZAAR_MATRIX_VERBOSE) console.log(told.join('\n'));
  if (hasTool('rpm')) console.log(`matrix: ${cells.length} cells (${outcomes.refused} refused naming child and package, ${outcomes.carried} carried whole) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

t.run();
