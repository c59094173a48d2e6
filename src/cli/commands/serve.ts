import { availableParallelism } from 'node:os';
import { BazaarError } from '../../errors.js';
import { isServeWorker, serveWorker, serve as startServer, startWorkers } from '../../server/index.js';
import type { ServeOptions } from '../../server/index.js';
import { readStoreConfig } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { expectArgs } from '../command.js';
import type { Command, CommandInput, CommandOutput } from '../command.js';

function portOf(text: string | undefined): number {
  if (text === undefined) return 8080;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new BazaarError('ERR_USAGE', `--port is a number from 0 to 65535 (0: any free port), not '${text}'`);
  return Number(text);
}

/** The address to listen on; an empty one would listen on every address, which nobody types on purpose. */
function hostOf(text: string | undefined): string {
  if (text === undefined) return '127.0.0.1';
  if (text.trim() === '') throw new BazaarError('ERR_USAGE', "--host needs an address (127.0.0.1, or 0.0.0.0 for every IPv4 address)");
  return text;
}

function sizeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)([KMG]?)$/i.exec(text);
  if (!m) throw new BazaarError('ERR_USAGE', `--max-upload is a size such as 500M or 2G, not '${text}'`);
  return Number(m[1]) * ({ '': 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 } as Record<string, number>)[m[2].toUpperCase()];
}

/** `--public-url`: an http(s) URL without credentials, query or fragment (a base for `/repo/` URLs). */
function publicUrlOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let url: URL | null = null;
  try { url = new URL(text); } catch { /* refused below */ }
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash) {
    throw new BazaarError('ERR_USAGE', `--public-url is the http(s) URL clients reach the server at, such as https://pkgs.example.org/, not '${text}'`);
  }
  return url.href;
}

/** Processes answering by default: one per core, at most 4 (each keeps its own caches in memory). */
export const DEFAULT_WORKERS = Math.min(availableParallelism(), 4);

function workersOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WORKERS;
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 256) throw new BazaarError('ERR_USAGE', `--workers is a number of processes from 1 to 256, not '${text}'`);
  return Number(text);
}

/** The command line of one worker: this `bazaar serve` with one process, its options as given. */
function workerArgs(storeDir: string, options: Record<string, unknown>, o: ServeOptions): string[] {
  return [
    'serve', '--store', storeDir, '--workers', '1', '--host', o.host as string, '--port', String(o.port),
    ...(o.privateReads ? ['--private'] : []),
    ...(['max-upload', 'public-url', 'signing-key'] as const).flatMap((k) => (options[k] === undefined ? [] : [`--${k}`, String(options[k])])),
  ];
}

function untilSignal(): Promise<string> {
  return new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

/**
 * Serves `store` until SIGTERM or SIGINT, printing its URL first (on stdout, so a script
 * or test can read the port that --port 0 picked). Shared with `bazaar demo --serve`.
 */
export async function serveUntilSignal(store: Store, input: Pick<CommandInput, 'options' | 'emit' | 'notice' | 'storeDir'>): Promise<CommandOutput> {
  const { options } = input;
  const serveOptions: ServeOptions = {
    host: hostOf(options.host as string | undefined),
    port: portOf(options.port as string | undefined),
    // --private, or the store's config.json {"server": {"privateReads": true}}
    privateReads: options.private === true || (await readStoreConfig(store.dir)).server.privateReads,
    ...(options['max-upload'] === undefined ? {} : { maxUploadBytes: sizeOf(options['max-upload'] as string) }),
    ...(options['public-url'] === undefined ? {} : { publicUrl: publicUrlOf(options['public-url'] as string) }),
    ...(options['signing-key'] === undefined ? {} : { signingKey: options['signing-key'] as string }),
    log: (line) => input.notice(line),
  };
  // a worker of `--workers N`: its primary prints, and tells it when to stop
  if (isServeWorker()) {
    await serveWorker(store, serveOptions);
    await store.derived();
    return { exitCode: 0, json: { stopped: 'primary' }, text: '' };
  }
  const count = workersOf(options.workers as string | undefined);
  let url: string;
  let close: () => Promise<void>;
  let failed = new Promise<void>(() => {});
  if (count === 1) {
    const running = await startServer(store, serveOptions);
    ({ url } = running);
    close = () => running.close();
  } else {
    let workers;
    try {
      workers = await startWorkers(store, { count, args: workerArgs(input.storeDir, options, serveOptions), log: serveOptions.log as (line: string) => void });
    } catch (err) {
      // the worker said why on stderr, in one line
      const exitCode = (err as { exitCode?: number }).exitCode ?? 1;
      return { exitCode, json: { error: 'a worker could not start' }, text: '' };
    }
    const host = serveOptions.host as string;
    url = `http://${host.includes(':') ? `[${host}]` : host}:${workers.port}/`;
    close = () => workers.close();
    failed = workers.failed;
    input.notice(`${count} worker processes answer on ${url} (--workers)`);
  }
  const line = `bazaar serving ${input.storeDir} at ${url}\n`;
  if (input.emit) input.emit(line); else input.notice(line.trim());
  const signal = await Promise.race([untilSignal(), failed.then(() => null)]);
  if (signal === null) return { exitCode: 1, json: { url, stopped: 'a worker could not start' }, text: '' };
  input.notice(`${signal}: finishing the requests in flight, then stopping`);
  await close();
  await store.derived(); // what the last writes queued (a channel's universe): made, not left to the first resolve
  return { exitCode: 0, json: { url, stopped: signal }, text: '' };
}

export const SERVE_OPTIONS = {
  host: { type: 'string', describe: 'address to listen on (default 127.0.0.1)' },
  port: { type: 'string', describe: 'port (default 8080; 0 picks a free one)' },
  'max-upload': { type: 'string', describe: 'largest accepted upload (default 1G; e.g. 500M)' },
  private: { type: 'boolean', describe: 'reads need a token with scope read too (or publish:C, for channel C)' },
  'public-url': { type: 'string', describe: 'the URL clients reach the server at, for the baseurls of /repo/ (default: paths from the root)' },
  'signing-key': { type: 'string', describe: "the signing key ('bazaar key generate') that signs each repomd.xml (default: the newest; none: unsigned)" },
  workers: { type: 'string', describe: `processes answering on the port (default: one per core, at most 4; here ${DEFAULT_WORKERS})` },
} as const;

export const serve: Command = {
  name: 'serve',
  serves: true,
  usage: 'bazaar serve [--host 127.0.0.1] [--port 8080] [--store DIR] [--workers N] [--private] [--max-upload SIZE] [--public-url URL] [--signing-key NAME]',
  help: `Serves the store over HTTP until SIGTERM or SIGINT, printing its URL on stdout and
one line per request on stderr (method, path, status, bytes, milliseconds):

  /repo/CHANNEL/           every channel as an rpm-md repository for dnf, yum, zypper
  /v1/...                  the JSON API: channels, packages, objects, images, layers
  POST /v1/packages        uploads, with a bearer token ('bazaar token create')

Reads are open unless --private is given or the store's config.json says
{"server": {"privateReads": true}}; then they need a token with scope read (a
publish:CHANNEL token reads that channel's repository and /v1/channels/CHANNEL).
--public-url names the URL clients reach the server at (behind a proxy, say): GET
/repo/ lists absolute baseurls under it, else paths from the server's root.
With a repository signing key in the store ('bazaar key generate'), every repodata/
also has repomd.xml.asc and repomd.xml.key, signed by the newest key or the one
--signing-key names (docs/repo-signing.md).

The server only reads through the store's lock-free snapshots, so 'bazaar add' and the
other commands keep working on the same store meanwhile. --workers N answers with N
processes on the one port (default: one per core, at most 4); each request checks the
store's state, so every worker sees a change at once. A worker that dies is replaced.
See docs/http-api.md.

Example:
  bazaar serve --store ./bazaar-store --port 0
  dnf --repofrompath=b,http://127.0.0.1:8080/repo/sample --repo b install webserver`,
  options: SERVE_OPTIONS,
  async run(input) {
    expectArgs(input.positionals, 0, 0, 'bazaar serve [--host H] [--port P]');
    portOf(input.options.port as string | undefined);
    publicUrlOf(input.options['public-url'] as string | undefined);
    hostOf(input.options.host as string | undefined);
    workersOf(input.options.workers as string | undefined);
    const store = await input.openStore();
    // the package index's code is imported on first use (a cold `show` loads none): loaded
    // before the server listens, so that no request reads code or a code cache from outside
    // the store (test/server/hostile-refs.test.ts)
    await store.indexOf(null);
    return serveUntilSignal(store, input);
  },
};
