/**
 * Everyday operations on images and layers: delete, rename, and delete a layer, each
 * refused (naming what depends on it) where it would break another image.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BazaarError } from '../../src/errors.js';
import { deleteImage, deleteLayer, renameImage } from '../../src/api/image-lifecycle.js';
import { changeImage, createImage, listImages, showImage } from '../../src/api/image-ops.js';
import { imageLog } from '../../src/api/image-history.js';
import { createLayer, listLayers } from '../../src/api/layer-ops.js';
import { linkImage, unlinkImage, linkTree } from '../../src/linked/links.js';
import { addToChannel, createChannel } from '../../src/store/channels.js';
import { Store } from '../../src/store/store.js';
import { freshStore } from '../helpers/cli.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('image lifecycle');

async function seeded(): Promise<Store> {
  const store = await Store.init(freshStore('lifecycle'));
  await store.add(sampleRpms().filter((f) => /\/(filesystem|setup|libc6-2\.38-alt2\.x86_64|bash-5\.2\.26-alt1|lighttpd|zlib-1\.3\.1-alt1\.x86_64|libssl3|ca-certificates)[-.]/.test(f) && !/SRPMS|i586/.test(f)));
  await createChannel(store, 's');
  await addToChannel(store, 's', ['filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64', 'lighttpd', 'zlib-1.3.1-alt1.x86_64', 'libssl3', 'ca-certificates']);
  await createLayer(store, 'base@1.0.0', { packages: ['filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt1.x86_64'] });
  await createImage(store, 'host@1.0.0', ['base@^1.0'], { channel: 's' });
  await createImage(store, 'va@1.0.0', ['base@^1.0'], { channel: 's' });
  await changeImage(store, 'va', { install: ['lighttpd'] });
  return store;
}

async function refused(p: Promise<unknown>, code: string, text: string): Promise<void> {
  try { await p; } catch (err) {
    assert.ok(err instanceof BazaarError, String(err));
    assert.is(err.code, code, err.message);
    assert.match(err.message, text);
    return;
  }
  assert.unreachable('refused');
}

const names = async (store: Store): Promise<string[]> => store.read(async (s) => (await listImages(store, s)).map((i) => i.name));

t('an image with linked children is neither deleted nor renamed; unlinked, both work and keep history', async () => {
  const store = await seeded();
  await linkImage(store, 'va', 'host', 'sync:minimal');
  await refused(deleteImage(store, 'host'), 'ERR_IMAGE', 'cannot delete image host: va is a child linked to it');
  await refused(renameImage(store, 'host', 'host2'), 'ERR_IMAGE', 'cannot rename image host: va is a child linked to it');
  assert.equal(await names(store), ['host', 'va']);
  const before = await store.read((s) => showImage(store, s, 'va'));
  const r = await renameImage(store, 'va', 'appliance');
  assert.is(r.versions, before.version === '1.0.0' ? 1 : 3, 'every version published again');
  const after = await store.read((s) => showImage(store, s, 'appliance'));
  assert.is(after.name, 'appliance');
  assert.is(after.version, before.version);
  assert.equal(after.packages, before.packages);
  assert.equal(after.parent, before.parent, 'a renamed child keeps its link');
  const log = await store.read((s) => imageLog(store, s, 'appliance'));
  assert.match(log[0].message, 'rename image va to appliance');
  assert.ok(log.length > 2, 'the history of va continues');
  const tree = await store.read((s) => linkTree(store, s));
  assert.ok(JSON.stringify(tree).includes('appliance'));
  await refused(renameImage(store, 'appliance', 'host'), 'ERR_IMAGE', 'image host exists');
  await refused(renameImage(store, 'nosuch', 'x'), 'ERR_IMAGE', 'no image nosuch');
  await refused(renameImage(store, 'appliance', 'Bad/Name'), 'ERR_USAGE', 'is not a image name');
  await unlinkImage(store, 'appliance');
  const del = await deleteImage(store, 'host');
  assert.match(del.trash, /^trash\/\d+\/images\/host$/);
  assert.equal(await names(store), ['appliance']);
  assert.ok((await store.fsck()).ok);
});

t('a layer is not deleted while any image version is built on it; then it is, and gc collects it', async () => {
  const store = await seeded();
  await refused(deleteLayer(store, 'base'), 'ERR_LAYER', 'image versions are built on it (host@1.0.0, va@1.0.0');
  await refused(deleteLayer(store, 'nosuch'), 'ERR_LAYER', 'no layer nosuch');
  await deleteImage(store, 'host');
  await deleteImage(store, 'va');
  await deleteLayer(store, 'base');
  assert.equal(await store.read((s) => listLayers(s)), []);
  const gc = await store.gc({ retentionDays: 0 });
  assert.ok(gc.deleted > 0, 'what only they reached is collected once their window passed');
  assert.ok((await store.fsck()).ok);
  assert.equal(await names(store), []);
});

t.run();
