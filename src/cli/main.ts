// The dtmap command line: commander wiring only; the work is in the library modules.
import { Command, CommanderError, Option } from 'commander';
import chalk from 'chalk';
import { check } from '../checks/index.js';
import { formatJson } from '../report/json.js';
import { formatPretty } from '../report/pretty.js';
import { summarizeMaps, type FileReport } from '../report/model.js';
import type { KernelForm } from '../map/map.js';
import { InputError, loadTree } from './input.js';
import { parseIdSpec } from './rid.js';
import { queryFails, queryJson, queryPretty, runQuery } from './query.js';

const VERSION = '0.1.0';

function setColour(argv: string[]): void {
  const noColour = argv.includes('--no-color') || (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '');
  if (argv.includes('--color') || (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0')) chalk.level = Math.max(chalk.level, 1) as 1;
  else if (noColour) chalk.level = 0;
}

const kernelOption = () => new Option('--kernel <form>', 'kernel form: classic (Linux 5.3-7.1) or mainline (7.2+)').choices(['classic', 'mainline']).default('classic');
const collect = (v: string, prev: string[]) => [...prev, v];
const defines = (list: string[]) => Object.fromEntries(list.map((d) => (d.includes('=') ? [d.slice(0, d.indexOf('=')), d.slice(d.indexOf('=') + 1)] : [d, '1'])));

async function runCheck(files: string[], opts: { format: string; kernel: KernelForm; include: string[]; define: string[]; quiet?: boolean; verbose?: boolean }): Promise<number> {
  const reports: FileReport[] = [];
  let unreadable = false;
  for (const file of files) {
    try {
      const tree = await loadTree(file, { includeDirs: opts.include, defines: defines(opts.define) });
      reports.push({ file, error: null, maps: summarizeMaps(tree, opts.kernel), diagnostics: check(tree, { kernel: opts.kernel }) });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      unreadable = true;
      reports.push({ file, error: e.message, maps: [], diagnostics: [] });
      if (opts.format === 'pretty') process.stderr.write(`dtmap: error: ${e.message}\n`);
    }
  }
  const shown = opts.format === 'pretty' ? reports.filter((r) => !r.error) : reports;
  process.stdout.write(opts.format === 'json' ? formatJson(shown) : formatPretty(shown, opts));
  if (unreadable) return 2;
  return reports.some((r) => r.diagnostics.some((d) => d.severity === 'error')) ? 1 : 0;
}

async function runQueryCommand(file: string, rids: string[], opts: { format: string; kernel: KernelForm; node?: string; map: 'iommu' | 'msi' | 'both'; include: string[]; define: string[] }): Promise<number> {
  const specs = rids.map(parseIdSpec);
  const tree = await loadTree(file, { includeDirs: opts.include, defines: defines(opts.define) });
  const rows = runQuery(tree, specs, opts);
  process.stdout.write(opts.format === 'json' ? queryJson(tree, rows) : queryPretty(tree, rows));
  return queryFails(rows) ? 1 : 0;
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

  program
    .command('check')
    .description('check every iommu-map / msi-map in the given DTB or DTS files')
    .argument('<file...>', 'DTB or DTS files')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addOption(kernelOption())
    .option('-I, --include <dir>', 'include directory for DTS input (repeatable)', collect, [])
    .option('-D, --define <name[=value]>', 'preprocessor define for DTS input (repeatable)', collect, [])
    .option('-q, --quiet', 'show errors only')
    .option('-v, --verbose', 'also list every map entry')
    .action(async (files: string[], opts) => {
      code = await runCheck(files, opts);
    });

  program
    .command('query')
    .description('what the kernel makes of one RID (or a range) on a host bridge')
    .argument('<file>', 'DTB or DTS file')
    .argument('<rid...>', 'RID: 0x100, 256, bb:dd.f, dddd:bb:dd.f, or a range A-B')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addOption(kernelOption())
    .option('--node <path|label>', 'host bridge node (needed when several carry maps)')
    .addOption(new Option('--map <which>', 'which map').choices(['iommu', 'msi', 'both']).default('both'))
    .option('-I, --include <dir>', 'include directory for DTS input (repeatable)', collect, [])
    .option('-D, --define <name[=value]>', 'preprocessor define for DTS input (repeatable)', collect, [])
    .action(async (file: string, rids: string[], opts) => {
      code = await runQueryCommand(file, rids, opts);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError) {
      process.stderr.write(`dtmap: error: ${e.message}\n`);
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
