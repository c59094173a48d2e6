/** The stack folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { composeTrees, treeReader } from './compose-tree.js';
export type { GetTree, PutTree, TreePart } from './compose-tree.js';
export { DirTimes } from './dir-times.js';
export { lookupMergedPath } from './lookup-merged-path.js';
export { mergedDir } from './merged-dir.js';
export { mergedLayerEntries } from './merged-layer-entries.js';
export { layerTree, mergedTree } from './merged-tree.js';
export type { MergedEntry } from './merged-tree.js';
export { OwnerIds } from './owner-ids.js';
