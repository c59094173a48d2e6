#!/usr/bin/env node
/** The `bazaar` executable: everything else lives in dispatch.ts so tests can call it. */
import { main } from './dispatch.js';
import { useLargeYoungGeneration } from './v8-flags.js';

// `bazaar ... | head`: the reader went away; that is not an error. `> /dev/full`: one line.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`bazaar: cannot write the output: ${err.message.split(',')[0]}\n`);
  process.exit(1);
});

// a quick command (show) runs with V8's default flags: setting one costs a start (v8-flags.ts)
main(process.argv.slice(2), process, { beforeRun: (cmd) => { if (!cmd.quick) useLargeYoungGeneration(); } }).then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bazaar: internal error: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
