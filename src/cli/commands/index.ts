/** Every `bazaar` command, in the order `bazaar --help` lists them. */
import type { Command } from '../command.js';
import { vercmp } from './vercmp.js';

export const commands: Command[] = [
  vercmp,
];
