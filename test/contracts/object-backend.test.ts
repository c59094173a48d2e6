/** Runs the ObjectBackend contract against each implementation: files (the default) and memory. */
import { openSync, readSync, writeSync, closeSync } from 'node:fs';
import { suite } from 'uvu';
import { FsObjectBackend } from '../../src/store/fs-object-backend.js';
import { MemoryObjectBackend } from '../../src/store/memory-object-backend.js';
import { tempDir } from '../helpers/cli.js';
import { run } from './object-backend.js';

const t = suite('ObjectBackend contract');

run(t, 'files', async () => {
  const backend = new FsObjectBackend(tempDir('contract-objects'));
  return {
    backend,
    damage: (id) => {
      const at = backend.locate(id)!;
      const fd = openSync(at.path, 'r+');
      try {
        const b = Buffer.alloc(1);
        const pos = at.offset + Math.floor(at.length / 2);
        readSync(fd, b, 0, 1, pos);
        writeSync(fd, Buffer.from([b[0] ^ 0x10]), 0, 1, pos);
      } finally { closeSync(fd); }
    },
  };
});

run(t, 'memory', async () => {
  const backend = new MemoryObjectBackend();
  return {
    backend,
    damage: (id) => {
      const b = Buffer.from(backend.stored(id)!);
      b[Math.floor(b.length / 2)] ^= 0x10;
      backend.corrupt(id, b);
    },
  };
});

t.run();
