/**
 * `kill -9` at any moment of a large `add`: afterwards fsck is clean, and the same add
 * succeeds. Also: two processes adding at once both succeed, and gc running beside an
 * add never takes what the add commits.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bazaar, bazaarAsync, freshStore } from '../helpers/cli.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { testWith } from '../helpers/tools.js';

const t = suite('crash safety and concurrency');
const rand = seededRandom('crash');

/** A package of ~40 MB in 400 files of random-ish content, built once. */
function bigPackages(): string[] {
  const spec = `
Name: bigpkg
Version: 1.0
Release: alt1
Summary: A large package for crash tests
License: GPL
BuildArch: noarch
%description
Large.
%install
mkdir -p %{buildroot}/usr/share/bigpkg
for i in $(seq 1 400); do head -c 100000 /dev/urandom > %{buildroot}/usr/share/bigpkg/f$i; done
%files
/usr/share/bigpkg
`;
  return rpmbuild('bigpkg', spec, ['_binary_payload w1.gzdio']);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function waitExit(child: ReturnType<typeof bazaarAsync>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d; });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

testWith(t, 'kill -9 at random moments of a large add leaves a clean store; the same add then succeeds', ['rpmbuild'], async () => {
  const [big] = bigPackages();
  const files = [big, ...sampleRpms().slice(0, 10)];
  // How long an uninterrupted add takes, to spread the kills over it.
  const probe = freshStore('crash-probe');
  const t0 = Date.now();
  assert.is(bazaar(['add', '--store', probe, ...files]).status, 0);
  const full = Date.now() - t0;
  let killedMidway = 0;
  // Six trials, and more (up to 16) while fewer than three kills landed mid-add: on a busy
  // machine the probe's duration says little about the next run's.
  for (let trial = 0; trial < 6 || (killedMidway < 3 && trial < 16); trial++) {
    const store = freshStore('crash');
    const child = bazaarAsync(['add', '--store', store, ...files]);
    const exit = waitExit(child);
    await sleep(Math.floor(rand() * full * (trial < 6 ? 1 : 0.5)));
    child.kill('SIGKILL');
    const { signal } = await exit;
    if (signal === 'SIGKILL') killedMidway++;
    const fsck = bazaar(['fsck', '--store', store]);
    assert.is(fsck.status, 0, `trial ${trial}: fsck after kill -9: ${fsck.stdout}${fsck.stderr}`);
    const again = bazaar(['add', '--store', store, ...files]);
    assert.is(again.status, 0, `trial ${trial}: the same add after the kill: ${again.stderr}`);
    assert.is(again.stdout.trim().split('\n').length, files.length);
    assert.is(bazaar(['fsck', '--store', store]).status, 0);
    assert.is(JSON.parse(bazaar(['ls', '--json', '--store', store]).stdout).length, files.length);
  }
  assert.ok(killedMidway >= 3, `at least half the kills landed mid-add (${killedMidway})`);
});

t('two processes adding at once both succeed, with no damage', async () => {
  const store = freshStore('concurrent');
  const rpms = sampleRpms();
  const half = Math.floor(rpms.length / 2);
  // Overlapping sets: both write some of the same objects and the same packages.
  const a = waitExit(bazaarAsync(['add', '--store', store, ...rpms.slice(0, half + 5)]));
  const b = waitExit(bazaarAsync(['add', '--store', store, ...rpms.slice(half - 5)]));
  const [ra, rb] = await Promise.all([a, b]);
  assert.is(ra.code, 0, ra.stderr);
  assert.is(rb.code, 0, rb.stderr);
  assert.is(bazaar(['fsck', '--store', store]).status, 0);
  assert.is(JSON.parse(bazaar(['ls', '--json', '--store', store]).stdout).length, rpms.length);
});

t('gc beside a running add never deletes what the add commits', async () => {
  const store = freshStore('gc-race');
  const rpms = sampleRpms();
  const add = waitExit(bazaarAsync(['add', '--store', store, ...rpms]));
  let gcs = 0;
  let done = false;
  void add.then(() => { done = true; });
  // Bounded: at most 30 gc runs, each a real process, with pauses so the add can take the lock.
  while (!done && gcs < 30) {
    const gc = await waitExit(bazaarAsync(['gc', '--store', store]));
    assert.is(gc.code, 0, gc.stderr);
    gcs++;
    await sleep(20);
  }
  const r = await add;
  assert.is(r.code, 0, r.stderr);
  assert.ok(gcs >= 1);
  assert.is(bazaar(['fsck', '--store', store]).status, 0);
  const gc = JSON.parse(bazaar(['gc', '--json', '--store', store]).stdout);
  assert.is(gc.deleted, 0, 'everything the add wrote is referenced');
});

t.run();
