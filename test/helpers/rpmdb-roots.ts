/**
 * Installed roots for the rpmdb tests, made by Debian's rpm (sqlite backend), and the
 * other two formats made from the same headers: BerkeleyDB by db5.3_load (db5.3-util)
 * from a dump we write, ndb by a small writer that follows rpm's rpmpkg.c (Debian's rpm
 * has no ndb backend, so nothing here can write one independently).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adler32 } from '../../src/rpm/rpmdb/ndb-packages.js';

export const DBPATH = '/var/lib/rpm';
/** Debian's rpm defaults %_dbpath to ~/.rpmdb: every call names the stock path. */
const BASE = ['--dbpath', DBPATH];
const INSTALL_FLAGS = ['--nodeps', '--noscripts', '--notriggers', '--nosignature', '--nodigest', '--ignorearch', '--ignoreos', '--replacefiles', '--replacepkgs', '--oldpackage'];

const made: string[] = [];
process.on('exit', () => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

/** A fresh temporary directory, removed when the test process exits. */
export function tempRoot(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bazaar-rpmdb-${label}-`));
  made.push(dir);
  return dir;
}

function run(cmd: string, args: string[], input?: string | Buffer): { status: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(cmd, args, { input, maxBuffer: 512 << 20, env: { ...process.env, LANG: 'C', LC_ALL: 'C' } });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** A new root with an empty sqlite rpmdb and `files` installed into it (`--justdb` unless told). */
export function sqliteRoot(label: string, files: string[], opts: { justdb?: boolean } = {}): { root: string; stderr: string } {
  const root = tempRoot(label);
  const init = run('rpm', ['--root', root, ...BASE, '--initdb']);
  if (init.status !== 0) throw new Error(`rpm --initdb: ${init.stderr}`);
  let stderr = '';
  if (files.length > 0) {
    const r = run('rpm', ['-i', '--root', root, ...BASE, ...INSTALL_FLAGS, ...(opts.justdb === false ? [] : ['--justdb']), ...files]);
    stderr = r.stderr;
  }
  return { root, stderr };
}

export interface QaLine { nevra: string; sha256: string | null; sha1: string | null }

/** `rpm -qa` over `root`, with the given backend (sqlite by default). */
export function rpmQa(root: string, backend?: string): QaLine[] {
  const r = run('rpm', ['--root', root, ...BASE, ...(backend ? ['--define', `_db_backend ${backend}`] : []), '-qa', '--qf', '%{NEVRA} %{SHA256HEADER} %{SHA1HEADER}\n']);
  if (r.status !== 0) throw new Error(`rpm -qa: ${r.stderr}`);
  return r.stdout.toString('utf8').split('\n').filter(Boolean).map((l) => {
    const [nevra, sha256, sha1] = l.split(' ');
    return { nevra, sha256: sha256 === '(none)' ? null : sha256, sha1: sha1 === '(none)' ? null : sha1 };
  });
}

/** The installed headers as rpm exports them (`rpmdb --exportdb`), each without its magic: the stored blobs. */
export function exportBlobs(root: string): Buffer[] {
  const r = run('rpmdb', ['--root', root, ...BASE, '--exportdb']);
  if (r.status !== 0) throw new Error(`rpmdb --exportdb: ${r.stderr}`);
  const out: Buffer[] = [];
  const data = r.stdout;
  for (let at = 0; at < data.length;) {
    const il = data.readUInt32BE(at + 8);
    const dl = data.readUInt32BE(at + 12);
    const end = at + 16 + il * 16 + dl;
    out.push(data.subarray(at + 8, end));
    at = end;
  }
  return out;
}

/**
 * A BerkeleyDB hash `Packages` at ROOT/var/lib/rpm, built by db5.3_load from a dump of
 * `blobs` keyed 1..n (plus rpm's counter record 0) in the database's byte order.
 */
export function bdbRoot(label: string, blobs: Buffer[], opts: { bigEndian?: boolean; pageSize?: number } = {}): string {
  const root = tempRoot(label);
  const dir = join(root, DBPATH);
  mkdirSync(dir, { recursive: true });
  const key = (n: number): string => {
    const b = Buffer.alloc(4);
    if (opts.bigEndian) b.writeUInt32BE(n); else b.writeUInt32LE(n);
    return b.toString('hex');
  };
  const lines = ['VERSION=3', 'format=bytevalue', 'type=hash', `db_pagesize=${opts.pageSize ?? 4096}`, 'HEADER=END', ` ${key(0)}`, ` ${key(blobs.length + 1)}`];
  blobs.forEach((b, i) => lines.push(` ${key(i + 1)}`, ` ${b.toString('hex')}`));
  lines.push('DATA=END', '');
  const r = run('db5.3_load', ['-c', `db_lorder=${opts.bigEndian ? 4321 : 1234}`, join(dir, 'Packages')], lines.join('\n'));
  if (r.status !== 0) throw new Error(`db5.3_load: ${r.stderr}`);
  return root;
}

/** An ndb Packages.db holding `blobs` as packages 1..n, laid out as rpm's rpmpkg.c writes it. */
export function ndbBytes(blobs: Uint8Array[], opts: { slotPages?: number } = {}): Buffer {
  const PAGE = 4096;
  const slotPages = opts.slotPages ?? Math.max(1, Math.ceil((blobs.length + 2) / (PAGE / 16)));
  const parts: Buffer[] = [];
  const slots = Buffer.alloc(slotPages * PAGE);
  for (let o = 0; o < slots.length; o += 16) slots.writeUInt32LE(0x746f6c53, o);
  slots.writeUInt32LE(0x506d7052, 0);
  slots.writeUInt32LE(0, 4);
  slots.writeUInt32LE(1, 8);
  slots.writeUInt32LE(slotPages, 12);
  slots.writeUInt32LE(blobs.length + 1, 16);
  slots.fill(0, 20, 32);
  parts.push(slots);
  let block = slotPages * (PAGE / 16);
  blobs.forEach((blob, i) => {
    const pkgidx = i + 1;
    const blkcnt = Math.ceil((16 + blob.length + 12) / 16);
    const buf = Buffer.alloc(blkcnt * 16);
    buf.writeUInt32LE(0x53626c42, 0);
    buf.writeUInt32LE(pkgidx, 4);
    buf.writeUInt32LE(1700000000, 8);
    buf.writeUInt32LE(blob.length, 12);
    buf.set(blob, 16);
    const tail = buf.length - 12;
    buf.writeUInt32LE(adler32(1, buf.subarray(0, tail)), tail);
    buf.writeUInt32LE(blob.length, tail + 4);
    buf.writeUInt32LE(0x45626c42, tail + 8);
    const slot = 32 + i * 16;
    slots.writeUInt32LE(pkgidx, slot + 4);
    slots.writeUInt32LE(block, slot + 8);
    slots.writeUInt32LE(blkcnt, slot + 12);
    parts.push(buf);
    block += blkcnt;
  });
  return Buffer.concat(parts);
}

/** A root whose rpm database is the ndb file `bytes`, at ROOT/usr/lib/sysimage/rpm as on SUSE. */
export function ndbRoot(label: string, bytes: Uint8Array): string {
  const root = tempRoot(label);
  const dir = join(root, 'usr/lib/sysimage/rpm');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Packages.db'), bytes);
  return root;
}
