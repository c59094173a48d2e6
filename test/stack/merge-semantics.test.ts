/**
 * Merge semantics as a table (docs/checkout.md#merge-semantics): each case builds its
 * layers as overlayfs layer directories (`wh NAME`: a char 0/0 whiteout, `opq DIR`: the
 * trusted.overlay.opaque=y marker), imports them, and checks the merged checkout against
 * the table. Where overlayfs can be mounted, the kernel's own merged view of the very
 * same directories is the oracle too, metadata and xattrs included. writeMergedTree's
 * single tree must check out the same.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkout } from '../../src/checkout/checkout.js';
import { mergedTree } from '../../src/stack/merged-tree.js';
import { writeMergedTree } from '../../src/stack/write-merged-tree.js';
import type { ObjectId } from '../../src/store/layout.js';
import { tempDir } from '../helpers/cli.js';
import { canMountOverlay, importDir, memoryStore, snap, withOverlay } from '../helpers/checkout-fixtures.js';
import type { MemoryStore } from '../helpers/checkout-fixtures.js';
import { fixTimes } from '../helpers/layer-fixtures.js';
import { hasTool, testWith } from '../helpers/tools.js';

const t = suite('merge-semantics');

interface Case {
  name: string;
  /** Shell commands building each layer, lowest first (run in the layer's directory). */
  layers: string[];
  /** The merged view: path -> `dir`, `file:CONTENT`, `link:TARGET`. */
  expect: Record<string, string>;
}

const CASES: Case[] = [
  { name: 'file over file: the upper one', layers: ['echo low > f', 'echo up > f'], expect: { f: 'file:up' } },
  { name: 'dir over dir: merged', layers: ['mkdir d && echo a > d/a && echo low > d/both', 'mkdir d && echo b > d/b && echo up > d/both'], expect: { d: 'dir', 'd/a': 'file:a', 'd/b': 'file:b', 'd/both': 'file:up' } },
  { name: 'opaque dir: nothing below shows', layers: ['mkdir d && echo a > d/a', 'mkdir d && opq d && echo b > d/b'], expect: { d: 'dir', 'd/b': 'file:b' } },
  { name: 'whiteout of a file', layers: ['echo f > f && echo g > g', 'wh f'], expect: { g: 'file:g' } },
  { name: 'whiteout of a dir and all beneath it', layers: ['mkdir -p d/e && echo a > d/e/a && echo k > keep', 'wh d'], expect: { keep: 'file:k' } },
  { name: 'dir over file: the dir', layers: ['echo x > x', 'mkdir x && echo y > x/y'], expect: { x: 'dir', 'x/y': 'file:y' } },
  { name: 'file over dir: the file, nothing of the dir', layers: ['mkdir x && echo y > x/y', 'echo x > x'], expect: { x: 'file:x' } },
  { name: 'symlink over dir', layers: ['mkdir d && echo a > d/a', 'ln -s /elsewhere d'], expect: { d: 'link:/elsewhere' } },
  { name: 'whiteout in a middle layer, re-created above: only the new one', layers: ['mkdir d && echo a > d/a', 'wh d', 'mkdir d && echo b > d/b'], expect: { d: 'dir', 'd/b': 'file:b' } },
  { name: 'a file in a middle layer ends the merge of dirs above it', layers: ['mkdir d && echo a > d/a', 'echo f > d', 'mkdir d && echo c > d/c'], expect: { d: 'dir', 'd/c': 'file:c' } },
  { name: 'an opaque middle dir takes part, the ones below it do not', layers: ['mkdir d && echo a > d/a', 'mkdir d && opq d && echo b > d/b', 'mkdir d && echo c > d/c'], expect: { d: 'dir', 'd/b': 'file:b', 'd/c': 'file:c' } },
  { name: 'a whiteout in the lowest layer hides nothing and is not shown', layers: ['wh ghost && echo k > k', 'echo u > u'], expect: { k: 'file:k', u: 'file:u' } },
  { name: 'the upper dir speaks for a merged dir (mode)', layers: ['mkdir d && chmod 0755 d && echo a > d/a', 'mkdir d && chmod 0700 d && echo b > d/b'], expect: { d: 'dir', 'd/a': 'file:a', 'd/b': 'file:b' } },
  { name: 'a hardlink survives when an upper layer deletes its first name', layers: ['echo same > a && ln a b && ln a c', 'wh a && echo new > c'], expect: { b: 'file:same', c: 'file:new' } },
];

const SETUP = 'wh() { mknod "$1" c 0 0; }; opq() { setfattr -n trusted.overlay.opaque -v y "$1"; };';

function buildLayers(c: Case): string[] {
  return c.layers.map((cmds, i) => {
    const dir = tempDir(`merge-l${i}`);
    execFileSync('sh', ['-c', `${SETUP} ${cmds}`], { cwd: dir });
    fixTimes(dir);
    return dir;
  });
}

function describe(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(rel ? `${root}/${rel}` : root).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const st = lstatSync(`${root}/${p}`);
      if (st.isDirectory()) { out[p] = 'dir'; walk(p); } else if (st.isSymbolicLink()) out[p] = `link:${readlinkSync(`${root}/${p}`)}`;
      else out[p] = `file:${readFileSync(`${root}/${p}`, 'utf8').trim()}`;
    }
  };
  walk('');
  return out;
}

let store: MemoryStore | undefined;
/** One store for every case (objects are content-addressed, cases cannot disturb each other), in memory. */
async function sharedStore(): Promise<MemoryStore> {
  store ??= memoryStore();
  return store;
}

/** Whiteouts and opaque markers are made with mknod and setfattr (as root); snap() reads attributes with getfattr. */
const TOOLS = ['root', 'mknod', 'setfattr', 'getfattr'];
const mount = hasTool('setfattr') && process.getuid?.() === 0 && canMountOverlay();
if (!mount) console.log('SKIPPED merge-semantics: the kernel oracle (needs overlayfs mounts: root with CAP_SYS_ADMIN); checked against the table only');

for (const c of CASES) {
  testWith(t, c.name, TOOLS, async () => {
    const dirs = buildLayers(c);
    const store = await sharedStore();
    const roots: ObjectId[] = [];
    for (const d of dirs) roots.push(await importDir(store, d));
    const out = `${tempDir('merge-out')}/tree`;
    await checkout(store, roots, out, { mode: 'copy' });
    assert.equal(describe(out), c.expect, 'the table');
    const walked: string[] = [];
    for await (const m of mergedTree(store, roots)) walked.push(m.path);
    assert.equal(walked, Object.keys(c.expect).sort(), 'the walk gives the same paths, in order');
    if (mount) withOverlay(dirs, (merged) => assert.equal(snap(out), snap(merged), 'the kernel'));
    const flat = await writeMergedTree(store, roots);
    await store.commit(flat.staged);
    const flatOut = `${tempDir('merge-flat')}/tree`;
    await checkout(store, [flat.root], flatOut, { mode: 'copy' });
    assert.equal(snap(flatOut), snap(out), 'the single merged tree');
  });
}

t.run();
