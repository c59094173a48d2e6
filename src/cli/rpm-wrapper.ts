#!/usr/bin/env node
/** The `bazaar-rpm` executable: everything else lives in rpm-main.ts so tests can call it. */
import { rpmMain } from './rpm-main.js';
import { useLargeYoungGeneration } from './v8-flags.js';

useLargeYoungGeneration(); // as before: the launcher set it for both executables

// `bazaar-rpm -qa | head`: the reader went away; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

rpmMain(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bazaar-rpm: internal error: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
