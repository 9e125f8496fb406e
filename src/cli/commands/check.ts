// `dtmap check`: commander wiring; the run (src/cli/check.ts) loads when the command runs, so
// that `query` stays lean (worker pool and baselines are check-only; the formats' registry loads
// here, for --format's choices).
import { Option, type Command } from 'commander';
import type { CheckCommandOptions } from '../check.js';
import { collect, integerArg, kernelOption, readerOption, type SetCode } from '../options.js';
import { FORMATS } from '../../report/index.js';

export function register(program: Command, setCode: SetCode, version: string): void {
  program
    .command('check')
    .description('check every iommu-map / msi-map in DTB or DTS files, directories or globs')
    // optional for commander, required by runCheck: `--cache board.dtb` gives the file back
    .argument('[file...]', 'DTB or DTS files, directories (searched for *.dts, *.dtb) or quoted globs')
    .addOption(new Option('--format <format>', 'output format').choices(Object.keys(FORMATS)).default('pretty'))
    .addOption(kernelOption())
    .addOption(readerOption())
    .option('-o, --output <file>', 'write the report to a file (atomically); - is stdout')
    .option('--sarif <file>', 'also write the SARIF report to a file (atomically), whatever --format is')
    .option('--rule <rule=severity>', 'set a rule to off|info|warning|error (repeatable)', collect, [])
    .option('--config <file>', 'configuration file (default: .dtmaprc.json or package.json "dtmap", found upwards)')
    .option('--strict', 'warnings fail the run too')
    .option('--max-warnings <n>', 'fail when there are more than N warnings', integerArg(0))
    .option('-q, --quiet', 'report errors only')
    .option('-v, --verbose', 'also list every map entry')
    .option('--baseline <file>', 'report only findings not recorded in this baseline')
    .option(
      '--write-baseline <file>',
      "record this run's findings as a baseline (exit 0), keeping the entries of files not checked",
    )
    .option('--prune', 'with --write-baseline: drop the entries of files not checked in this run')
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
    // [dir]: the older way to name the folder, kept for scripts that use it
    .option('--cache [dir]', 'reuse the results of files whose inputs are unchanged')
    .option(
      '--cache-location <dir>',
      'folder of the --cache results (default: node_modules/.cache/dtmap, or $XDG_CACHE_HOME/dtmap)',
    )
    .action(async (files: string[], opts: CheckCommandOptions) => {
      const { runCheck } = await import('../check.js');
      setCode(await runCheck(files, opts, version));
    });
}
