/**
 * Stock dnf in a throwaway installroot, configured only by what the test writes: its own
 * dnf.conf, one repository `b`, its own cache, log and persist directories, no plugins,
 * no scriptlets. Runs without blocking the event loop (the server may be in this process).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAsync } from './server.js';

/** `dnf -y install PACKAGES` into `<dir>/install` from the repository lines `repo` (after `[b]` and `name=`). */
export async function dnfInstall(dir: string, repo: string[], packages: string[]): Promise<{ status: number | null; out: string; root: string }> {
  for (const d of ['install', 'cache', 'log', 'persist', 'repos']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'dnf.conf'), '[main]\ninstall_weak_deps=0\nkeepcache=0\n');
  writeFileSync(join(dir, 'repos', 'b.repo'), ['[b]', 'name=bazaar', ...repo, ''].join('\n'));
  const r = await runAsync('dnf', [
    '-y', `--installroot=${join(dir, 'install')}`, '--releasever=1', `--config=${join(dir, 'dnf.conf')}`, `--setopt=reposdir=${join(dir, 'repos')}`,
    `--setopt=cachedir=${join(dir, 'cache')}`, `--setopt=logdir=${join(dir, 'log')}`, `--setopt=persistdir=${join(dir, 'persist')}`,
    '--setopt=tsflags=noscripts', '--noplugins', '--repo=b', 'install', ...packages,
  ], { env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`, root: join(dir, 'install') };
}

/** The names of the packages rpm says are installed under `root` (not the gpg-pubkey entries of imported keys). */
export async function installedNames(root: string): Promise<string[]> {
  return (await runAsync('rpm', ['--root', root, '-qa', '--qf', '%{NAME}\\n'])).stdout.split('\n').filter((n) => n && n !== 'gpg-pubkey').sort();
}
