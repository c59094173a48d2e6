/**
 * Finds a program on PATH without running a shell: the image readers pick a native tool
 * when present (zstd; getfattr for the one case xattrs.ts cannot read in-process) and say
 * which Debian package provides it when not.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute path of `name` on the current PATH, or null. Not cached: PATH may change (tests do). */
export function findTool(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // Not here (ENOENT) or not executable: try the next PATH entry.
    }
  }
  return null;
}
