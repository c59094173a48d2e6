/**
 * An upload into a channel answers before the channel's resolver universe is made; the
 * server makes it after (Store.onChannelCommit in the background), and SIGTERM waits for
 * what is queued: the new head's universe is there once `bazaar serve` has stopped.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadUniverseCache } from '../../src/resolver/universe-cache.js';
import { universeCacheDir } from '../../src/store/caches/paths.js';
import { CLI } from '../helpers/cli.js';
import { binaryRpms, cli, sampleStore } from '../helpers/server.js';

const t = suite('server: upload and the universe');

t('the universe of the commit an upload made is there once the server has stopped', async () => {
  const rpms = binaryRpms();
  const base = rpms.filter((f) => /\/(bash|filesystem|setup)-/.test(f));
  const sed = rpms.find((f) => f.includes('/sed-')) as string;
  const store = sampleStore(base, 'upload-universe');
  const token = cli(['token', 'create', '--scope', 'publish:sample'], store).trim();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--workers', '1', '--store', store], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    let out = '';
    const url = await new Promise<string>((resolve) => child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /at (http:\S+)\n/.exec(out); if (m) resolve(m[1]); }));
    const r = await fetch(`${url}v1/packages?channel=sample`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: readFileSync(sed) });
    assert.is(r.status, 201, await r.clone().text());
    assert.is(((await r.json()) as { channel: string }).channel, 'sample');
  } finally {
    child.kill('SIGTERM');
  }
  assert.is(await exited, 0);
  const head = JSON.parse(cli(['channel', 'log', 'sample', '--json'], store)) as Array<{ to: string }>;
  assert.ok(existsSync(join(universeCacheDir(store, head[0].to), 'universe.v6.bin')), 'the upload\'s commit has its universe');
  const universe = await loadUniverseCache(universeCacheDir(store, head[0].to));
  assert.equal([...new Set(universe.packages().map((p) => p.name))].sort(), ['bash', 'filesystem', 'sed', 'setup'], 'and it holds the uploaded package');
});

t.run();
