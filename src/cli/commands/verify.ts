import { existsSync } from 'node:fs';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

/** The library, loaded when a subcommand runs: --help and usage errors never evaluate it. */
const library = () => import('../../library/index.js');

/** An argument names a file when it ends in .rpm or holds a `/` and exists (as rpm -qp's do), else a stored package. */
const isFile = (arg: string): boolean => arg.includes('/') || (arg.endsWith('.rpm') && existsSync(arg));

export const verify: Command = {
  name: 'verify',
  usage: 'bazaar verify FILE.rpm|PKG... [--keyring FILE.asc]... [-v]',
  help: `Checks packages as 'rpmkeys --checksig' does: every digest (header SHA256 and
SHA1, payload SHA256, MD5) and every signature (RSA, DSA, EdDSA; header-only and
header+payload), with the store's trusted keys ('bazaar key') plus those given with
--keyring. One line per package in rpmkeys' words, e.g.

  foo-1.0-1.x86_64.rpm: digests signatures OK
  bar-2.0-1.x86_64.rpm: digests SIGNATURES NOT OK      (a key not trusted, or a bad signature)

-v lists each digest and signature as 'rpmkeys -Kv' does. A stored package (NEVRA, name
or build id) is checked in every signature variant the store holds. Exit 1 when any
package is NOT OK.

Example:
  bazaar key import RPM-GPG-KEY-example
  bazaar verify RPMS/noarch/*.rpm`,
  options: {
    keyring: { type: 'string', multiple: true, describe: 'also trust the public keys in this file (repeatable)' },
    verbose: { type: 'boolean', short: 'v', describe: 'each digest and signature on its own line, as rpmkeys -Kv' },
  },
  async run({ positionals, options, openStore }) {
    expectArgs(positionals, 1, Infinity, 'bazaar verify FILE.rpm|PKG... [--keyring FILE.asc]');
    const files = positionals.filter(isFile);
    const packages = positionals.filter((a) => !isFile(a));
    const keyFiles = (options.keyring as string[] | undefined) ?? [];
    const results = await (await library()).verifyPackages(await openStore(), { ...(files.length ? { files } : {}), ...(packages.length ? { packages } : {}), ...(keyFiles.length ? { keyFiles } : {}) });
    const lines = results.map((r) => (options.verbose === true
      ? [`${r.target}:`, ...r.items.map((i) => `    ${i.description}: ${i.status}${i.message ? ` (${i.message})` : ''}`)].join('\n')
      : `${r.target}: ${r.verdict}`));
    return {
      exitCode: results.every((r) => r.ok) ? 0 : 1,
      json: results,
      text: lines.join('\n'),
      stderr: results.flatMap((r) => (r.error ? [r.error] : [])),
    };
  },
};
