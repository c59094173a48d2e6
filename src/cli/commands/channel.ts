import { readFile } from 'node:fs/promises';
import { BazaarError } from '../../errors.js';
import type { ChannelChange, ChannelDiff } from '../../store/index.js';
import { expectArgs } from '../command.js';
import { withPackageArgs } from '../package-args.js';
import type { Command, CommandInput, CommandOutput } from '../command.js';

const SUBCOMMANDS = 'create|set|add|remove|publish|restore|ls|log|diff|delete|rename';

function changeText(c: ChannelChange): string {
  const lines = [...c.added.map((n) => `+ ${n}`), ...c.updated.map((n) => `~ ${n} (now its store record: new signature variant)`), ...c.removed.map((n) => `- ${n}`), ...c.unchanged.map((n) => `= ${n} (already there)`)];
  return [...lines, `commit ${c.commit}`].join('\n');
}

function diffText(d: ChannelDiff): string[] {
  return [...d.added.map((n) => `+ ${n}`), ...d.removed.map((n) => `- ${n}`), ...d.changed.map((n) => `~ ${n}`)];
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Package references from `--from FILE` (`-` is stdin): one per line, `#` comments. */
async function listFrom(file: string, stdin: NodeJS.ReadableStream): Promise<string[]> {
  let text: string;
  try {
    text = file === '-' ? await readStream(stdin) : await readFile(file, 'utf8');
  } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '');
}

function needName(rest: string[], usage: string): string {
  const [name] = rest;
  if (name === undefined) throw new BazaarError('ERR_USAGE', `name a channel: bazaar channel ${usage}`);
  return name;
}

async function run({ positionals, options, openStore, stdin }: CommandInput): Promise<CommandOutput> {
  const [sub, ...rest] = positionals;
  const message = options.message as string | undefined;
  const store = await openStore();
  // loaded when a subcommand runs: its --help and a usage error never evaluate the library
  const { addToChannel, channelLog, createChannel, deleteChannel, diffChannel, listChannels, publishToChannel, removeFromChannel, renameChannel, restoreChannel, setChannelSignatureRule } = await import('../../library/index.js');
  switch (sub) {
    case 'create': {
      expectArgs(rest, 1, 1, 'bazaar channel create NAME [--mode rpm|alt] [--require-signature]');
      const mode = (options.mode as string | undefined) ?? 'rpm';
      if (mode !== 'rpm' && mode !== 'alt') throw new BazaarError('ERR_USAGE', `--mode is rpm or alt, not '${mode}'`);
      const priorityBranch = options['priority-branch'] as string | undefined;
      const signed = options['require-signature'] === true;
      const r = await createChannel(store, { channel: rest[0] as string, order: mode, ...(priorityBranch ? { priorityBranch } : {}), ...(signed ? { requireSignature: true } : {}), ...(message ? { message } : {}) });
      return { exitCode: 0, json: r, text: `created channel ${r.name} (order ${r.settings.order}${signed ? ', signatures required' : ''})\ncommit ${r.commit}` };
    }
    case 'set': {
      const usage = 'bazaar channel set NAME --require-signature on|off';
      expectArgs(rest, 2, 2, usage);
      const [name, value] = rest as [string, string];
      if (options['require-signature'] !== true || (value !== 'on' && value !== 'off')) throw new BazaarError('ERR_USAGE', `usage: ${usage}`);
      const r = await setChannelSignatureRule(store, { channel: name, requireSignature: value === 'on', ...(message ? { message } : {}) });
      const now = r.settings.requireSignature ? 'signatures required' : 'signatures not required';
      return { exitCode: 0, json: r, text: r.changed ? `${r.name}: ${now}\ncommit ${r.commit}` : `${r.name}: ${now} already` };
    }
    case 'add':
    case 'remove': {
      const name = needName(rest, `${sub} NAME PKG...`);
      const fn = sub === 'add' ? addToChannel : removeFromChannel;
      const r = await withPackageArgs(rest.slice(1), (packages) => fn(store, { channel: name, packages, ...(message ? { message } : {}) }));
      return { exitCode: 0, json: r, text: changeText(r) };
    }
    case 'publish': {
      const name = needName(rest, 'publish NAME [PKG...] [--from FILE]');
      const from = options.from as string | undefined;
      const refs = [...rest.slice(1), ...(from === undefined ? [] : await listFrom(from, stdin))];
      if (refs.length === 0 && options.empty !== true) {
        throw new BazaarError('ERR_USAGE', `publishing ${name} with no packages would empty it; pass --empty if that is meant`);
      }
      const r = await withPackageArgs(refs, (packages) => publishToChannel(store, { channel: name, packages, ...(message ? { message } : {}) }));
      return { exitCode: 0, json: r, text: changeText({ ...r, unchanged: [] }) };
    }
    case 'restore': {
      expectArgs(rest, 2, 2, 'bazaar channel restore NAME REV (HEAD~N or a commit id)');
      const [name, rev] = rest as [string, string];
      const r = await restoreChannel(store, { channel: name, rev, ...(message ? { message } : {}) });
      return { exitCode: 0, json: r, text: changeText({ ...r, unchanged: [] }) };
    }
    case 'ls': {
      expectArgs(rest, 0, 1, 'bazaar channel ls [NAME]');
      if (rest.length === 0) {
        const all = await listChannels(store);
        return { exitCode: 0, json: all, text: all.map((c) => `${c.name}\t${c.settings.order}\t${c.builds} packages\t${c.updated}`).join('\n') };
      }
      return store.read(async (snap) => {
        const { channelBuilds, readChannel, servedVariant } = await import('../../store/index.js');
        const state = await readChannel(store, snap, rest[0] as string);
        const builds = await channelBuilds(store, state);
        const rows = builds.map((b) => ({ name: b.name, nevra: b.nevra, id: b.id, rpm: servedVariant(b.record).rpm }));
        return { exitCode: 0, json: { name: state.name, settings: state.settings, commit: state.commit, packages: rows }, text: rows.map((r) => `${r.nevra}\t${r.id}`).join('\n') };
      });
    }
    case 'log': {
      expectArgs(rest, 1, 1, 'bazaar channel log NAME');
      const log = await channelLog(store, { channel: rest[0] as string });
      // The message's what and why; its detail lines (NEVRA and id) become the +/- list.
      const said = (m: string): string[] => m.split('\n').filter((l) => l.trim() !== '' && !/^[+-] /.test(l));
      const text = log.map((e) => [`commit ${e.to}`, `Date:   ${e.time}`, '', ...said(e.message).map((l) => `    ${l}`),
      ...diffText(e).map((l) => `    ${l}`)].join('\n')).join('\n\n');
      return { exitCode: 0, json: log, text };
    }
    case 'diff': {
      expectArgs(rest, 1, 3, 'bazaar channel diff NAME [FROM [TO]]');
      const d = await diffChannel(store, { channel: rest[0] as string, ...(rest[1] ? { from: rest[1] } : {}), ...(rest[2] ? { to: rest[2] } : {}) });
      return { exitCode: 0, json: d, text: diffText(d).join('\n') };
    }
    case 'delete': {
      expectArgs(rest, 1, 1, 'bazaar channel delete NAME');
      const r = await deleteChannel(store, { channel: rest[0] as string, ...(message ? { message } : {}) });
      return { exitCode: 0, json: r, text: `deleted channel ${r.name} (its history stays as ${r.trash} for the retention window)` };
    }
    case 'rename': {
      expectArgs(rest, 2, 2, 'bazaar channel rename OLD NEW');
      const r = await renameChannel(store, { channel: rest[0] as string, to: rest[1] as string });
      return { exitCode: 0, json: r, text: `renamed channel ${rest[0]} to ${r.name}\ncommit ${r.commit}` };
    }
    default:
      throw new BazaarError('ERR_USAGE', sub === undefined ? `name a subcommand: bazaar channel ${SUBCOMMANDS}` : `unknown subcommand '${sub}': bazaar channel ${SUBCOMMANDS}`);
  }
}

export const channel: Command = {
  name: 'channel',
  usage: `bazaar channel ${SUBCOMMANDS} ...`,
  help: `A channel is a named, versioned set of builds from the store; it may hold several
versions of one name. Every change is one commit in the channel's history.

  channel create NAME [--mode rpm|alt] [--priority-branch B] [--require-signature]
                                 new, empty channel; its order is fixed
  channel set NAME --require-signature on|off
                                 take only packages signed by a trusted key ('bazaar key'), or
                                 any; adds, pushes, uploads and mirror syncs into the channel
                                 of others are refused (exit 2, naming the key)
  channel add NAME PKG...        add stored builds (NEVRA, or a name with one build), one commit
  channel remove NAME PKG...     take builds out (they stay in the store), one commit
  channel publish NAME [PKG...] [--from FILE]
                                 make the channel exactly this set, in one commit (all or nothing);
                                 FILE has one NEVRA per line, '-' reads standard input
  channel restore NAME REV       make a past state current again, as a new commit
  channel ls [NAME]              the channels, or one channel's builds (newest first within a name)
  channel log NAME               its commits: time, message, builds added and removed
  channel diff NAME [FROM [TO]]  builds added/removed between two states (HEAD, HEAD~N, a commit id;
                                 default HEAD~1 HEAD)
  channel delete NAME            delete it (its history is kept for the retention window)
  channel rename OLD NEW         rename it, keeping its history

A channel serves each build's most recently added signed .rpm; after adding a re-signed
.rpm of a build ('bazaar add signed.rpm'), 'channel add NAME PKG' makes the channel
serve it. Names that differ only in case are refused.

Bad input (unknown channel or package, bad name) exits 2 and changes nothing.

Example:
  bazaar channel create sample --mode alt
  bazaar channel add sample openssl-1.1.1w-alt1.x86_64 openssl-3.1.4-alt1.x86_64
  bazaar channel diff sample HEAD~2`,
  options: {
    mode: { type: 'string', describe: 'create: rpm (default, upstream rpm order) or alt (ALT\'s rpm order)' },
    'priority-branch': { type: 'string', describe: 'create, alt mode: builds from this disttag branch win (e.g. p11)' },
    'require-signature': { type: 'boolean', describe: 'create: take only packages signed by a trusted key; set: followed by on or off' },
    from: { type: 'string', describe: 'publish: read NEVRAs from FILE (one per line, - for stdin)' },
    empty: { type: 'boolean', describe: 'publish: allow publishing an empty channel' },
    message: { type: 'string', short: 'm', describe: 'why: recorded in the commit message' },
  },
  run,
};
