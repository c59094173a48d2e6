/** Runs the built `bazaar` CLI as a user would, in a child process. */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachedStoreFlags } from './engines.js';
import { projectRoot } from './tools.js';

/** The executables as installed: the bundles `npm run build` writes (scripts/bundle.mjs). */
export const CLI = join(projectRoot, 'dist/bin/bazaar.js');
export const RPM_WRAPPER = join(projectRoot, 'dist/bin/bazaar-rpm.js');

export interface CliResult { status: number; stdout: string; stderr: string }

export function bazaar(args: string[], options: { input?: string | Buffer; encoding?: 'buffer' } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: options.input, maxBuffer: 512 << 20, encoding: 'buffer' });
  return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** The raw stdout bytes (for `bazaar cat`). */
export function bazaarBytes(args: string[]): { status: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 512 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

export function bazaarAsync(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `bazaar-${prefix}-`));
}

/**
 * A fresh, initialised store directory; with BAZAAR_TEST_STORE=attached, a store attached
 * to the test file's PostgreSQL and Ceph (engines.ts), so that the tests that take their
 * stores from here run on the engines too (scripts/run-tests.mjs runs a few so).
 */
export function freshStore(prefix = 'store'): string {
  const dir = join(tempDir(prefix), 'store');
  const r = bazaar(['init', '--store', dir, ...(process.env.BAZAAR_TEST_STORE === 'attached' ? attachedStoreFlags() : [])]);
  if (r.status !== 0) throw new Error(`bazaar init failed: ${r.stderr}`);
  return dir;
}
