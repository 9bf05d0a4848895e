// The command list. Each command lives in its own file and adds itself here (one line each).
import type { Command } from 'commander';
import { register as analyze } from './analyze.js';
import { register as bench } from './bench.js';
import { register as firmware } from './firmware.js';
import { register as watch } from './watch.js';
import { register as sim } from './sim.js';
import { register as report } from './report.js';
import { register as lab } from './lab.js';
import { register as inventory } from './inventory.js';
import { register as policy } from './policy.js';
import { register as serve } from './serve.js';
import { register as user } from './user.js';
import { register as extract } from './extract.js';
import { register as sensor } from './sensor.js';

export type Register = (program: Command) => void;

export const commands: Register[] = [
  analyze,
  watch,
  bench,
  sim,
  firmware,
  report,
  lab,
  inventory,
  policy,
  serve,
  user,
  extract,
  sensor,
];
