/**
 * The HistoryBackend contract over files (refs.git, a bare repository stock git reads),
 * and over PostgreSQL (scripts/engines/postgres.sh, started once for this file; skipped
 * by name where it is not installed): plus what only PostgreSQL has to show, a
 * transaction's objects sent in one statement, hosts writing the same objects at once.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FsHistoryBackend } from '../../src/store/history/fs-history-backend.js';
import { GitRepo } from '../../src/store/history/git-repo.js';
import { PgHistoryBackend } from '../../src/store/history/pg-history-backend.js';
import { looseFile, run } from '../contracts/history-backend.js';
import { tempDir } from '../helpers/cli.js';
import { postgres, testWithEngine } from '../helpers/engines.js';

const t = suite('history backends');

run((name, fn) => t(name, fn), 'files', async () => {
  const root = tempDir('history');
  mkdirSync(join(root, 'tmp'));
  const gitdir = join(root, 'refs.git');
  const backend = new FsHistoryBackend(gitdir, root);
  await backend.init();
  return {
    backend,
    again: () => new FsHistoryBackend(gitdir, root),
    damage: (oid, body) => {
      const path = join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
      chmodSync(path, 0o644);
      writeFileSync(path, looseFile('blob', body));
    },
    damageRef: (name, text) => writeFileSync(join(gitdir, 'refs', ...name.split('/')), `${text}\n`),
  };
});

const opened: PgHistoryBackend[] = [];
let schemas = 0;
async function pgBackend(schema: string): Promise<PgHistoryBackend> {
  const b = new PgHistoryBackend({ url: (await postgres()).url, schema });
  opened.push(b);
  return b;
}

run((name, fn) => testWithEngine(t, name, 'postgres', fn), 'postgresql', async () => {
  const schema = `h${process.pid}_${schemas++}`;
  const backend = await pgBackend(schema);
  await backend.init();
  return {
    backend,
    again: () => pgBackend(schema),
    damage: (oid, body) => backend.corrupt(oid, body),
    damageRef: (name, text) => backend.corruptRef(name, text),
  };
});

/** Counts the statements sent through pg pools while `fn` runs. */
async function statements(fn: () => Promise<void>): Promise<number> {
  const proto = pg.Pool.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let n = 0;
  proto.query = function (this: unknown, ...args: unknown[]) { n++; return original.apply(this, args); };
  try { await fn(); } finally { proto.query = original; }
  return n;
}

testWithEngine(t, 'postgresql: a commit of a transaction (its commit, trees and blobs) is one statement at flush, none before', 'postgres', async () => {
  const backend = await pgBackend(`h${process.pid}_${schemas++}`);
  await backend.init();
  const repo = new GitRepo(backend);
  let head = '';
  const written = await statements(async () => {
    const blobs = Array.from({ length: 40 }, (_, i) => ({ mode: '100644', name: `p${i}`, oid: repo.writeBlob(`value ${i}\n`) }));
    const tree = repo.writeTree([{ mode: '40000', name: 'a', oid: repo.writeTree(blobs) }]);
    head = repo.writeCommit({ tree, parents: [], message: 'add', timestamp: 1_700_000_000 });
  });
  assert.is(written, 0, 'writes are held in memory');
  assert.is(await statements(() => repo.flush()), 1, 'and sent in one statement');
  assert.is(await statements(() => repo.flush()), 0, 'nothing is sent twice');
  assert.is((await new GitRepo(await pgBackend(backend.label.match(/schema (\w+)/)![1])).readCommit(head)).message, 'add');
});

testWithEngine(t, 'postgresql: hosts writing the same objects at once all succeed and agree', 'postgres', async () => {
  const schema = `h${process.pid}_${schemas++}`;
  const hosts = await Promise.all([0, 1, 2].map(() => pgBackend(schema)));
  await hosts[0].init();
  const repos = hosts.map((h) => new GitRepo(h));
  for (let round = 0; round < 5; round++) {
    const oids = repos.map((r, i) => Array.from({ length: 200 }, (_, k) => r.writeBlob(`shared ${round} ${(k * (i + 1)) % 200}\n`)));
    await Promise.all(repos.map((r) => r.flush()));
    for (const list of oids) for (const oid of list) assert.ok(await hosts[(round + 1) % 3].read(oid), `${oid} stored`);
  }
});

t.after(async () => { await Promise.all(opened.splice(0).map((b) => b.close().catch(() => {}))); });

t.run();
