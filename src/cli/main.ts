#!/usr/bin/env node
/** The `bazaar` executable: everything else lives in dispatch.ts so tests can call it. */
import { main } from './dispatch.js';

// `bazaar ... | head`: the reader went away; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bazaar: internal error: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
