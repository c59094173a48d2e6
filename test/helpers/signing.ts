/**
 * Package signing for tests, with the real tools: keys made by `gpg --batch
 * --quick-gen-key` (RSA and ed25519) in a temp GNUPGHOME, packages built by rpmbuild and
 * signed by `rpmsign --addsign`, and `rpmkeys` over an rpm database holding the trusted
 * keys (the oracle; RSA, EdDSA and DSA are trusted). Needs: gpg, rpmbuild, rpmsign, rpmkeys (SIGNING_TOOLS).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './cli.js';
import { rpmbuild } from './rpmbuild.js';

export const SIGNING_TOOLS = ['gpg', 'gpgconf', 'rpmbuild', 'rpmsign', 'rpmkeys'];

export interface TestKey { email: string; keyId: string; armored: string; file: string }

export interface SigningKit {
  dir: string;
  rsa: TestKey;
  ed: TestKey;
  dsa: TestKey;
  /** A key that is never trusted: its signatures are rpm's NOKEY. */
  stranger: TestKey;
  /** An rpm database holding `rsa`, `ed` and `dsa` (rpmkeys --dbpath). */
  dbpath: string;
  /** A copy of `rpm` at `out`, signed by `key` with rpmsign. */
  sign(rpm: string, key: TestKey, out: string): string;
  /** `rpmkeys ARGS --dbpath DB` (the trusted keys), or with an empty database. */
  rpmkeys(args: string[], trusted?: boolean): { status: number; stdout: string };
  /** Stops the gpg-agent this kit started. */
  close(): void;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function must(r: { status: number; stderr: string }, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr.slice(-2000)}`);
}

/** Keys, an rpm database trusting two of them, and a signer. */
export function signingKit(): SigningKit {
  const dir = tempDir('signing');
  const home = join(dir, 'gnupg');
  mkdirSync(home, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  const makeKey = (name: string, algo: string): TestKey => {
    const email = `${name}@bazaar.test`;
    must(run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `${name} <${email}>`, algo, 'sign', 'never'], env), `gpg --quick-gen-key ${algo}`);
    const armored = run('gpg', ['--armor', '--export', email], env).stdout;
    const colons = run('gpg', ['--with-colons', '--list-keys', email], env).stdout;
    const keyId = (/^pub:[^:]*:[^:]*:[^:]*:([0-9A-F]{16}):/m.exec(colons)?.[1] ?? '').toLowerCase();
    const file = join(dir, `${name}.asc`);
    writeFileSync(file, armored);
    return { email, keyId, armored, file };
  };
  const rsa = makeKey('rsa-signer', 'rsa2048');
  const ed = makeKey('ed-signer', 'ed25519');
  const dsa = makeKey('dsa-signer', 'dsa2048');
  const stranger = makeKey('stranger', 'ed25519');
  const dbpath = join(dir, 'rpmdb');
  const emptyDb = join(dir, 'rpmdb-empty');
  mkdirSync(dbpath);
  mkdirSync(emptyDb);
  for (const k of [rsa, ed, dsa]) must(run('rpmkeys', ['--dbpath', dbpath, '--import', k.file], env), 'rpmkeys --import');
  const gpgPath = run('sh', ['-c', 'command -v gpg'], env).stdout.trim();
  return {
    dir, rsa, ed, dsa, stranger, dbpath,
    sign(rpm, key, out) {
      copyFileSync(rpm, out);
      must(run('rpmsign', ['--define', `__gpg ${gpgPath}`, '--define', `_gpg_name ${key.email}`, '--define', `_gpg_path ${home}`, '--addsign', out], env), `rpmsign ${out}`);
      return out;
    },
    rpmkeys(args, trusted = true) {
      const r = run('rpmkeys', ['--dbpath', trusted ? dbpath : emptyDb, ...args], env);
      return { status: r.status, stdout: r.stdout };
    },
    close() { run('gpgconf', ['--kill', 'all'], env); },
  };
}

/** Small noarch packages built by rpmbuild, one per name (unsigned; each with a payload digest). */
export function unsignedPackages(names: string[]): string[] {
  return names.map((name) => rpmbuild(name, [
    `Name: ${name}`, 'Version: 1.0', 'Release: 1', `Summary: ${name} for signature tests`, 'License: MIT', 'BuildArch: noarch',
    `%description`, `${name}, to be signed.`,
    '%install', `mkdir -p %{buildroot}/usr/share/${name}`, `echo ${name} > %{buildroot}/usr/share/${name}/data`,
    '%files', `/usr/share/${name}/data`, '',
  ].join('\n'))[0] as string);
}

/** Header layout of an .rpm: where the signature header's and the main header's parts are. */
function layout(b: Buffer): { sigIndex: number; sigData: number; sigCount: number; header: number; headerData: number; headerDataSize: number } {
  const sigCount = b.readUInt32BE(96 + 8), sigDl = b.readUInt32BE(96 + 12);
  const sigSize = 16 + sigCount * 16 + sigDl;
  const header = 96 + sigSize + ((8 - (sigSize % 8)) % 8);
  const hil = b.readUInt32BE(header + 8), hdl = b.readUInt32BE(header + 12);
  return { sigIndex: 96 + 16, sigData: 96 + 16 + sigCount * 16, sigCount, header, headerData: header + 16 + hil * 16, headerDataSize: hdl };
}

/** A copy of `rpm` with one bit flipped: in the main header's data, in the payload, or in the header signature's value. */
export function flipped(rpm: string, where: 'header' | 'payload' | 'signature', out: string): string {
  const b = Buffer.from(readFileSync(rpm));
  const l = layout(b);
  let at: number;
  if (where === 'header') at = l.headerData + Math.floor(l.headerDataSize / 2);
  else if (where === 'payload') at = b.length - 10;
  else {
    at = -1;
    for (let i = 0; i < l.sigCount; i++) {
      const e = l.sigIndex + i * 16;
      const tag = b.readUInt32BE(e);
      if (tag === 267 || tag === 268) at = l.sigData + b.readInt32BE(e + 8) + b.readUInt32BE(e + 12) - 3;
    }
    if (at < 0) throw new Error(`${rpm} has no header signature to flip`);
  }
  b[at] ^= 0x01;
  writeFileSync(out, b);
  return out;
}
