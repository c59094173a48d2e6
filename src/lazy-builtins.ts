/**
 * Node built-ins that cost a start a few milliseconds to load (node:child_process ~4 ms
 * here, with net, dgram and the streams it pulls in), loaded on first use instead: most
 * runs (a `bazaar show`, a read) never spawn (docs/architecture.md#start-up). node:tty
 * loads net too: asked only whether a descriptor is a terminal, by what draws on one.
 * node:fs/promises (with readline, fs.Dir and the watchers, ~1.5 ms) only when the store
 * streams a large object or writes a loose one.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const childProcess = (): typeof import('node:child_process') => require('node:child_process') as typeof import('node:child_process');
export const tty = (): typeof import('node:tty') => require('node:tty') as typeof import('node:tty');
export const fsPromises = (): typeof import('node:fs/promises') => require('node:fs/promises') as typeof import('node:fs/promises');
