/**
 * File capabilities: rpm keeps them as text (FILECAPS, libcap's `cap_to_text` form, e.g.
 * `cap_net_raw=ep`) and, installing, sets them as the `security.capability` extended
 * attribute in the kernel's vfs_cap_data v2 layout (include/uapi/linux/capability.h):
 * le32 magic_etc (0x02000000, | 1 when any effective bit is set), then for each of the two
 * 32-bit halves le32 permitted, le32 inheritable. A checkout sets the same bytes, so
 * `rpm -V` finds them as it would after `rpm -i`.
 */
import { BazaarError } from '../errors.js';

/** Capability numbers by name (include/uapi/linux/capability.h), without the `cap_` prefix. */
const CAPS = ['chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module',
  'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time',
  'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog',
  'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf', 'checkpoint_restore'];
/** `all`: every capability the kernel defines (libcap's cap_max_bits on current kernels). */
const ALL = (1n << BigInt(CAPS.length)) - 1n;
const VFS_CAP_REVISION_2 = 0x02000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x1;

export interface FileCaps { effective: bigint; permitted: bigint; inheritable: bigint }

function bad(text: string, why: string): BazaarError {
  return new BazaarError('ERR_RPM_HEADER_CORRUPT', `file capabilities "${text}": ${why}`);
}

/** libcap's text form (`cap_a,cap_b+ep cap_c=i`, `=`, `all=ep`) to sets. */
export function parseCaps(text: string): FileCaps {
  const sets: FileCaps = { effective: 0n, permitted: 0n, inheritable: 0n };
  for (const clause of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([^=+-]*)((?:[=+-][eip]*)+)$/i.exec(clause);
    if (!m) throw bad(text, `cannot read "${clause}"`);
    let bits = 0n;
    if (m[1] === '' || m[1].toLowerCase() === 'all') bits = ALL;
    else {
      for (const name of m[1].toLowerCase().split(',')) {
        // libcap also reads numbers (`cap_41`, `41`) for capabilities newer than its table
        const bare = name.replace(/^cap_/, '');
        const n = /^\d{1,2}$/.test(bare) ? Number(bare) : CAPS.indexOf(bare);
        if (n < 0 || n > 63) throw bad(text, `unknown capability ${name}`);
        bits |= 1n << BigInt(n);
      }
    }
    // `=` with no names clears everything; `=ep` with no names means all
    for (const [, op, flags] of m[2].matchAll(/([=+-])([eip]*)/gi)) {
      if (op === '=') { sets.effective &= ~bits; sets.permitted &= ~bits; sets.inheritable &= ~bits; }
      for (const f of flags.toLowerCase()) {
        const key = f === 'e' ? 'effective' : f === 'p' ? 'permitted' : 'inheritable';
        sets[key] = op === '-' ? sets[key] & ~bits : sets[key] | bits;
      }
    }
  }
  return sets;
}

/** The `security.capability` value rpm would set for FILECAPS `text`; null for "" (no capabilities). */
export function fileCapsXattr(text: string): Buffer | null {
  if (text === '') return null;
  const c = parseCaps(text);
  const out = Buffer.alloc(20);
  out.writeUInt32LE((VFS_CAP_REVISION_2 | (c.effective !== 0n ? VFS_CAP_FLAGS_EFFECTIVE : 0)) >>> 0, 0);
  out.writeUInt32LE(Number(c.permitted & 0xffffffffn), 4);
  out.writeUInt32LE(Number(c.inheritable & 0xffffffffn), 8);
  out.writeUInt32LE(Number((c.permitted >> 32n) & 0xffffffffn), 12);
  out.writeUInt32LE(Number((c.inheritable >> 32n) & 0xffffffffn), 16);
  return out;
}

/** Whether a `security.capability` value (v2 or v3) grants what FILECAPS `text` says. */
export function sameFileCaps(xattr: Buffer, text: string): boolean {
  const want = fileCapsXattr(text === '' ? '=' : text) as Buffer;
  if (xattr.length < 20) return false;
  const flags = (b: Buffer): number => b.readUInt32LE(0) & VFS_CAP_FLAGS_EFFECTIVE;
  return flags(xattr) === flags(want) && xattr.subarray(4, 20).equals(want.subarray(4, 20));
}
