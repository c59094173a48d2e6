/** FILECAPS text to the security.capability bytes rpm -i sets (read back with getfattr from a root rpm installed). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileCapsXattr, parseCaps, sameFileCaps } from '../../src/rpm/file-caps.js';

const t = suite('file-caps');
const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));

t('the bytes rpm 4.18 wrote for the corpus packages rpm-file-attrs and capstest', () => {
  assert.is(hex(fileCapsXattr('cap_sys_ptrace,cap_sys_admin=ep')), '0100000200002800000000000000000000000000');
  assert.is(hex(fileCapsXattr('=')), '0000000200000000000000000000000000000000');
  assert.is(fileCapsXattr(''), null, 'no capabilities: no attribute');
});

t('libcap text: operators, flags, several clauses, numbers, all', () => {
  assert.equal(parseCaps('cap_net_raw+p'), { effective: 0n, permitted: 1n << 13n, inheritable: 0n });
  assert.equal(parseCaps('cap_net_raw,cap_net_admin=eip cap_net_admin-i'), { effective: (1n << 13n) | (1n << 12n), permitted: (1n << 13n) | (1n << 12n), inheritable: 1n << 13n });
  assert.equal(parseCaps('cap_40=p').permitted, 1n << 40n, 'capability numbers above 31 go to the second half');
  assert.is(hex(fileCapsXattr('cap_checkpoint_restore=p')), '0000000200000000000000000001000000000000');
  assert.is(parseCaps('all=ep').permitted, (1n << 41n) - 1n);
  assert.throws(() => parseCaps('cap_no_such=p'), /unknown capability cap_no_such/);
  assert.throws(() => parseCaps('cap_chown^p'), /cannot read/);
});

t('sameFileCaps compares what a file carries with what the header says', () => {
  const onDisk = fileCapsXattr('cap_net_raw=ep') as Buffer;
  assert.ok(sameFileCaps(onDisk, 'cap_net_raw=ep'));
  assert.not.ok(sameFileCaps(onDisk, 'cap_net_raw=p'), 'the effective flag differs');
  assert.not.ok(sameFileCaps(onDisk, 'cap_net_admin=ep'));
  assert.ok(sameFileCaps(fileCapsXattr('=') as Buffer, ''), 'an empty set is no capabilities');
  assert.not.ok(sameFileCaps(Buffer.alloc(4), 'cap_net_raw=ep'), 'a short attribute is not a capability set');
});

t.run();
