#!/usr/bin/env node
/** The `bazaar` executable: everything else lives in dispatch.ts so tests can call it. */
import { setFlagsFromString } from 'node:v8';
import { main } from './dispatch.js';

// Loading a large universe or index allocates millions of short-lived objects: a larger
// young generation turns most of V8's scavenges (a third of a warm resolve) into none.
setFlagsFromString('--max-semi-space-size=64');

// `bazaar ... | head`: the reader went away; that is not an error. `> /dev/full`: one line.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`bazaar: cannot write the output: ${err.message.split(',')[0]}\n`);
  process.exit(1);
});

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bazaar: internal error: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
