// The dtmap command line: the program, one module per command (src/cli/commands), and the
// top-level error handling; the work is in the library modules.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import chalk from 'chalk';
import { errorLine, InputError } from '../app/input.js';
import { register as registerCheck } from './commands/check.js';
import { register as registerQuery } from './commands/query.js';
import { register as registerMap } from './commands/map.js';
import { register as registerDiff } from './commands/diff.js';
import { register as registerCompile } from './commands/compile.js';
import { register as registerLsp } from './commands/lsp.js';
import { register as registerRules } from './commands/rules.js';
import { register as registerAudit } from './commands/audit.js';
import { LimitError, exhaustedMessage } from '../limits.js';

declare const __DTMAP_VERSION__: string | undefined;
/** package.json's version: scripts/build.mjs writes it into the bundle; from src (tests) it is read. */
const VERSION =
  typeof __DTMAP_VERSION__ === 'string'
    ? __DTMAP_VERSION__
    : (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function setColour(argv: string[]): void {
  const noColour = argv.includes('--no-color') || (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '');
  if (argv.includes('--color') || (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0'))
    chalk.level = Math.max(chalk.level, 1) as 1;
  else if (noColour) chalk.level = 0;
}

export async function main(argv: string[]): Promise<number> {
  setColour(argv);
  let code = 0;
  const program = new Command('dtmap')
    .description('Validate devicetree iommu-map and msi-map the way the Linux kernel reads them')
    .version(VERSION)
    .option('--color', 'force colour')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const setCode = (c: number) => {
    code = c;
  };
  registerCheck(program, setCode, VERSION);
  registerQuery(program, setCode);
  registerMap(program, setCode);
  registerDiff(program, setCode);
  registerCompile(program, setCode);
  registerLsp(program);
  registerRules(program);
  registerAudit(program, setCode);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError) {
      process.stderr.write(errorLine(e.message) + '\n');
      return 2;
    }
    const exhausted = e instanceof LimitError ? e.message : exhaustedMessage(e);
    if (exhausted) {
      process.stderr.write(errorLine(exhausted) + '\n');
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // A bug, not bad input: still one line, and exit 2.
    process.stderr.write(`dtmap: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
