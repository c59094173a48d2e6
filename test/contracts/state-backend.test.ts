/** Runs the StateBackend contract against each implementation: files (the default) and memory. */
import { writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import { FsStateBackend } from '../../src/store/fs-state-backend.js';
import { statePath } from '../../src/store/layout.js';
import { MemoryStateBackend } from '../../src/store/memory-state-backend.js';
import { tempDir } from '../helpers/cli.js';
import { run } from './state-backend.js';

const t = suite('StateBackend contract');

run(t, 'files', async () => {
  const root = tempDir('contract-state');
  return { backend: new FsStateBackend(root), damage: (seq, text) => writeFileSync(statePath(root, seq), text) };
});

run(t, 'memory', async () => {
  const backend = new MemoryStateBackend();
  return { backend, damage: (seq, text) => backend.corrupt(seq, text) };
});

t.run();
