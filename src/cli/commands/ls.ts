import { globMatch } from '../../policy/index.js';
import type { Command } from '../command.js';

export const ls: Command = {
  name: 'ls',
  usage: 'bazaar ls [PATTERN...] [--store DIR] [--json]',
  help: `Lists every package build in the store, one "NEVRA<TAB>build id" per line, sorted by
name. Several builds of one name are all listed: versions coexist. The build id is the
sha256 of the rpm's header (rpm's SHA256HEADER): 'bazaar show' accepts it.

With PATTERNs, as 'rpm -qa PATTERN' does: a build is listed when a pattern (shell glob:
*, ?, [...]) matches its name or its NEVRA.

Example:
  bazaar ls 'openssl*'
  bazaar ls --json | jq -r '.[].nevra'`,
  options: {},
  async run({ positionals, openStore }) {
    const store = await openStore();
    const all = await store.read(async (snap) => (await store.index(snap)).builds);
    const rows = all
      .filter((b) => positionals.length === 0 || positionals.some((p) => globMatch(p, b.name) || globMatch(p, b.nevra) || globMatch(p, b.key)))
      .map((b) => ({ name: b.name, nevra: b.nevra, id: b.header, record: b.value }));
    return { exitCode: 0, json: rows, text: rows.map((r) => `${r.nevra}\t${r.id}`).join('\n') };
  },
};
