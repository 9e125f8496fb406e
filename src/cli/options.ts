// Options more than one command takes, and parsers for numeric options, wired into commander
// with `argParser`: a value that is not an integer in range is commander's one-line usage error
// (exit 2).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { READERS } from '../map/readers/index.js';

/** Sets the process exit code the CLI returns (0 clean, 1 a finding, 2 bad input). */
export type SetCode = (code: number) => void;

/** A repeatable option's values, in order. */
export const collect = (v: string, prev: string[]) => [...prev, v];

export const kernelOption = () =>
  new Option('--kernel <form>', 'kernel form: classic (Linux 5.3-7.1, the default) or mainline (7.2+)').choices([
    'classic',
    'mainline',
  ]);

export const readerOption = () =>
  new Option(
    '--reader <names>',
    `readers of the maps, comma-separated, or all: ${READERS.map((r) => r.name).join(', ')} (default linux-classic)`,
  );

/** An integer option from `min` to `max` (decimal, or hex with `0x`). */
export function integerArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const n = /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max))
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected an integer of at least ${min}`
          : `expected an integer from ${min} to ${max}`,
      );
    return n;
  };
}

/** `-I`, `-D`, `--overlay`, `--live` and `--config` for `map` and `diff`, worded as `check` words them. */
export function inputOptions(command: Command): Command {
  return command
    .option('-I, --include <dir>', 'include directory for DTS input (repeatable)', collect, [])
    .option('-D, --define <name[=value]>', 'preprocessor define for DTS input (repeatable)', collect, [])
    .option(
      '--overlay <file>',
      'apply an overlay (.dtbo/.dtso) to every input first, as fdtoverlay does (repeatable)',
      collect,
      [],
    )
    .option('--live', 'read directory arguments as live trees (/proc/device-tree form)')
    .option('--config <file>', 'configuration file (default: .dtmaprc.json or package.json "dtmap", found upwards)');
}
