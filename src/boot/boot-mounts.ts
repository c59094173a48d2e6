/**
 * What bazaar's /init adds to a VA's overlay upper directory that is not the VA's own
 * change: the mount points it makes in the new root (`proc`, `sys`, `dev`, `run/bazaar`,
 * and `run` when the image had none). A baked overlay leaves them out, so they never
 * become part of a layer; `run` stays when the VA put something else in it.
 */
import type { LayerEntry } from '../archive/index.js';

const MOUNT_POINTS = new Set(['proc', 'sys', 'dev', 'run/bazaar']);

function underMount(path: string): boolean {
  for (const m of MOUNT_POINTS) if (path === m || path.startsWith(`${m}/`)) return true;
  return false;
}

/** `entries` (in archive order: a directory before what it holds) without /init's mount points. */
export async function* withoutBootMounts(entries: AsyncIterable<LayerEntry>): AsyncGenerator<LayerEntry> {
  let run: LayerEntry | null = null; // held until something of the VA's own shows up under it
  for await (const e of entries) {
    if (run && !e.path.startsWith('run/')) run = null;
    if (underMount(e.path)) continue;
    if (e.path === 'run' && e.kind === 'dir' && !e.opaque) { run = e; continue; }
    if (run) { yield run; run = null; }
    yield e;
  }
}
