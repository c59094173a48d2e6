import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { channelNames, Store } from '../../store/index.js';
import { createChannel, publishToChannel } from '../../library/index.js';
import { SERVE_OPTIONS, serveUntilSignal } from './serve.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';
import { packageFile } from '../../package-files.js';

/** The sample distribution shipped with the project (repos/sample). */
const SAMPLE = packageFile('repos/sample/');

function rpmsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...rpmsUnder(p));
    else if (name.endsWith('.rpm')) out.push(p);
  }
  return out;
}

export const demo: Command = {
  name: 'demo',
  usage: 'bazaar demo [--store DIR] [--json] [--serve [--port 8080] [--host H]]',
  help: `Creates the store if needed, adds every package of the embedded sample distribution
(repos/sample), puts every one into the channel 'sample' (created if missing), and
prints a summary: packages, coexisting versions, objects and the space that content
deduplication saved.

With --serve it then serves the store like 'bazaar serve' (the channel is an rpm-md
repository at /repo/sample/), printing the summary and the URL.

Example:
  bazaar demo --store /tmp/demo && bazaar show --store /tmp/demo webserver
  bazaar demo --serve --port 0`,
  options: { serve: { type: 'boolean', describe: 'then serve the store (see bazaar serve)' }, ...SERVE_OPTIONS },
  async run(input) {
    const { positionals, storeDir, progress, notice } = input;
    expectArgs(positionals, 0, 0, 'bazaar demo [--store DIR]');
    const store = await Store.init(storeDir, { onNotice: notice });
    const files = rpmsUnder(SAMPLE);
    progress.start('adding', files.length);
    await store.add(files, { onProgress: () => progress.tick(1) });
    progress.done();
    const packages = await store.list();
    const byName = new Map<string, number>();
    for (const p of packages) byName.set(p.name, (byName.get(p.name) ?? 0) + 1);
    const multi = [...byName].filter(([, n]) => n > 1).map(([name, n]) => `${name} (${n})`);
    const usage = await store.diskUsage();
    const rpmBytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
    const summary = { store: storeDir, packages: packages.length, names: byName.size, coexisting: multi, objects: usage.objects, storeBytes: usage.bytes, rpmBytes };
    const text = [
      `store ${storeDir}: ${packages.length} package builds of ${byName.size} names from repos/sample`,
      `coexisting versions: ${multi.join(', ') || 'none'}`,
      `${usage.objects} objects, ${usage.bytes} bytes on disk for ${rpmBytes} bytes of .rpm files (originals included)`,
      `channel sample: every one of them`,
      `next: npx bazaar ls --store ${storeDir}; npx bazaar show --store ${storeDir} webserver; npx bazaar channel ls --store ${storeDir} sample`,
    ].join('\n');
    const exists = await store.read(async (view) => channelNames(view).includes('sample'));
    if (!exists) await createChannel(store, { channel: 'sample', message: 'bazaar demo' });
    await publishToChannel(store, { channel: 'sample', packages: packages.map((p) => p.key), message: 'bazaar demo: every sample package' });
    if (input.options.serve !== true) return { exitCode: 0, json: { ...summary, channel: 'sample' }, text };
    if (input.emit) input.emit(`${text}\n`); else notice(text);
    return serveUntilSignal(store, input);
  },
};
