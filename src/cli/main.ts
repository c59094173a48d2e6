#!/usr/bin/env node
/** The `bazaar` executable: everything else lives in dispatch.ts so tests can call it. */
import { main } from './dispatch.js';
import { FdOutput } from './fd-output.js';
import { useLargeYoungGeneration } from './v8-flags.js';

// Written on fds 1 and 2, not process.stdout/stderr, which would load net (fd-output.ts).
const stderr = new FdOutput(2, () => { /* stderr is gone: nowhere left to say so */ });
// `bazaar ... | head`: the reader went away; that is not an error. `> /dev/full`: one line.
const stdout = new FdOutput(1, (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  stderr.write(`bazaar: cannot write the output: ${err.message.split(',')[0]}\n`);
  process.exit(1);
});
// created when a command reads it: a tty or pipe handle costs a start a few ms
const io = { get stdin() { return process.stdin; }, stdout, stderr };

// a quick command (show) runs with V8's default flags: setting one costs a start (v8-flags.ts)
main(process.argv.slice(2), io, { beforeRun: (cmd) => { if (!cmd.quick) useLargeYoungGeneration(); } }).then((code) => { process.exitCode = code; }, (err: unknown) => {
  stderr.write(`bazaar: internal error: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
