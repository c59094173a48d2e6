/**
 * A squashfs image as a layer source: squashfs-tools-ng's `sqfs2tar` streams it as a tar
 * archive into the tar layer reader (read-layer.ts), so a squashfs is read as a layer
 * archive is: owners, modes, device nodes, hardlinks and extended attributes kept, overlay
 * whiteouts honoured, hostile paths refused, and no root needed (unsquashfs would have to
 * write the tree to disk, as root, to keep owners and devices). `--no-skip`: an entry tar
 * cannot hold fails the import instead of being left out silently.
 */
import { BazaarError } from '../errors.js';
import { fileHead } from './image-format.js';
import type { LayerEntry } from './layer-entry.js';
import { readLayerArchive } from './read-layer.js';
import { toolOutput } from './tool-output.js';

/**
 * Reads the squashfs image at `path` (a file: sqfs2tar needs to seek) as layer entries.
 * A truncated or corrupt image fails the stream with ERR_BAD_INPUT naming `name`.
 *
 * @example
 *   for await (const e of readSquashfs('/srv/alt-live.squashfs')) console.log(e.path);
 */
export async function* readSquashfs(path: string, name = path): AsyncGenerator<LayerEntry> {
  checkSquashfsSize(path, name);
  const tar = toolOutput({
    tool: 'sqfs2tar', debian: 'squashfs-tools-ng', args: ['--no-skip', path],
    // sqfs2tar starts its complaints with the file's name: said once, as the user named it
    failed: (why) => new BazaarError('ERR_BAD_INPUT', `${name}: not a readable squashfs image (sqfs2tar: ${why.startsWith(`${path}: `) ? why.slice(path.length + 2) : why})`, { data: { path: name } }),
  }, `reading the squashfs ${name}`);
  yield* readLayerArchive(tar);
}

/** Superblock fields (squashfs 4, little-endian): bytes_used, a u64 at 40, is the image's length. */
const SUPERBLOCK_BYTES = 96;
const BYTES_USED_OFFSET = 40;

/** A file shorter than its superblock says is truncated: said plainly, before sqfs2tar trips over a table beyond the end. */
function checkSquashfsSize(path: string, name: string): void {
  const { head, size } = fileHead(path, SUPERBLOCK_BYTES);
  if (head.length < SUPERBLOCK_BYTES) throw new BazaarError('ERR_BAD_INPUT', `${name}: a truncated squashfs image (${size} bytes, shorter than its superblock)`, { data: { path: name } });
  const used = Number(head.readBigUInt64LE(BYTES_USED_OFFSET));
  if (size < used) throw new BazaarError('ERR_BAD_INPUT', `${name}: a truncated squashfs image (${size} bytes of the ${used} its superblock states)`, { data: { path: name } });
}
