// The command list. Each command lives in its own file and adds itself here (one line each). They
// are loaded when asked for: `wardwatch analyze …` imports only analyze's modules (not the
// console's server, the store drivers or the firmware unpackers), which takes a CLI start from
// about 0.8 s to about 0.3 s of module loading on this machine; help, an unknown command and
// the tests load them all.
import type { Command } from 'commander';

export type Register = (program: Command) => void;

interface CommandModule {
  register: Register;
}

/** Each module, in help order, with the top-level commands it registers. */
const COMMANDS: readonly [readonly string[], () => Promise<CommandModule>][] = [
  [['analyze'], () => import('./analyze.js')],
  [['watch'], () => import('./watch.js')],
  [['bench'], () => import('./bench.js')],
  [['sim'], () => import('./sim.js')],
  [['firmware'], () => import('./firmware.js')],
  [['report'], () => import('./report.js')],
  [['lab'], () => import('./lab.js')],
  [['inventory'], () => import('./inventory.js')],
  [['policy'], () => import('./policy.js')],
  [['serve'], () => import('./serve.js')],
  [['user', 'token'], () => import('./user.js')],
  [['extract'], () => import('./extract.js')],
  [['sensor'], () => import('./sensor.js')],
];

/** Every top-level command name. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.flatMap(([names]) => names);

/**
 * The registers of the module that defines `name`, or of every command when `name` is none of
 * them (no command, an option such as `--help`, a typo: commander then lists them all).
 */
export async function loadCommands(name?: string): Promise<Register[]> {
  const one = name === undefined ? undefined : COMMANDS.find(([names]) => names.includes(name));
  const wanted = one === undefined ? COMMANDS : [one];
  const mods = await Promise.all(wanted.map(([, load]) => load()));
  return mods.map((m) => m.register);
}
