/** Runs every ```sh block of a document, in order, in a fresh directory, with `bazaar` on PATH. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLI, tempDir } from './cli.js';
import { projectRoot } from './tools.js';

/**
 * Stops the background jobs a block started (`bazaar serve ... &`) when the script ends,
 * however it ends: a failing step under `set -e` would otherwise leave the server running
 * after the test and the suite.
 */
const STOP_JOBS = `trap 'for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done; wait' EXIT`;

export interface DocRun { status: number | null; stdout: string; stderr: string; blocks: number }

/** `doc`: a path relative to the project root (or absolute). */
export function runDocBlocks(doc: string, env: Record<string, string> = {}): DocRun {
  const text = readFileSync(resolve(projectRoot, doc), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  const work = tempDir('doc');
  const bin = join(work, 'bin');
  mkdirSync(bin);
  // `bazaar` on PATH, as after `npm install -g`.
  writeFileSync(join(bin, 'bazaar'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  writeFileSync(join(bin, 'bazaar-rpm'), `#!/bin/sh\nexec "${process.execPath}" "${join(CLI, '..', 'bazaar-rpm.js')}" "$@"\n`, { mode: 0o755 });
  const r = spawnSync('bash', ['-c', ['set -e', STOP_JOBS, ...blocks].join('\n')], {
    cwd: work, encoding: 'utf8', maxBuffer: 64 << 20,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SAMPLE: join(projectRoot, 'repos/sample'), ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, blocks: blocks.length };
}
