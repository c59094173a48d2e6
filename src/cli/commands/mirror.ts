import { readFile } from 'node:fs/promises';
import { BazaarError } from '../../errors.js';
import type { MirrorInfo } from '../../library/index.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

/** The library, loaded when a subcommand runs: --help and usage errors never evaluate it. */
const library = () => import('../../library/index.js');

const ADD = 'bazaar mirror add NAME URL --channel C [--policy immediate|on-demand] [--key FILE.asc]';

async function readKey(file: string): Promise<string> {
  try { return await readFile(file, 'utf8'); } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

const row = (m: MirrorInfo): string => [m.name, m.channel, m.policy, m.url, m.key ? 'signed' : '-', m.last ? `${m.last.synced} ${m.last.packages} packages` : 'never synced'].join('\t');

export const mirror: Command = {
  name: 'mirror',
  usage: `${ADD} | mirror sync NAME | mirror ls | mirror rm NAME`,
  help: `Mirrors of rpm-md repositories (docs/mirrors.md). A mirror fills an existing channel
from an upstream repository (its base URL: the directory holding repodata/); each sync
makes the channel equal to the upstream's package set, as one commit.

  mirror add NAME URL --channel C [--policy immediate|on-demand] [--key FILE.asc]
  mirror sync NAME   reads repodata/repomd.xml (and repomd.xml.asc, checked with the
                     mirror's key, when it has one) and primary.xml, downloads only the
                     .rpm files the store lacks, 4 at a time, checks each against
                     primary's checksum, adds them as 'bazaar add' does, and publishes
                     the channel. A sync killed midway keeps what it had added; the next
                     one downloads only the rest. Nothing new upstream: only repomd.xml
                     is read.
                     With --policy on-demand a sync reads the metadata only (repomd.xml,
                     primary and every document repomd lists) and downloads no .rpm:
                     each is fetched, checked and added on first use (a download from
                     'bazaar serve', 'bazaar cat', 'bazaar show'), then kept.
  mirror ls          name, channel, policy, URL, key, last sync
  mirror rm NAME     forgets the mirror (its channel and builds stay)

An upstream error (HTTP status, timeout, a truncated body, a checksum mismatch, HTML
instead of XML, a location outside the repository, a redirect to another host) is one
line naming the URL, exit 1; what earlier batches stored stays.

Example:
  bazaar channel create f40
  bazaar mirror add fedora http://mirror.example/fedora/40/x86_64/os/ --channel f40
  bazaar mirror sync fedora`,
  options: {
    channel: { type: 'string', describe: 'the channel a sync fills (it must exist)' },
    policy: { type: 'string', describe: 'immediate (every .rpm is fetched at sync, the default) or on-demand (metadata at sync, each .rpm on first use)' },
    key: { type: 'string', describe: "an armored OpenPGP public key that must sign the upstream's repomd.xml" },
  },
  async run({ positionals, options, openStore, progress }) {
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'add': {
        expectArgs(rest, 2, 2, ADD);
        const channel = options.channel as string | undefined;
        if (channel === undefined) throw new BazaarError('ERR_USAGE', `name the channel a sync fills: ${ADD}`);
        const keyFile = options.key as string | undefined;
        const key = keyFile === undefined ? undefined : await readKey(keyFile);
        const policy = options.policy as string | undefined;
        const store = await openStore();
        const m = await (await library()).addMirror(store, { name: rest[0] as string, url: rest[1] as string, channel, ...(policy ? { policy } : {}), ...(key ? { key } : {}) });
        return { exitCode: 0, json: m, text: `mirror ${m.name}: ${m.url} into channel ${m.channel} (${m.policy})` };
      }
      case 'sync': {
        expectArgs(rest, 1, 1, 'bazaar mirror sync NAME');
        const store = await openStore();
        let started = false;
        const r = await (await library()).syncMirror(store, {
          name: rest[0] as string,
          onProgress: (_done, total, nevra) => { if (!started) { progress.start('downloading', total); started = true; } progress.tick(1, nevra); },
        });
        if (started) progress.done();
        const text = r.unchanged
          ? `mirror ${r.mirror}: upstream unchanged, channel ${r.channel} has its ${r.packages} packages\ncommit ${r.commit}`
          : [...r.added.map((n) => `+ ${n}`), ...r.removed.map((n) => `- ${n}`),
          `mirror ${r.mirror}: ${r.packages} packages upstream, ${r.downloaded} downloaded (${r.bytes} bytes), +${r.added.length} -${r.removed.length} in channel ${r.channel}`,
          `commit ${r.commit}`].join('\n');
        return { exitCode: 0, json: r, text };
      }
      case 'ls': {
        expectArgs(rest, 0, 0, 'bazaar mirror ls');
        const rows = await (await library()).listMirrors(await openStore());
        return { exitCode: 0, json: rows, text: rows.map(row).join('\n') };
      }
      case 'rm': {
        expectArgs(rest, 1, 1, 'bazaar mirror rm NAME');
        const m = await (await library()).removeMirror(await openStore(), { name: rest[0] as string });
        return { exitCode: 0, json: m, text: `removed mirror ${m.name} (channel ${m.channel} stays)` };
      }
      default:
        throw new BazaarError('ERR_USAGE', sub === undefined ? 'name a subcommand: bazaar mirror add|sync|ls|rm' : `unknown subcommand '${sub}': bazaar mirror add|sync|ls|rm`);
    }
  },
};
