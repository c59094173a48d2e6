/** Every `bazaar` command, in the order `bazaar --help` lists them. */
import type { Command } from '../command.js';
import { add } from './add.js';
import { cat } from './cat.js';
import { demo } from './demo.js';
import { fsck } from './fsck.js';
import { gc } from './gc.js';
import { init } from './init.js';
import { ls } from './ls.js';
import { reindex } from './reindex.js';
import { show } from './show.js';
import { vercmp } from './vercmp.js';

export const commands: Command[] = [
  init, add, ls, show, cat, fsck, gc, reindex, vercmp, demo,
];
