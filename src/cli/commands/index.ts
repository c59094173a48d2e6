/** Every `bazaar` command, in the order `bazaar --help` lists them. */
import type { Command } from '../command.js';
import { add } from './add.js';
import { cat } from './cat.js';
import { channel } from './channel.js';
import { demo } from './demo.js';
import { fsck } from './fsck.js';
import { gc } from './gc.js';
import { importTree } from './import-tree.js';
import { init } from './init.js';
import { ls } from './ls.js';
import { pin, unpin } from './pin.js';
import { reindex } from './reindex.js';
import { resolveCommand } from './resolve.js';
import { rm } from './rm.js';
import { show } from './show.js';
import { vercmp } from './vercmp.js';
import { versions } from './versions.js';

export const commands: Command[] = [
  init, add, importTree, ls, show, versions, cat, rm, channel, pin, unpin, fsck, gc, reindex, resolveCommand, vercmp, demo,
];
