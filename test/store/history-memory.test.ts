/**
 * Reading the history costs memory by the bytes read, not by the number of objects: a
 * small loose git object's body used to stay in the 16 KiB buffer zlib inflated it into,
 * and the read cache (and gc's packing of loose objects) held one such buffer per object.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FsHistoryBackend } from '../../src/store/history/fs-history-backend.js';
import { GitRepo } from '../../src/store/history/git-repo.js';
import { tempDir } from '../helpers/cli.js';

const t = suite('history-memory');

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
/**
 * External memory in use after a full collection. V8 frees the backing stores of dead
 * ArrayBuffers on a background sweep after the collection: read at once, the figure
 * sometimes still held the loop's garbage (26-34 MB, one run in four). A second
 * collection after a pause lets the sweep finish first.
 */
const buffers = async (): Promise<number> => {
  collect();
  await new Promise((r) => setTimeout(r, 20));
  collect();
  return process.memoryUsage().arrayBuffers;
};

/**
 * 4,000 small blobs written to a new history, flushed every `flushEvery`. The writer is out
 * of reach when this returns: what it held must not blur the reader's figure.
 */
async function written4000(label: string, flushEvery: number): Promise<{ dir: string; gitdir: string; oids: string[] }> {
  const dir = tempDir(label);
  const gitdir = join(dir, 'refs.git');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const writer = new GitRepo(new FsHistoryBackend(gitdir, dir));
  await writer.init();
  const oids: string[] = [];
  for (let i = 0; i < 4000; i++) {
    oids.push(writer.write('blob', Buffer.from(`value ${i} ${'x'.repeat(200)}`)));
    if (i % flushEvery === flushEvery - 1) await writer.flush();
  }
  return { dir, gitdir, oids };
}

t('4,000 small history objects read (and cached) hold about their own size, not 16 KiB each', async () => {
  // flushed 100 at a time: a flush of few objects writes them loose (many would be one pack)
  const { dir, gitdir, oids } = await written4000('history-memory', 100);
  await new Promise((r) => setTimeout(r, 50));
  const reader = new GitRepo(new FsHistoryBackend(gitdir, dir));
  const before = await buffers();
  for (const oid of oids) assert.ok((await reader.read(oid)).body.toString().startsWith('value '));
  const held = (await buffers()) - before;
  // 4,000 x 16 KiB would be 64 MB; the bodies themselves are under 1 MB (a gc of the
  // writer's own buffers may land inside the count: up to about 12 MB was seen)
  assert.ok(held < 24 << 20, `${(held / 1e6).toFixed(1)} MB held for 4,000 objects of ~210 bytes`);
});

t('4,000 small history objects read from a pack hold about their own size, not 16 KiB each', async () => {
  const { dir, gitdir, oids } = await written4000('history-memory-pack', 4000); // many objects at once: one pack
  assert.is(readdirSync(join(gitdir, 'objects', 'pack')).filter((n) => n.endsWith('.pack')).length, 1);
  await new Promise((r) => setTimeout(r, 50));
  const reader = new GitRepo(new FsHistoryBackend(gitdir, dir));
  const before = await buffers();
  for (const oid of oids) assert.ok((await reader.read(oid)).body.toString().startsWith('value '));
  const held = (await buffers()) - before;
  assert.ok(held < 24 << 20, `${(held / 1e6).toFixed(1)} MB held for 4,000 packed objects of ~210 bytes`);
});

t.run();
