/** Runs every ```sh block of a document, in order, in a fresh directory, with `bazaar` on PATH. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempDir } from './cli.js';
import { projectRoot } from './tools.js';

export interface DocRun { status: number | null; stdout: string; stderr: string; blocks: number }

export function runDocBlocks(doc: string, env: Record<string, string> = {}): DocRun {
  const text = readFileSync(join(projectRoot, doc), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  const work = tempDir('doc');
  const bin = join(work, 'bin');
  mkdirSync(bin);
  // `bazaar` on PATH, as after `npm install -g`.
  writeFileSync(join(bin, 'bazaar'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  writeFileSync(join(bin, 'bazaar-rpm'), `#!/bin/sh\nexec "${process.execPath}" "${join(CLI, '..', 'rpm-wrapper.js')}" "$@"\n`, { mode: 0o755 });
  const r = spawnSync('bash', ['-c', ['set -e', ...blocks].join('\n')], {
    cwd: work, encoding: 'utf8', maxBuffer: 64 << 20,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SAMPLE: join(projectRoot, 'repos/sample'), ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, blocks: blocks.length };
}
