/**
 * A process that holds a reader's lease until it is killed (the lease-board contract):
 * `node lease-holder.js files ROOT SEQ` or `node lease-holder.js postgresql URL SCHEMA SEQ`.
 * Prints "held" once the lease is written.
 */
import { FileLeases } from '../../src/store/leases.js';
import type { LeaseBoard } from '../../src/store/leases.js';
import { PgStateBackend } from '../../src/store/pg-state-backend.js';

const [kind, ...args] = process.argv.slice(2);
const board: LeaseBoard = kind === 'files' ? new FileLeases(args[0]) : new PgStateBackend({ url: args[0], schema: args[1] }).leases;
await board.take(Number(args[args.length - 1]));
process.stdout.write('held\n');
setInterval(() => {}, 1000);
