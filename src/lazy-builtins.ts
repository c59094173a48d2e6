/**
 * Node built-ins that cost a start a few milliseconds to load (node:child_process ~4 ms
 * here, with net, dgram and the streams it pulls in), loaded on first use instead: most
 * runs (a `bazaar show`, a read) never spawn (docs/architecture.md#start-up).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const childProcess = (): typeof import('node:child_process') => require('node:child_process') as typeof import('node:child_process');
