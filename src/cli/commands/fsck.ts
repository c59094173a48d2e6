import { BazaarError } from '../../errors.js';
import { repair } from '../../store/index.js';
import type { FsckReport } from '../../store/index.js';
import { expectArgs } from '../command.js';
import type { Command, Progress } from '../command.js';

function reportLines(r: FsckReport): string[] {
  const bad = r.problems.length + r.history.length + r.state.length;
  return [
    ...r.state.map((p) => `state: ${p.what} ${p.problem}`),
    ...r.history.map((h) => (h.commit ? `history: ${h.branch} at ${h.commit.slice(0, 12)}: ${h.problem}` : `history: ${h.problem}`)),
    ...r.problems.map((p) => `${p.problem === 'missing' ? 'missing' : 'damaged'} ${p.id} (${p.kind}): ${p.what}${p.problem === 'missing' ? '' : `: ${p.problem}`}`),
    ...r.stray.map((s) => `stray: ${s} (not written by bazaar; left alone)`),
    ...r.notes.map((n) => `note: ${n}`),
    `${r.objects} objects checked, ${bad === 0 ? 'no damage' : `${bad} problem${bad === 1 ? '' : 's'}`}` +
    `${r.unreferenced ? `, ${r.unreferenced} unreferenced (bazaar gc removes them)` : ''}` +
    `${r.staleTemps ? `, ${r.staleTemps} stale temp files` : ''}` +
    `${r.pruned ? `, ${r.pruned} objects of old history pruned by gc (not damage)` : ''}`,
  ];
}

function progressOf(progress: Progress): (done: number, total: number) => void {
  let started = false;
  return (done, total) => {
    if (!started) { progress.start('checking', total); started = true; }
    progress.tick(1);
    if (done === total) progress.done();
  };
}

export const fsck: Command = {
  name: 'fsck',
  usage: 'bazaar fsck [--repair [--reset-ref BRANCH]...] [--store DIR] [--json]',
  help: `Re-hashes every object, checks that everything the branches reach exists, reads
the history of every branch and checks the store state. Each problem is one line naming
the object, its kind and what it belongs to (the package and file, the channel, the
pin); the exit code is 1 when there is any, 0 when the store is clean. Unreferenced
objects and temp files left by killed processes are not damage ('bazaar gc' removes
them); objects missing only from history older than the retention window are what gc
pruned, counted but not damage. Files in the store that bazaar did not write are listed
and left alone.

With --repair, what can be re-created is: a package's files, trees, header and manifest
from an intact .rpm of it; history trees from the package index; the state from the git
refs that mirror it. What cannot be (a damaged .rpm file, unreadable history) is listed
with the step that fixes it: adding the original .rpm again, or --reset-ref BRANCH,
which moves that branch back to its last good state (saying which commits it drops).

Example:
  bazaar fsck || bazaar fsck --repair`,
  options: {
    repair: { type: 'boolean', describe: 're-create damaged or missing objects from what still holds them' },
    'reset-ref': { type: 'string', multiple: true, describe: 'with --repair: move BRANCH back to its last good state' },
  },
  async run({ positionals, options, openStore, progress }) {
    expectArgs(positionals, 0, 0, 'bazaar fsck [--repair [--reset-ref BRANCH]]');
    if (options['reset-ref'] !== undefined && !options.repair) throw new BazaarError('ERR_USAGE', '--reset-ref moves a branch back, which only --repair does: bazaar fsck --repair --reset-ref BRANCH');
    const store = await openStore();
    if (options.repair) {
      const resetRefs = (options['reset-ref'] as string[] | undefined) ?? [];
      const r = await repair(store, { resetRefs });
      const lines = [...r.repaired.map((l) => `repaired: ${l}`), ...r.unrepaired.map((l) => `not repaired: ${l}`), ...reportLines(r.after)];
      return { exitCode: r.after.ok ? 0 : 1, json: r, text: lines.join('\n') };
    }
    const report = await store.fsck({ onProgress: progressOf(progress) });
    progress.done(); // the objects are streamed: no total to end on
    return { exitCode: report.ok ? 0 : 1, json: report, text: reportLines(report).join('\n') };
  },
};
