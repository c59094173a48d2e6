/**
 * When a server deletes a channel's older rpm-md generations (repo-cache.ts `pruneSoon`):
 * not in the request that brings a new generation, but on the next turn of the event loop,
 * keeping the new generation and the one it replaced; a document a reader opened before
 * is still read whole.
 */
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RepoCache } from '../../src/server/repo-cache.js';
import type { RepoGeneration } from '../../src/server/repo-cache.js';
import { rpmmdCacheDir } from '../../src/store/caches/paths.js';
import { createChannel, publishChannel } from '../../src/store/channels.js';
import { Store } from '../../src/store/store.js';
import { freshStore } from '../helpers/cli.js';
import { binaryRpms } from '../helpers/server.js';

const t = suite('server: pruning rpm-md generations');

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

t('older generations go on the next turn, not in the request; a document opened before is read whole', async () => {
  const store = await Store.open(freshStore('repo-prune'));
  const added = await store.add(binaryRpms().filter((f) => /\/(bash|filesystem|setup|sed|grep)-/.test(f)));
  const keys = added.map((a) => a.nevra);
  await createChannel(store, 'c');
  const cache = new RepoCache(store);
  const generations: RepoGeneration[] = [];
  const inCache = (): string[] => readdirSync(rpmmdCacheDir(store.dir, 'c')).filter((n) => !n.startsWith('.')).sort();
  for (const refs of [keys, keys.slice(1)]) {
    await publishChannel(store, 'c', refs);
    generations.push(await store.read((view) => cache.generation(view, 'c')));
  }
  await nextTurn();
  const [first, second] = generations;
  assert.equal(inCache(), [basename(first.dir), basename(second.dir)].sort(), 'the previous generation is kept');

  // a reader sending the first generation's primary: opened before its answer (routes/repo.ts)
  const repodata = join(first.dir, 'repodata');
  const primary = readdirSync(repodata).find((n) => n.endsWith('-primary.xml.gz')) as string;
  const fd = openSync(join(repodata, primary), 'r');
  try {
    await publishChannel(store, 'c', keys.slice(2));
    const third = await store.read(async (view) => {
      const gen = await cache.generation(view, 'c');
      assert.ok(existsSync(first.dir), 'the request that brought the new generation did not wait for the prune');
      return gen;
    });
    await nextTurn();
    assert.equal(inCache(), [basename(second.dir), basename(third.dir)].sort(), 'the generation before the previous is gone, the previous kept');
    assert.not.ok(existsSync(first.dir));
    const bytes = readFileSync(fd);
    assert.is(createHash('sha256').update(bytes).digest('hex'), primary.slice(0, 64), 'the document opened before the prune is read whole');
    assert.ok(bytes.length > 0);
  } finally {
    closeSync(fd);
  }
});

t.run();
