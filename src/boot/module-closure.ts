/**
 * The kernel modules an initrd carries: the ones asked for plus everything their
 * `depends=` (and `softdep=pre:`) reach, read from the `.ko` files themselves
 * (module-info.ts), in an order `insmod` can load them (dependencies first). A module the
 * kernel has built in (`modules.builtin`) needs no file.
 */
import { BazaarError } from '../errors.js';
import type { ImageFiles } from './image-files.js';
import { moduleName, readModuleInfo } from './module-info.js';

export interface ModuleFile { name: string; path: string; data: Buffer }

export interface ModuleClosure {
  /** Files to load, dependencies first. */
  load: ModuleFile[];
  /** Asked-for or needed modules the kernel has built in. */
  builtin: string[];
}

/** Parses `softdep=pre: a b post: c` into the `pre` names. */
function softPre(info: string | undefined): string[] {
  const m = /pre:\s*([^:]*?)(?:\s+post:|$)/.exec(info ?? '');
  return m ? m[1].split(/\s+/).filter(Boolean).map(moduleName) : [];
}

export async function moduleClosure(files: ImageFiles, release: string, wanted: readonly string[], image: string): Promise<ModuleClosure> {
  const dir = `/lib/modules/${release}`;
  const byName = new Map<string, string>();
  for await (const f of files.files(dir)) if (/\.ko(\.(xz|zst|gz))?$/.test(f.path) && !byName.has(moduleName(f.path))) byName.set(moduleName(f.path), f.path);
  const builtinList = await files.read(`${dir}/modules.builtin`);
  const builtin = new Set((builtinList?.toString('utf8') ?? '').split('\n').filter(Boolean).map(moduleName));
  if (byName.size === 0 && builtin.size === 0) throw new BazaarError('ERR_BAD_INPUT', `image ${image} has no modules for kernel ${release} (${dir} is empty or absent): its kernel package is incomplete`, { reason: 'not-bootable' });

  const load: ModuleFile[] = [];
  const usedBuiltin: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = async (name: string, from: string | null, optional: boolean): Promise<void> => {
    if (state.get(name) === 'done' || state.get(name) === 'visiting') return; // a cycle: the kernel resolves symbols at load; order is best effort
    const path = byName.get(name);
    if (!path) {
      if (builtin.has(name)) { usedBuiltin.push(name); state.set(name, 'done'); return; }
      if (optional) return;
      throw new BazaarError('ERR_BAD_INPUT', `kernel ${release} in image ${image} has no module ${name}${from ? ` (needed by ${from})` : ''}: neither ${dir}/**/${name}.ko nor built in (modules.builtin)`, { reason: 'not-bootable' });
    }
    state.set(name, 'visiting');
    const data = (await files.read(path))!;
    const info = readModuleInfo(data, path);
    for (const dep of info.depends) await visit(dep, name, false);
    for (const dep of softPre(info.softdep)) await visit(dep, name, true);
    state.set(name, 'done');
    load.push({ name, path, data });
  };
  for (const name of wanted) await visit(moduleName(name), null, false);
  return { load, builtin: usedBuiltin };
}
