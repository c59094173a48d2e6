/** Every `bazaar` command, in the order `bazaar --help` lists them. */
import type { Command } from '../command.js';
import { resolveCommand } from './resolve.js';

export const commands: Command[] = [
  resolveCommand,
];
