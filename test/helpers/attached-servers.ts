/**
 * `bazaar serve` processes over one attached store (docs/engines.md, "Several servers"):
 * each on a directory of its own attached with `bazaar init --objects --state` (as
 * another host would be), on a loopback port chosen by the kernel. For tests and the
 * scale-out bench.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CLI, tempDir } from './cli.js';
import { cephGateway, postgres } from './engines.js';

export interface AttachedSite {
  /** The environment every command needs (the S3 credentials). */
  env: NodeJS.ProcessEnv;
  /** `bazaar init` flags attaching to the store. */
  flags: string[];
  /** A new directory attached to the store (the first call makes it). */
  attach(): string;
  /** A CLI command with `env`; throws with its stderr when it fails. */
  run(args: string[]): string;
  /** The same without blocking this process's event loop (a writer running beside requests in flight). */
  runAsync(args: string[]): Promise<string>;
}

export async function attachedSite(name: string, bucket = 'bazaar-servers'): Promise<AttachedSite> {
  const [s3, pg] = [await cephGateway(), await postgres()];
  const env = { ...process.env, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
  const flags = ['--objects', `s3://${bucket}/${name}`, '--s3-endpoint', s3.endpoint, '--state', `postgresql://postgres@${pg.host}:${pg.port}/postgres`, '--schema', name];
  const run = (args: string[]): string => {
    const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`bazaar ${args.slice(0, 2).join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
  const runAsync = (args: string[]): Promise<string> => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let [out, err] = ['', ''];
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bazaar ${args.slice(0, 2).join(' ')} exited ${code}: ${err}`))));
  });
  return {
    env, flags, run, runAsync,
    attach: () => { const dir = join(tempDir('site'), 'store'); run(['init', dir, ...flags]); return dir; },
  };
}

export interface ServerProcess { child: ChildProcess; url: string; stderr: () => string; stop(): Promise<void> }

/** `bazaar serve --port 0 --store DIR`, resolved once it says where it listens. */
export function startServer(dir: string, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', dir, ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(stdout);
      if (m) resolve({ child, url: m[1], stderr: () => stderr, stop: async () => { child.kill('SIGTERM'); await closed; } });
    });
    child.once('close', () => reject(new Error(`serve exited: ${stderr}`)));
  });
}
