import { Store } from '../../store/store.js';
import type { Command } from '../command.js';

export const ls: Command = {
  name: 'ls',
  summary: 'list the packages in the store',
  usage: 'bazaar ls [--store DIR] [--json]',
  help: `Lists every package build in the store, one "NEVRA<TAB>id" per line, sorted by name.
Several builds of one name are all listed: versions coexist.

Example:
  bazaar ls --json | jq -r '.[].nevra'`,
  options: {},
  async run({ storeDir }) {
    const store = await Store.open(storeDir);
    const packages = await store.list();
    const rows = packages.map((p) => ({ name: p.name, nevra: p.nevra, id: p.id }));
    return { exitCode: 0, json: rows, text: rows.map((r) => `${r.nevra}\t${r.id}`).join('\n') };
  },
};
