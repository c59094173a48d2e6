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
const buffers = (): number => { collect(); return process.memoryUsage().arrayBuffers; };

t('4,000 small history objects read (and cached) hold about their own size, not 16 KiB each', async () => {
  const dir = tempDir('history-memory');
  const gitdir = join(dir, 'refs.git');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  // the writer is gone before the count starts: what it held must not blur the reader's figure
  const oids = await (async (): Promise<string[]> => {
    const writer = new GitRepo(new FsHistoryBackend(gitdir, dir));
    await writer.init();
    const written: string[] = [];
    // flushed 100 at a time: a flush of few objects writes them loose (many would be one pack)
    for (let i = 0; i < 4000; i++) {
      written.push(writer.write('blob', Buffer.from(`value ${i} ${'x'.repeat(200)}`)));
      if (i % 100 === 99) await writer.flush();
    }
    return written;
  })();
  await new Promise((r) => setTimeout(r, 50));
  const reader = new GitRepo(new FsHistoryBackend(gitdir, dir));
  const before = buffers();
  for (const oid of oids) assert.ok((await reader.read(oid)).body.toString().startsWith('value '));
  const held = buffers() - before;
  // 4,000 x 16 KiB would be 64 MB; the bodies themselves are under 1 MB (a gc of the
  // writer's own buffers may land inside the count: up to about 12 MB was seen)
  assert.ok(held < 24 << 20, `${(held / 1e6).toFixed(1)} MB held for 4,000 objects of ~210 bytes`);
});

t('4,000 small history objects read from a pack hold about their own size, not 16 KiB each', async () => {
  const dir = tempDir('history-memory-pack');
  const gitdir = join(dir, 'refs.git');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const oids = await (async (): Promise<string[]> => {
    const writer = new GitRepo(new FsHistoryBackend(gitdir, dir));
    await writer.init();
    const written: string[] = [];
    for (let i = 0; i < 4000; i++) written.push(writer.write('blob', Buffer.from(`value ${i} ${'x'.repeat(200)}`)));
    await writer.flush(); // many objects at once: one pack
    return written;
  })();
  assert.is(readdirSync(join(gitdir, 'objects', 'pack')).filter((n) => n.endsWith('.pack')).length, 1);
  await new Promise((r) => setTimeout(r, 50));
  const reader = new GitRepo(new FsHistoryBackend(gitdir, dir));
  const before = buffers();
  for (const oid of oids) assert.ok((await reader.read(oid)).body.toString().startsWith('value '));
  const held = buffers() - before;
  assert.ok(held < 24 << 20, `${(held / 1e6).toFixed(1)} MB held for 4,000 packed objects of ~210 bytes`);
});

t.run();
