/** The boot folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { bootability, bootIpxe, bootJson, bootSet, BOOT_CMDLINE } from './boot-set.js';
export type { BootLayer, BootSet, BootSetOptions } from './boot-set.js';
export { BootCache } from './boot-cache.js';
export type { CachedFile } from './boot-cache.js';
export { withoutBootMounts } from './boot-mounts.js';
export { writeBootSet } from './write-boot-set.js';
export type { WriteBootSetOptions } from './write-boot-set.js';
