/**
 * One damaged image (a layer object lost, its image object lost or corrupt) does not break
 * the listings of every other image: `image ls`, `link ls`, `GET /v1/images`, children and
 * the `/ui/` pages list the rest as they are and the damaged one marked (`damaged` in JSON,
 * DAMAGED in text, "damaged" on the page); the CLI listings exit 1 when they found damage.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ObjectId } from '../../src/store/layout.js';
import { bazaar, freshStore, tempDir } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { appFor } from '../helpers/server.js';
import { flipStoredBit, removeStored } from '../helpers/stored-objects.js';

const t = suite('damaged images in listings');

const ok = (args: string[]): string => {
  const r = bazaar(args);
  assert.is(r.status, 0, `bazaar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

interface Listed { name: string; version: string | null; id: string | null; layers: Array<{ name: string }>; packages: string[]; damaged?: string }

let pristine = '';
/** Images web (base + an imported layer va-rw) and plain (base), linked: plain (1.0.1 once linked) is web's child. */
function pristineStore(): string {
  if (pristine) return pristine;
  pristine = freshStore('damaged-listing');
  const files = sampleRpms().filter((f) => /\/(filesystem-2|sed-4)/.test(f) && !f.endsWith('.src.rpm'));
  ok(['add', '--store', pristine, ...files]);
  ok(['layer', 'create', '--store', pristine, 'base@1.0.0', '--nodeps', '--package', 'filesystem', 'sed']);
  const upper = tempDir('upper');
  mkdirSync(join(upper, 'etc'));
  writeFileSync(join(upper, 'etc/motd'), 'welcome\n');
  ok(['layer', 'import', '--store', pristine, '--xattrs', 'none', 'va-rw@1.0.0', upper]);
  ok(['image', 'create', '--store', pristine, 'web@1.0.0', '--nodeps', '--layer', 'base@1', '--layer', 'va-rw@1']);
  ok(['image', 'create', '--store', pristine, 'plain@1.0.0', '--nodeps', '--layer', 'base@1']);
  ok(['link', '--store', pristine, 'plain', 'web', '--policy', 'sync:minimal']);
  return pristine;
}

function copyOf(): string {
  const dir = join(tempDir('damaged-copy'), 'store');
  cpSync(pristineStore(), dir, { recursive: true });
  return dir;
}

const show = (store: string, ref: string): { id: ObjectId } => JSON.parse(ok(['image', 'show', '--store', store, '--json', ref])) as { id: ObjectId };
const layerShow = (store: string, ref: string): { tree: ObjectId } => JSON.parse(ok(['layer', 'show', '--store', store, '--json', ref])) as { tree: ObjectId };

/** image ls: exit 1, plain whole, web marked damaged with `why`; text and JSON agree. */
function assertImageLs(store: string, why: RegExp, readable: boolean): void {
  const json = bazaar(['image', 'ls', '--store', store, '--json']);
  assert.is(json.status, 1, json.stderr);
  assert.match(json.stderr, /1 image is damaged \(web\); 'bazaar fsck' lists all damage/);
  const all = JSON.parse(json.stdout) as Listed[];
  assert.equal(all.map((i) => i.name), ['plain', 'web']);
  const [plain, web] = all as [Listed, Listed];
  assert.is(plain.damaged, undefined);
  assert.equal(plain.packages, ['filesystem-2.3.21-alt1.x86_64', 'sed-1:4.9-alt1.x86_64']);
  assert.match(web.damaged ?? '', why);
  assert.equal(web.packages, []);
  if (readable) {
    assert.is(web.version, '1.0.0', 'what still reads is listed');
    assert.equal(web.layers.map((l) => l.name), ['base', 'va-rw']);
  } else {
    assert.is(web.version, null);
  }
  const text = bazaar(['image', 'ls', '--store', store]);
  assert.is(text.status, 1);
  assert.match(text.stdout, /^plain@1\.0\.1\tbase@1\.0\.0\t2 packages$/m);
  assert.match(text.stdout, /^web@\S+\t.*\tDAMAGED: /m);
}

async function assertServer(store: string, why: RegExp): Promise<void> {
  const { app } = await appFor(store);
  const res = await app.request('/v1/images');
  assert.is(res.status, 200);
  const all = await res.json() as Listed[];
  assert.equal(all.map((i) => [i.name, i.damaged === undefined]), [['plain', true], ['web', false]]);
  assert.match(all[1]?.damaged ?? '', why);
  const ui = await app.request('/ui/');
  assert.is(ui.status, 200);
  const page = await ui.text();
  assert.match(page, /href="\/ui\/images\/plain"/);
  assert.match(page, /web<\/a> <span class="bad">damaged: /);
  const plainPage = await app.request('/ui/images/plain');
  assert.is(plainPage.status, 200, 'the page of an intact image');
  const children = await app.request('/v1/images/plain/children');
  assert.is(children.status, 200);
}

t('a lost layer tree: web is listed as damaged with what still reads; plain, links and the server are whole', async () => {
  const store = copyOf();
  const tree = layerShow(store, 'va-rw@1.0.0').tree;
  await removeStored(store, tree);
  assertImageLs(store, new RegExp(`object ${tree} is not in the store`), true);
  const links = bazaar(['link', 'ls', '--store', store]);
  assert.is(links.status, 0, 'links are in the image objects, which read');
  assert.match(links.stdout, /^web@1\.0\.0\n {2}plain@1\.0\.1 {2}\(sync:minimal\)$/m);
  await assertServer(store, /is not in the store/);
});

t('a lost image object: listed by name, damaged; link ls lists it, marked, its child under it, and exits 1', async () => {
  const store = copyOf();
  const id = show(store, 'web').id;
  await removeStored(store, id);
  assertImageLs(store, /is not in the store/, false);
  const links = bazaar(['link', 'ls', '--store', store, '--json']);
  assert.is(links.status, 1, links.stderr);
  assert.match(links.stderr, /1 image is damaged \(web\)/);
  const nodes = JSON.parse(links.stdout) as Array<{ image: string; damaged?: string; children: Array<{ image: string }> }>;
  // plain's own object says web is its parent: it stays under the damaged web
  assert.equal(nodes.map((n) => [n.image, n.damaged !== undefined, n.children.map((c) => c.image)]), [['web', true, ['plain']]]);
  const text = bazaar(['link', 'ls', '--store', store]);
  assert.match(text.stdout, /^web@\? {2}DAMAGED: object sha256:[0-9a-f]{64} is not in the store\n {2}plain@1\.0\.1 {2}\(sync:minimal\)$/m);
  await assertServer(store, /is not in the store/);
  const { app } = await appFor(store);
  const children = await (await app.request('/v1/images/plain/children')).json() as Array<{ name: string; damaged?: string }>;
  assert.equal(children.map((c) => c.name), ['web'], 'the unreadable image is listed: whether it is a child is unknown');
  assert.match(children[0]?.damaged ?? '', /is not in the store/);
  assert.match(await (await app.request('/ui/images/plain')).text(), /damaged, so not known whether linked here: <a href="\/ui\/images\/web">/);
});

t('a corrupt image object: the same, naming the damage', async () => {
  const store = copyOf();
  const id = show(store, 'web').id;
  flipStoredBit(store, id, 0.5);
  assertImageLs(store, new RegExp(`object ${id} is damaged`), false);
  await assertServer(store, /is damaged/);
});

t('an intact store lists exit 0 with no damaged field', () => {
  const store = pristineStore();
  const r = bazaar(['image', 'ls', '--store', store, '--json']);
  assert.is(r.status, 0);
  assert.ok((JSON.parse(r.stdout) as Listed[]).every((i) => !('damaged' in i)));
  assert.is(bazaar(['link', 'ls', '--store', store]).status, 0);
});

t.run();
