import { Store } from '../../store/store.js';
import type { Command } from '../command.js';

export const fsck: Command = {
  name: 'fsck',
  summary: 'verify every object and reference',
  usage: 'bazaar fsck [--store DIR] [--json]',
  help: `Re-hashes every object, checks that everything a ref reaches exists, and checks the
git history of the refs. Exits 1 naming each damaged or missing object, 0 when clean.
Unreferenced objects and temp files left by killed processes are not damage: 'bazaar gc'
removes them. Objects missing only from history older than the retention window are
what gc pruned, counted but not damage; missing from any branch's current state is.

Example:
  bazaar fsck || echo "restore the named objects from a replica"`,
  options: {},
  async run({ storeDir, progress }) {
    const store = await Store.open(storeDir);
    let started = false;
    const report = await store.fsck((done, total) => {
      if (!started) { progress.start('checking', total); started = true; }
      progress.tick(1);
      if (done === total) progress.done();
    });
    const bad = report.damaged.length + report.missing.length + report.refProblems.length;
    const lines = [
      ...report.damaged.map((d) => `damaged ${d.id}: ${d.problem}`),
      ...report.missing.map((m) => `missing ${m.id} (referenced from ${m.from})`),
      ...report.refProblems.map((p) => `ref problem: ${p}`),
      `${report.objects} objects checked, ${bad === 0 ? 'no damage' : `${bad} problem${bad === 1 ? '' : 's'}`}` +
        `${report.unreferenced ? `, ${report.unreferenced} unreferenced (bazaar gc removes them)` : ''}` +
        `${report.staleTemps ? `, ${report.staleTemps} stale temp files` : ''}` +
        `${report.pruned ? `, ${report.pruned} objects of old history pruned by gc (not damage)` : ''}`,
    ];
    return { exitCode: bad === 0 ? 0 : 1, json: { ...report, ok: bad === 0 }, text: lines.join('\n') };
  },
};
