/**
 * The LeaseBoard contract (src/store/leases.ts): what gc relies on of readers' leases,
 * whether files in one host's directory or rows in PostgreSQL. `holder` starts another
 * process that takes a lease on the same board and waits to be killed.
 */
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChildProcess } from 'node:child_process';
import type { LeaseBoard } from '../../src/store/leases.js';

export interface LeaseBoardFixture {
  board: LeaseBoard;
  /** Another process holding a lease on `seq` on this board (resolves once it is taken). */
  holder(seq: number): Promise<ChildProcess>;
}

/** Polls `fn` until it holds (a released row goes away after the release returns), 5 s at most. */
async function eventually(fn: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 100; i++) { if (await fn()) return true; await new Promise((r) => setTimeout(r, 50)); }
  return false;
}

export function run(t: Test, name: string, make: () => Promise<LeaseBoardFixture>, register: (t: Test, title: string, fn: () => Promise<void>) => void = (s, title, fn) => s(title, fn)): void {
  register(t, `${name}: a lease is live from take to release, and follows set`, async () => {
    const { board } = await make();
    assert.equal(await board.live(), []);
    const a = await board.take(7);
    const b = await board.take(7);
    assert.equal((await board.live()).sort(), [7, 7], 'two leases of one state');
    assert.ok(await a.set(9));
    assert.equal((await board.live()).sort(), [7, 9]);
    a.release();
    b.release();
    assert.ok(await eventually(async () => (await board.live()).length === 0), 'released leases are not live');
  });

  register(t, `${name}: a lease of a process killed with -9 is not live, and sweep removes it; a live process's stays`, async () => {
    const { board, holder } = await make();
    const mine = await board.take(3);
    const other = await holder(4);
    assert.equal((await board.live()).sort(), [3, 4], 'the other process\'s lease is seen');
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
    assert.ok(await eventually(async () => (await board.live()).join() === '3'), 'the dead process\'s lease is not live');
    await board.sweep();
    assert.equal(await board.live(), [3], 'sweep leaves a live lease');
    mine.release();
  });
}
