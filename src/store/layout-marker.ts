/**
 * The store marker (`bazaar-store.json`) says which layout a store has, so that a bazaar
 * too old for what a store holds refuses it instead of misreading it. A writer raises it
 * (never lowers it) just before it first writes something an older layout lacks:
 * 3 before the first pack, 4 before the first state that records gc's horizon.
 */
import { readFileSync } from 'node:fs';
import { createFile, fsyncPath, renameFile } from '../fs/ops.js';
import { markerPath, tmpPath } from './layout.js';

export function raiseLayout(root: string, layout: number): void {
  let marker: { layout?: unknown };
  try { marker = JSON.parse(readFileSync(markerPath(root), 'utf8')); } catch { return; }
  if (typeof marker.layout === 'number' && marker.layout >= layout) return;
  const tmp = tmpPath(root);
  createFile(tmp, `${JSON.stringify({ ...marker, layout })}\n`, { sync: true });
  renameFile(tmp, markerPath(root));
  fsyncPath(root);
}
