/**
 * Linked images (issue 10's benchmark): a host with 200 linked children of mixed
 * policies over the sample distribution.
 *
 *   1. audit of every child: in process (warm) and as `bazaar audit --json` (cold CLI);
 *      goal: well under a second;
 *   2. a family upgrade: the host moves to core-os 11.1 (a new bash) and the newer kernel,
 *      carrying every child along
 *      in one transaction; goal: seconds.
 *
 * No peer exists (IPS never shipped content policies), so the figures stand against the
 * issue's goals.
 *
 *   node dist/bench/linked.js [--children N] [--keep DIR] [--build-only] [--from DIR]
 *
 * `--from DIR` measures on a copy of a store built earlier with `--keep DIR --build-only`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { changeImage, createImage } from '../src/api/image-ops.js';
import { createLayer } from '../src/api/layer-ops.js';
import { isBroken } from '../src/linked/link-judge.js';
import { audit, linkImage } from '../src/linked/links.js';
import { addToChannel, createChannel } from '../src/store/channels.js';
import { Store } from '../src/store/store.js';
import { option, sampleRpms, secs } from './sample-setup.js';

const CLI = fileURLToPath(new URL('../bin/bazaar.js', import.meta.url));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const POLICIES = ['sync:minimal', 'sync:core-os', 'mirror:minimal', 'mirror:core-os', 'partial:minimal', 'partial:core-os', 'sync:all', 'mirror:all'];
const CHANNEL = ['filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64', 'bash-5.2.26-alt1.x86_64', 'coreutils', 'grep', 'sed', 'passwd', 'etcskel',
  'zlib-1.3.1-alt1.x86_64', 'libssl3', 'ca-certificates', 'core-os-11.0-alt1.noarch', 'core-os-11.1-alt1.noarch', 'lighttpd', 'webserver', 'va-supervisor-agent',
  'kernel-image-std-def-6.6.63-alt1.x86_64', 'kernel-image-std-def-6.6.60-alt1.x86_64'];

export async function benchLinked(): Promise<void> {
  const from = option('--from', '');
  if (from) {
    const dir = join(mkdtempSync(join(tmpdir(), 'bazaar-bench-linked-')), 'store');
    cpSync(join(from, 'store'), dir, { recursive: true });
    return measure(await Store.open(dir), dir);
  }
  const children = Number(option('--children', '200'));
  const dir = join(option('--keep', '') || mkdtempSync(join(tmpdir(), 'bazaar-bench-linked-')), 'store');
  const store = await Store.init(dir);
  const t0 = performance.now();
  await store.add(sampleRpms());
  await createChannel(store, 's');
  await addToChannel(store, 's', CHANNEL);
  await createLayer(store, 'base@1.0.0', { packages: ['filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64'] });
  await createImage(store, 'host@1.0.0', ['base@^1.0'], { channel: 's' });
  await changeImage(store, 'host', { install: ['core-os-11.0-alt1.noarch', 'lighttpd', 'kernel-image-std-def-6.6.60-alt1.x86_64'] });
  for (let i = 0; i < children; i++) {
    const name = `va${String(i).padStart(3, '0')}`;
    await createImage(store, `${name}@1.0.0`, ['base@^1.0'], { channel: 's' });
    if (i % 3 === 0) await changeImage(store, name, { install: ['webserver'] });
    await linkImage(store, name, 'host', POLICIES[i % POLICIES.length] as string);
  }
  console.log(`host with ${children} linked children (${POLICIES.join(', ')} in turn) built in ${secs(performance.now() - t0)} (${dir})`);
  if (process.argv.includes('--build-only')) return;
  await measure(store, dir);
}

async function measure(store: Store, dir: string): Promise<void> {
  const warm: number[] = [];
  let entries = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    entries = (await store.read((s) => audit(store, s))).length;
    warm.push(performance.now() - t);
  }
  const cold = median(Array.from({ length: 3 }, () => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [CLI, 'audit', '--json', '--store', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`audit found violations or failed: ${r.stderr}`);
    return performance.now() - t;
  }));
  console.log(`audit of ${entries} children: in process ${secs(median(warm))} (first ${secs(warm[0] as number)}), cold CLI ${secs(cold)}; goal: well under 1 s -> ${(median(warm) / 1000).toFixed(2)}x / ${(cold / 1000).toFixed(2)}x of 1 s`);

  const t1 = performance.now();
  const r = await changeImage(store, 'host', { upgrade: ['core-os', 'kernel-image-std-def'] });
  const family = performance.now() - t1;
  const moved = r.children.filter((c) => c.installed.length || c.removed.length).length;
  console.log(`family upgrade (host core-os 11.0 -> 11.1, moving bash, and kernel 6.6.60 -> 6.6.63 beside it): ${secs(family)} for the host and ${r.children.length} children carried (${moved} changed packages) in one transaction; goal: seconds`);
  const after = await store.read((s) => audit(store, s));
  console.log(`after it: ${after.filter(isBroken).length} children out of compliance or not whole (must be 0)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLinked();
