import { BazaarError } from '../../errors.js';
import { Store, migrateStore } from '../../store/index.js';
import type { FsckReport, MigrateProgress, MigrateReport } from '../../store/index.js';
import { expectArgs } from '../command.js';
import type { Command, CommandInput, Progress } from '../command.js';
import { ENGINE_OPTIONS, enginesOf } from './init.js';

const USAGE = 'bazaar migrate SRC --to DEST [--objects s3://BUCKET[/PREFIX] --s3-endpoint URL --state postgresql://...]';

/**
 * The store to copy into: a store directory made by `bazaar init` and never written, or
 * a directory that does not exist yet, made here as `bazaar init` would with the same
 * flags (a local store without them, an attached one with --objects and --state).
 */
function openDestination(dest: string, input: CommandInput): Promise<Store> {
  const engines = enginesOf(input.options);
  return Store.init(dest, { onNotice: input.notice, ...(engines ? { engines } : {}) });
}

/** One progress bar per phase. */
function phases(progress: Progress): (p: MigrateProgress) => void {
  let phase = '';
  return (p) => {
    if (p.phase !== phase) {
      if (phase !== '') progress.done();
      phase = p.phase;
      progress.start(p.phase === 'objects' ? 'copying objects' : p.phase === 'history' ? 'copying history' : p.phase === 'check source' ? 'checking the source' : p.phase === 'check destination' ? 'checking the copy' : p.phase, p.total);
    }
    progress.reach(p.done);
  };
}

function fsckLine(side: string, dir: string, r: FsckReport): string {
  const bad = r.problems.length + r.history.length + r.state.length;
  return `fsck of ${side} ${dir}: ${r.objects} objects, ${bad === 0 ? 'clean' : `${bad} problem${bad === 1 ? '' : 's'} (run bazaar fsck --store ${dir})`}`;
}

function text(r: MigrateReport): string {
  return [
    r.alreadyCopied
      ? `${r.to.dir} already held this copy of the newest state of ${r.from.dir} (a run stopped after its commit, or one that finished); copied what was missing of its files${r.files.length ? ` (${r.files.join(' ')})` : ''}`
      : `copied ${r.objects.copied} objects (${r.objects.bytes} bytes stored${r.objects.present ? `; ${r.objects.present} already there` : ''}), ${r.history} history objects, state ${r.state.sourceSeq} (${r.state.branches} branches) as state 1${r.files.length ? `, ${r.files.join(' ')}` : ''}`,
    fsckLine('the source', r.from.dir, r.fsck.source),
    fsckLine('the copy', r.to.dir, r.fsck.destination),
  ].join('\n');
}

export const migrate: Command = {
  name: 'migrate',
  usage: USAGE,
  help: `Copies the store SRC into DEST: every object (read and verified, written as it is
stored), the history of every branch, the newest state, and the store's own files
(config.json, mirrors.json, tokens.json, keys/). Derived caches, leases and the lock are
not copied. Then runs fsck on both: the exit code is 1 when either is not clean.

DEST is a store made by 'bazaar init' and never written, or a directory that does not
exist yet (made as a local store). A store holding a state of its own is refused, and so
is DEST = SRC. SRC is only read. A damaged object in SRC stops the copy, naming it,
before DEST has a state: DEST then lists nothing, and a later run goes on where it
stopped (objects already copied are not copied again).

With the engine flags of 'bazaar init' (--objects, --s3-endpoint, --state, --schema),
a new DEST is made attached to S3 and PostgreSQL (docs/engines.md); SRC may be an
attached store too, so a store goes onto the engines and back.

Example:
  bazaar migrate /srv/bazaar --to /srv/bazaar-copy && bazaar ls --store /srv/bazaar-copy
Example, onto the engines (the S3 keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY):
  bazaar migrate /srv/bazaar --to /srv/bazaar-s3 --objects s3://bazaar \\
    --s3-endpoint http://127.0.0.1:7480 --state postgresql://bazaar@db/bazaar`,
  options: {
    to: { type: 'string', describe: 'the store to copy into (new, or made by bazaar init and empty)' },
    ...ENGINE_OPTIONS,
  },
  async run(input) {
    const { positionals, options, progress, notice } = input;
    expectArgs(positionals, 1, 1, USAGE);
    const dest = options.to as string | undefined;
    if (dest === undefined) throw new BazaarError('ERR_USAGE', `migrate needs --to DEST: ${USAGE}`);
    const from = await Store.open(positionals[0], { onNotice: notice });
    input.opened?.(from);
    const to = await openDestination(dest, input);
    input.opened?.(to);
    const report = await migrateStore(from, to, { onProgress: phases(progress) });
    progress.done();
    return { exitCode: report.ok ? 0 : 1, json: report, text: text(report) };
  },
};
