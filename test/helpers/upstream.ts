/**
 * Upstream rpm-md repositories for mirror tests and the benchmark: a directory made by
 * createrepo_c, served by python3's http.server on loopback (its access log in a file, so
 * a test counts the requests without an event loop), or by a node server in-process that
 * can misbehave on chosen paths (hostile upstreams).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { basename, join, normalize } from 'node:path';
import { createrepo } from './createrepo.js';

/** Copies `files` into `dir` (flat) and runs createrepo_c there (`update`: --update). */
export function makeRepo(dir: string, files: string[], update = false): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) copyFileSync(f, join(dir, basename(f)));
  createrepo(dir, update ? ['--update'] : []);
}

export interface Upstream {
  url: string;
  /** Request paths so far, in order. */
  requests(): string[];
  /** Paths of the .rpm files requested so far. */
  rpmRequests(): string[];
  stop(): Promise<void>;
}

const rpmsOf = (paths: string[]): string[] => paths.filter((p) => p.endsWith('.rpm'));

/** `python3 -m http.server` serving `dir` on 127.0.0.1 (a free port). */
export async function pythonUpstream(dir: string, logFile = join(dir, '..', `access-${Date.now()}.log`)): Promise<Upstream> {
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir], { stdio: ['ignore', 'pipe', log] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`http.server exited ${code}: ${out}`)));
  });
  const requests = (): string[] => readFileSync(logFile, 'utf8').split('\n').map((l) => /"GET (\S+) HTTP/.exec(l)?.[1]).filter((p): p is string => p !== undefined);
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    rpmRequests: () => rpmsOf(requests()),
    stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }),
  };
}

export type Misbehaviour = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A node server on 127.0.0.1 serving `dir`, except the paths `overrides` names, which
 * answer as their handler says. In-process: callers must not block the event loop.
 */
export async function nodeUpstream(dir: string, overrides: Record<string, Misbehaviour> = {}): Promise<Upstream & { server: Server }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push(path);
    const special = overrides[path];
    if (special) { special(req, res); return; }
    const file = join(dir, normalize(decodeURIComponent(path)));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    url: `http://127.0.0.1:${port}/`,
    requests: () => [...seen],
    rpmRequests: () => rpmsOf(seen),
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
