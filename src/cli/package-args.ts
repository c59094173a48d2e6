/**
 * Package arguments on the command line: what the library takes (a name, a NEVRA form, a
 * build id), or, as `rpm -qp` takes one, the path of an .rpm file, naming the stored build
 * with the same header. Only the CLI reads such a file, because only here did the user
 * name it: the library's reference grammar has no paths (the server hands it strings from
 * clients). An argument is a file when it ends in `.rpm` or holds a `/` and names a file.
 */
import { BazaarError } from '../errors.js';
import type { ObjectId } from '../store/index.js';
import { argPath } from './arg-path.js';

/** The build id of the .rpm file `arg` names, or null when it is not a file argument. */
async function fileId(arg: string): Promise<ObjectId | null> {
  if (arg.includes('\0') || (!arg.endsWith('.rpm') && !arg.includes('/'))) return null;
  const { Store } = await import('../store/open.js'); // loaded when an argument is a file: --help never loads the store
  const id = await Store.buildIdOfFile(argPath(arg));
  if (id === null && arg.includes('/')) throw new BazaarError('ERR_BAD_INPUT', `${arg}: no such .rpm file (a package is named by a NEVRA, a name or a build id, or by the path of an .rpm file)`);
  return id;
}

/**
 * Calls `fn` with `args`, each file argument replaced by its build id; an error about
 * such an id names the file again (`no package ./x.rpm (build sha256:...) in the store`).
 */
export async function withPackageArgs<T>(args: readonly string[], fn: (refs: string[]) => Promise<T>): Promise<T> {
  const files = new Map<string, string>();
  const refs: string[] = [];
  for (const arg of args) {
    const id = await fileId(arg);
    if (id !== null) files.set(id, arg);
    refs.push(id ?? arg);
  }
  try {
    return await fn(refs);
  } catch (err) {
    const ref = err instanceof BazaarError ? err.data.ref : undefined;
    if (!(err instanceof BazaarError) || typeof ref !== 'string' || !files.has(ref)) throw err;
    throw new BazaarError(err.code, err.message.replace(ref, `${files.get(ref)} (build ${ref})`), { data: err.data, cause: err });
  }
}
