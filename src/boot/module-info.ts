/**
 * What a kernel module says about itself: the NUL-separated `key=value` strings of its ELF
 * `.modinfo` section (what `modinfo` prints), read from the `.ko` bytes, so the modules an
 * initrd needs are found without `modules.dep` (which an image may lack).
 */
import { BazaarError } from '../errors.js';

export interface ModuleInfo {
  /** `name=` (kernels since 4.x write it), else the file name's. */
  name: string;
  /** `depends=`: module names, possibly empty. */
  depends: string[];
  /** `softdep=`, as written (`pre: a b post: c`). */
  softdep?: string;
}

const ELF_MAGIC = 0x464c457f; // "\x7fELF" little-endian

/** A module name as the kernel spells it: `-` and `_` are the same, `_` is canonical. */
export function moduleName(fileOrName: string): string {
  return fileOrName.replace(/^.*\//, '').replace(/\.ko(\.(xz|zst|gz))?$/, '').replaceAll('-', '_');
}

/** The `.modinfo` strings of a 64-bit little-endian ELF module (`file` names it in errors). */
export function readModuleInfo(bytes: Buffer, file: string): ModuleInfo {
  const bad = (why: string) => new BazaarError('ERR_BAD_INPUT', `kernel module ${file} cannot be read: ${why}`);
  if (bytes.length < 64 || bytes.readUInt32LE(0) !== ELF_MAGIC) throw bad(/\.ko\.(xz|zst|gz)$/.test(file) ? 'it is compressed (bazaar reads uncompressed .ko modules)' : 'not an ELF file');
  if (bytes[4] !== 2 || bytes[5] !== 1) throw bad('not a 64-bit little-endian ELF file');
  const shoff = Number(bytes.readBigUInt64LE(0x28));
  const shentsize = bytes.readUInt16LE(0x3a);
  const shnum = bytes.readUInt16LE(0x3c);
  const shstrndx = bytes.readUInt16LE(0x3e);
  if (shentsize < 64 || shoff + shnum * shentsize > bytes.length || shstrndx >= shnum) throw bad('its section table is truncated');
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    const offset = Number(bytes.readBigUInt64LE(at + 0x18));
    const size = Number(bytes.readBigUInt64LE(at + 0x20));
    if (offset + size > bytes.length) throw bad(`section ${i} runs past the end of the file`);
    return { nameAt: bytes.readUInt32LE(at), offset, size };
  };
  const names = section(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const nameStart = names.offset + s.nameAt;
    const nameEnd = bytes.indexOf(0, nameStart);
    if (nameEnd < 0 || bytes.toString('latin1', nameStart, nameEnd) !== '.modinfo') continue;
    const fields = new Map<string, string>();
    for (const pair of bytes.toString('utf8', s.offset, s.offset + s.size).split('\0')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && !fields.has(pair.slice(0, eq))) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const depends = (fields.get('depends') ?? '').split(',').filter(Boolean).map(moduleName);
    return { name: moduleName(fields.get('name') ?? file), depends, softdep: fields.get('softdep') };
  }
  throw bad('it has no .modinfo section');
}
