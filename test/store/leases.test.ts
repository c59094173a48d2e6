/**
 * Readers' leases (src/store/leases.ts): the LeaseBoard contract for files (one host's
 * readers) and for rows in PostgreSQL (every host's; skipped by name without it), and
 * gc on one host keeping what a reader on another host holds.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FileLeases } from '../../src/store/leases.js';
import { PgStateBackend } from '../../src/store/pg-state-backend.js';
import { removePackage } from '../../src/store/remove.js';
import { run } from '../contracts/lease-board.js';
import { attachedHost, closeHosts, storeName } from '../helpers/attached-hosts.js';
import { tempDir } from '../helpers/cli.js';
import { postgres, testWithEngine } from '../helpers/engines.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('reader leases');
const HOLDER = fileURLToPath(new URL('../helpers/lease-holder.js', import.meta.url));
const children: ChildProcess[] = [];

function holder(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [HOLDER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`the lease holder ended (${code})`)));
  });
}

run(t, 'files', async () => {
  const root = tempDir('leases');
  mkdirSync(join(root, 'tmp')); // where a lease is written before it is renamed
  return { board: new FileLeases(root), holder: (seq) => holder(['files', root, String(seq)]) };
});

let schemas = 0;
const closing: PgStateBackend[] = [];
run(t, 'postgresql', async () => {
  const pg = await postgres();
  const schema = `leases_${process.pid}_${schemas++}`;
  const backend = new PgStateBackend({ url: pg.url, schema });
  closing.push(backend);
  return { board: backend.leases, holder: (seq) => holder(['postgresql', pg.url, schema, String(seq)]) };
}, (s, title, fn) => testWithEngine(s, title, 'postgres', fn));

testWithEngine(t, 'gc on one host keeps what a reader on another host holds, and collects it once the reader is done', ['postgres', 'ceph'], async () => {
  const name = storeName();
  const a = await attachedHost(name, { s3: { gcGraceMs: 0 } });
  const added = await a.store.add(sampleRpms().slice(0, 2));
  const b = await attachedHost(name, { s3: { gcGraceMs: 0 } });
  const snap = await b.store.snapshot();
  await removePackage(a.store, added[0].nevra);
  const held = await a.store.gc({ retentionDays: 0, now: Date.now() + 60_000 });
  assert.is(held.deleted, 0, 'the reader on the other host holds the removed package');
  assert.ok((await b.store.readBytes(added[0].id)).length > 0, 'the reader reads it');
  snap.close();
  let after = held;
  for (let i = 0; i < 50 && after.deleted === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await a.store.gc({ retentionDays: 0, now: Date.now() + 60_000 });
  }
  assert.ok(after.deleted > 0, 'released, it is collected');
  assert.ok((await a.store.fsck()).ok);
});

t.after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(closing.splice(0).map((b) => b.close().catch(() => {})));
  await closeHosts();
});

t.run();
