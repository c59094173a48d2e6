/**
 * Boots a VM for the net-boot tests (docs/netboot.md): qemu-system-x86_64 under TCG (no
 * KVM needed), serial console collected, killed at a timeout. The only network is QEMU's
 * user network with restrict=on and one guestfwd to a loopback port (10.0.2.100:80 in the
 * guest), so nothing leaves the machine. Boots run one at a time per test process: each
 * takes a whole core for ~10 s under TCG.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool } from './tools.js';

/** The tools bootVm needs, for `testWith(..., qemuTools, ...)`. */
export const qemuTools = ['qemu-system-x86_64', 'nc'];
export const hasQemu = (): boolean => qemuTools.every(hasTool);

/** Where the server is, seen from the guest: `bazaar.url=http://10.0.2.100/boot/...`. */
export const GUEST_SERVER = 'http://10.0.2.100';

export interface VmDisk { file: string; readonly?: boolean }

export interface BootOptions {
  /** Without kernel and initrd, the machine boots from the network: QEMU's iPXE firmware runs `net.bootfile`. */
  kernel?: string;
  initrd?: string;
  /** The kernel command line (the caller gives console=ttyS0 panic=10 itself). */
  append?: string;
  /** virtio disks in order: /dev/vda, /dev/vdb, ... */
  disks?: VmDisk[];
  /** A server on 127.0.0.1:port, reached by the guest at 10.0.2.100:80; else no NIC. */
  /** `bootfile`: the URL QEMU's DHCP hands the firmware (iPXE fetches and runs it). */
  net?: { port: number; bootfile?: string };
  timeoutMs: number;
  memoryMb?: number;
  /** Console texts whose first appearance is timed (ms from QEMU's start) in `seenAt`. */
  marks?: string[];
}

export interface BootResult {
  /** The serial console, CRLF turned into LF. */
  console: string;
  /** QEMU's exit status (0 after the guest powers off); null when it was killed. */
  exitCode: number | null;
  timedOut: boolean;
  stderr: string;
  elapsedMs: number;
  seenAt: Record<string, number>;
  /** A first attempt the guest kernel reported itself stalled in, then timed out: its report lines and saved console. */
  stalledBefore?: { report: string[]; console: string };
}

/** QEMU's option syntax doubles a comma inside a value. */
const optValue = (s: string): string => s.replaceAll(',', ',,');

/** The argument vector of a boot (reported by tests when a boot goes wrong). */
export function qemuArgs(o: BootOptions): string[] {
  const args = ['-accel', 'tcg', '-m', String(o.memoryMb ?? 1024), '-nographic', '-no-reboot', '-serial', 'stdio', '-monitor', 'none',
    ...(o.kernel ? ['-kernel', o.kernel, '-initrd', o.initrd ?? '', '-append', o.append ?? ''] : ['-boot', 'n'])];
  for (const d of o.disks ?? []) args.push('-drive', `file=${optValue(d.file)},format=raw,if=virtio${d.readonly ? ',readonly=on' : ''}`);
  if (o.net) {
    if (!Number.isInteger(o.net.port) || o.net.port <= 0 || o.net.port > 65535) throw new Error(`bootVm: bad port ${o.net.port}`);
    const bootfile = o.net.bootfile ? `,bootfile=${optValue(o.net.bootfile)}` : '';
    args.push('-netdev', `user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:nc 127.0.0.1 ${o.net.port}${bootfile}`, '-device', 'virtio-net-pci,netdev=n0');
  } else {
    args.push('-nic', 'none');
  }
  return args;
}

const running = new Set<ChildProcess>();
process.on('exit', () => { for (const c of running) c.kill('SIGKILL'); });
let queue: Promise<unknown> = Promise.resolve();

/**
 * The guest kernel's own reports that its CPU did not run (soft lockup, RCU stall, hung
 * task). Under TCG they come when the host starves QEMU's vCPU thread (a CI neighbour
 * starting PostgreSQL and Ceph), not from anything the VA does.
 */
const GUEST_STALL = /soft lockup|rcu: INFO: .*stall|rcu_.* detected stalls|blocked for more than \d+ seconds/;

/**
 * Boots and resolves when QEMU exits (the guest powered off) or is killed at the timeout.
 * A boot that timed out after the guest kernel reported itself stalled is run once more,
 * loudly (the report goes to stderr, the console to a file, and `stalledBefore` says so):
 * one CI run in many starved a guest that way. Any other timeout, or a second stall, is
 * the caller's to fail.
 */
export function bootVm(o: BootOptions): Promise<BootResult> {
  const args = qemuArgs(o);
  const result = queue.then(async () => {
    const first = await runQemu(args, o);
    const report = first.console.split('\n').filter((l) => GUEST_STALL.test(l));
    if (!first.timedOut || report.length === 0) return first;
    const saved = join(mkdtempSync(join(tmpdir(), 'bazaar-qemu-stall-')), 'console.txt');
    writeFileSync(saved, first.console);
    process.stderr.write(`bootVm: the guest kernel reported a stall and the boot timed out after ${first.elapsedMs} ms; booting once more (console: ${saved})\n${report.slice(0, 5).join('\n')}\n`);
    return { ...await runQemu(args, o), stalledBefore: { report, console: saved } };
  });
  queue = result.catch(() => undefined);
  return result;
}

function runQemu(args: string[], o: BootOptions): Promise<BootResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stderr = '';
    let timedOut = false;
    const chunks: Buffer[] = [];
    let seen = ''; // latin1, for the (ASCII) marks; the console is decoded once at the end
    const seenAt: Record<string, number> = {};
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      seen += d.toString('latin1');
      for (const m of o.marks ?? []) if (seenAt[m] === undefined && seen.includes(m)) seenAt[m] = Date.now() - started;
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, o.timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); running.delete(child); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      const console = Buffer.concat(chunks).toString('utf8').replaceAll('\r\n', '\n');
      resolve({ console, exitCode: code, timedOut, stderr, elapsedMs: Date.now() - started, seenAt });
    });
  });
}

/** The lines of a console that start with `prefix` (e.g. 'VA-', 'bazaar-init: error: '). */
export function consoleLines(console: string, prefix: string): string[] {
  return console.split('\n').filter((l) => l.startsWith(prefix));
}

/**
 * What a failed boot's assertion prints: the init's own lines and any guest kernel stall
 * report (a long oops would otherwise push both out of the tail), then the console's tail.
 */
export function bootSummary(r: BootResult): string {
  const lines = r.console.split('\n');
  const said = lines.filter((l) => l.startsWith('bazaar-init') || l.startsWith('VA-') || GUEST_STALL.test(l));
  return [`after ${r.elapsedMs} ms${r.stalledBefore ? `, on a second attempt (the first stalled: ${r.stalledBefore.console})` : ''}`, ...said, '--- the console\'s tail:', r.console.slice(-2000)].join('\n');
}
