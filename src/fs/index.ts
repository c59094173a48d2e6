/** The fs folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { findTool } from './find-tool.js';
export { createFile, fsEvent, fsyncPath, linkFile, makeDir, noSpaceError, removeFile, removeTree, renameFile, syncFilesystem, unwritableCode } from './fs-ops.js';
export { checkOutputFile, outputFileError } from './output-file.js';
export { decodePathBytes, encodePathBytes, isPlainAscii, quotePath } from './path-bytes.js';
export { SpecialFiles } from './special-files.js';
export { XattrNameNotUtf8, getXattr, listXattrs } from './xattr-calls.js';
export { XattrPaths } from './xattr-paths.js';
export { XattrWriter } from './xattr-writer.js';
