/**
 * The net-boot tests' real packages: Debian's binary packages of a minimal userspace,
 * busybox-static and the cloud kernel, converted to RPMs by scripts/netboot-fixture.sh
 * (run by .ci/run into `.cache/netboot`). A test that needs them is skipped by name where
 * the fixture is absent (testWithNetboot), never failed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'uvu';
import { missingNeeds, projectRoot, testUnless } from './tools.js';

/** The fixture directory: $BAZAAR_NETBOOT_FIXTURE, else the checkout's `.cache/netboot`. */
export function netbootDir(): string {
  return process.env.BAZAAR_NETBOOT_FIXTURE ?? join(projectRoot, '.cache', 'netboot');
}

let cached: string[] | null | undefined;

/**
 * The fixture's RPMs (absolute paths), as its READY stamp lists them, or null when the
 * fixture is absent or incomplete (no READY, or an RPM it lists is missing).
 */
export function netbootRpms(): string[] | null {
  if (cached !== undefined) return cached;
  const dir = netbootDir();
  let names: string[];
  try {
    names = readFileSync(join(dir, 'READY'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return (cached = null);
  }
  const rpms = names.map((n) => join(dir, 'rpms', n));
  cached = names.length > 0 && rpms.every((r) => existsSync(r)) ? rpms : null;
  return cached;
}

/** What a test that needs the fixture prints when it is absent. */
const FIXTURE_NEED = 'the netboot fixture (scripts/netboot-fixture.sh .cache/netboot, or BAZAAR_NETBOOT_FIXTURE)';

/**
 * Registers `fn` when the fixture is present and every requirement of `needs` holds (as
 * testWith reads them), else as a skipped test whose name and reason are printed.
 */
export function testWithNetboot(suite: Test, name: string, needs: string[], fn: () => void | Promise<void>): void {
  testUnless(suite, name, [...(netbootRpms() ? [] : [FIXTURE_NEED]), ...missingNeeds(needs)], fn);
}
