// The dtmap command line: commander wiring only; the work is in the library modules.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import chalk from 'chalk';
import type { KernelForm } from '../map/map.js';
import { errorLine, InputError, loadTree } from './input.js';
import { parseIdSpec } from './rid.js';
import { queryFails, queryJson, queryPretty, runQuery } from './query.js';
import { loadConfig, parseDefines } from './config.js';
import { register as registerMap } from './commands/map.js';
import { register as registerDiff } from './commands/diff.js';
import { register as registerCompile } from './commands/compile.js';
import { integerArg } from './options.js';
import { linuxForm, readerOption, selectedReaders } from './readers.js';
import { LimitError, exhaustedMessage } from '../limits.js';
import { FORMATS } from '../report/index.js';

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

const kernelOption = () =>
  new Option('--kernel <form>', 'kernel form: classic (Linux 5.3-7.1, the default) or mainline (7.2+)').choices([
    'classic',
    'mainline',
  ]);
const collect = (v: string, prev: string[]) => [...prev, v];

async function runQueryCommand(
  file: string,
  rids: string[],
  opts: {
    format: string;
    kernel?: KernelForm;
    reader?: string;
    node?: string;
    map: 'iommu' | 'msi' | 'both';
    include: string[];
    define: string[];
    config?: string;
    overlay: string[];
    live?: boolean;
  },
): Promise<number> {
  const config = loadConfig(opts.config);
  const specs = rids.map(parseIdSpec);
  const tree = await loadTree(file, {
    includeDirs: [...opts.include, ...config.include],
    defines: { ...config.define, ...parseDefines(opts.define) },
    overlays: opts.overlay,
    live: opts.live,
  });
  const readers = selectedReaders(opts.reader, opts.kernel, config.kernel);
  const rows = runQuery(tree, specs, {
    node: opts.node,
    map: opts.map,
    kernel: linuxForm(readers, config.kernel),
    readers,
  });
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
    .description('check every iommu-map / msi-map in DTB or DTS files, directories or globs')
    .argument('<file...>', 'DTB or DTS files, directories (searched for *.dts, *.dtb) or quoted globs')
    .addOption(new Option('--format <format>', 'output format').choices(Object.keys(FORMATS)).default('pretty'))
    .addOption(kernelOption())
    .addOption(readerOption())
    .option('-o, --output <file>', 'write the report to a file (atomically)')
    .option('--rule <rule=severity>', 'set a rule to off|info|warning|error (repeatable)', collect, [])
    .option('--config <file>', 'configuration file (default: .dtmaprc.json or package.json "dtmap", found upwards)')
    .option('--strict', 'warnings fail the run too')
    .option('--max-warnings <n>', 'fail when there are more than N warnings', integerArg(0))
    .option('-q, --quiet', 'report errors only')
    .option('-v, --verbose', 'also list every map entry')
    .option('--baseline <file>', 'report only findings not recorded in this baseline')
    .option('--write-baseline <file>', "record this run's findings as a baseline")
    .option('-j, --jobs <n>', 'files checked in parallel, 1 to 256 (default: all cores)', integerArg(1, 256))
    .option('-I, --include <dir>', 'include directory for DTS input (repeatable)', collect, [])
    .option('-D, --define <name[=value]>', 'preprocessor define for DTS input (repeatable)', collect, [])
    .option(
      '--overlay <file>',
      'apply an overlay (.dtbo/.dtso) to every input first, as fdtoverlay does (repeatable)',
      collect,
      [],
    )
    .option('--live', 'read directory arguments as live trees (/proc/device-tree form)')
    .option('--report-unused-disable', 'report dtmap-disable-next-line comments that suppress nothing')
    .option(
      '--cache [dir]',
      'reuse the results of files whose inputs are unchanged (default dir: node_modules/.cache/dtmap, or $XDG_CACHE_HOME/dtmap)',
    )
    .action(async (files: string[], opts) => {
      // loaded on demand: `query` stays lean (worker pool, formats and baselines are check-only)
      const { runCheck } = await import('./check.js');
      code = await runCheck(files, opts, VERSION);
    });

  program
    .command('query')
    .description('what the kernel makes of one RID (or a range) on a host bridge')
    .argument('<file>', 'DTB or DTS file')
    .argument('[rid...]', 'RID: 0x100, 256, bb:dd.f, dddd:bb:dd.f, or a range A-B')
    .option('--all', 'the whole translation table as compact ranges')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addOption(kernelOption())
    .addOption(readerOption())
    .option('--node <path|label>', 'host bridge node (needed when several carry maps)')
    .addOption(new Option('--map <which>', 'which map').choices(['iommu', 'msi', 'both']).default('both'))
    .option('--config <file>', 'configuration file')
    .option('-I, --include <dir>', 'include directory for DTS input (repeatable)', collect, [])
    .option('-D, --define <name[=value]>', 'preprocessor define for DTS input (repeatable)', collect, [])
    .option('--overlay <file>', 'apply an overlay (.dtbo/.dtso) first (repeatable)', collect, [])
    .option('--live', 'read a directory argument as a live tree')
    .action(async (file: string, rids: string[], opts) => {
      if (opts.all) {
        if (rids.length) throw new InputError('query: give RIDs or --all, not both');
        const { runTable } = await import('./commands/table.js');
        const config = loadConfig(opts.config);
        const tree = await loadTree(file, {
          includeDirs: [...opts.include, ...config.include],
          defines: { ...config.define, ...parseDefines(opts.define) },
          overlays: opts.overlay,
          live: opts.live,
        });
        const readers = selectedReaders(opts.reader, opts.kernel, config.kernel);
        code = runTable(tree, {
          node: opts.node,
          map: opts.map,
          format: opts.format,
          kernel: linuxForm(readers, config.kernel),
          readers,
        });
        return;
      }
      if (!rids.length) throw new InputError('query: give one or more RIDs, or --all');
      code = await runQueryCommand(file, rids, opts);
    });

  // map and diff read their inputs with the configuration's include paths and defines
  const load = (file: string) => {
    const config = loadConfig(undefined);
    return loadTree(file, { includeDirs: config.include, defines: config.define });
  };
  const setCode = (c: number) => {
    code = c;
  };
  registerMap(program, load, setCode);
  registerDiff(program, load, setCode);
  registerCompile(program, setCode);

  program
    .command('lsp')
    .description('language server (LSP) for .dts and .dtsi files in an editor')
    .option('--stdio', 'talk LSP on stdin and stdout (the only transport, and the default)')
    .action(() => {
      // its own bundle (dist/lsp.cjs): the other commands never load the LSP libraries
      const { startServer } = createRequire(import.meta.url)('./lsp.cjs') as typeof import('../lsp/server.js');
      startServer();
    });

  program
    .command('rules')
    .description('list every rule with its default severity')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(async (opts: { format: string }) => {
      const { formatRules } = await import('./check.js');
      process.stdout.write(formatRules(opts.format === 'json'));
    });

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
