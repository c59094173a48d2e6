/**
 * The fs folder's narrow door for plain file changes (docs/architecture.md#front-doors):
 * the store's files made, renamed, synced and removed through the one gateway (fs-ops.ts),
 * without the xattr, special-file and path-bytes code that index.ts brings.
 */
export { createFile, fsEvent, fsyncPath, linkFile, makeDir, noSpaceError, removeFile, removeTree, renameFile, syncFilesystem, unwritableCode } from './fs-ops.js';
