import { BazaarError } from '../../errors.js';
import { isObjectId } from '../../store/index.js';
import { expectArgs } from '../command.js';
import type { Command } from '../command.js';

export const cat: Command = {
  name: 'cat',
  usage: 'bazaar cat sha256:<64 hex> [--store DIR] [--json]',
  help: `Writes the object's uncompressed bytes to standard output. The content is checked
against its id as it streams; on a mismatch the command fails (exit 1) naming the object.
An id the store does not hold is bad input (exit 2). The rpm blob of a package (its
"rpm" field in bazaar show --json) is the original .rpm file. Every file id that
show --json lists can be read, also while the package's files still stay in its .rpm
(read from the .rpm and checked against the id). The .rpm of a package an on-demand
mirror's metadata lists (its sha256 checksum) is fetched from the upstream first,
checked and added (docs/mirrors.md).

With --json: {"id", "size", "json"} for a JSON object (manifests, trees, records: the
parsed value), {"id", "size", "base64"} for any other content.

Example:
  bazaar cat $(bazaar show --json bash | jq -r .rpm) > bash.rpm`,
  options: {},
  async run({ positionals, openStore, json, stdout }) {
    expectArgs(positionals, 1, 1, 'bazaar cat sha256:<64 hex digits>');
    const [id] = positionals;
    if (!isObjectId(id)) throw new BazaarError('ERR_USAGE', `'${id}' is not an object id: give sha256:<64 hex digits>`);
    const store = await openStore();
    // The .rpm of an on-demand mirror's package is fetched on first use (its id is primary's sha256).
    // the library (the mirror and the rpm-md writer) only for a package not yet fetched
    if (!(await store.has(id))) await (await import('../../library/index.js')).fetchKnownPackage(store, { rpm: id });
    try {
      return await store.read(async (view) => {
        const chunks = store.streamObject(view, id);
        if (json) {
          const parts: Buffer[] = [];
          for await (const chunk of chunks) parts.push(chunk);
          const bytes = Buffer.concat(parts);
          let value: unknown;
          try { value = JSON.parse(bytes.toString('utf8')); } catch { value = undefined; }
          const typed = value !== null && typeof value === 'object' && !Array.isArray(value) && ('kind' in value || 'type' in value);
          return { exitCode: 0, json: typed ? { id, size: bytes.length, json: value } : { id, size: bytes.length, base64: bytes.toString('base64') } };
        }
        for await (const chunk of chunks) {
          if (!stdout) continue;
          if (!stdout.write(chunk)) await new Promise<void>((r) => stdout.once('drain', r));
        }
        return { exitCode: 0 };
      });
    } catch (err) {
      // an id nothing holds is the caller's (exit 2); a stored object that fails its check is damage (exit 1)
      if (err instanceof BazaarError && err.code === 'ERR_STORE_OBJECT_NOT_FOUND' && err.data.id === id) throw new BazaarError('ERR_BAD_INPUT', `no object ${id} in the store`, { data: { id } });
      throw err;
    }
  },
};
