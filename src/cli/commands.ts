// The command list. Each command lives in its own file and adds itself here (one line each).
import type { Command } from 'commander';
import { register as analyze } from './analyze.js';

export type Register = (program: Command) => void;

export const commands: Register[] = [analyze];
