// `dtmap map`: a picture of each host bridge's RID space (text, SVG or HTML). Commander wiring
// only; the writers live in src/view and load when the command runs.
import { Option, type Command } from 'commander';
import chalk from 'chalk';
import type { Tree } from '../../tree/model.js';
import { InputError, loadTree } from '../../app/input.js';
import { loadAcpi } from '../../app/acpi.js';
import type { AcpiMachine } from '../../acpi/machine.js';
import { linuxForm } from '../../app/readers.js';
import { resolveSettings, type SettingOptions, type Settings } from '../../app/settings.js';
import { mapNode } from '../nodes.js';
import { checkOutputs, writeAtomic } from '../output.js';
import { inputOptions, integerArg, kernelOption, readerOption, type SetCode } from '../options.js';

export interface MapOptions extends SettingOptions {
  node?: string;
  format: 'text' | 'svg' | 'html';
  width: number;
  output?: string;
}

/** The picture of ACPI input: text or SVG (the HTML page's table is the devicetree's). */
async function runAcpiMap(m: AcpiMachine, opts: MapOptions): Promise<number> {
  if (opts.output) checkOutputs([{ option: '-o', file: opts.output }], [m.file]);
  if (opts.format === 'html') throw new InputError('map --format html: ACPI input draws as text or svg');
  const picture = (await import('../../view/acpi.js')).acpiPicture(m);
  const out =
    opts.format === 'svg'
      ? (await import('../../view/svg.js')).formatSvg(picture)
      : plainIf(!!opts.output, async () =>
          (await import('../../view/text.js')).formatText(picture, { width: opts.width }),
        );
  if (opts.output) writeAtomic(opts.output, await out);
  else process.stdout.write(await out);
  return 0;
}

/** Runs `f` without escape codes when `plain` (a file gets none). */
async function plainIf(plain: boolean, f: () => Promise<string>): Promise<string> {
  const level = chalk.level;
  if (plain) chalk.level = 0;
  try {
    return await f();
  } finally {
    chalk.level = level;
  }
}

export async function runMap(tree: Tree, opts: MapOptions, settings: Settings): Promise<number> {
  if (opts.output) {
    const config = settings.config.source; // its include paths and defines read the tree
    checkOutputs([{ option: '-o', file: opts.output }], [...tree.files, ...(config ? [config] : [])]);
  }
  const only = mapNode(tree, opts.node);
  const { buildPicture } = await import('../../view/model.js');
  const { readers } = settings;
  if (readers.length > 1 && opts.format !== 'text')
    throw new InputError(`map --format ${opts.format}: give one reader (${readers.length} selected)`);
  // linuxForm() without the configuration's kernel (not settings.kernel): non-Linux readers draw classic, as ever
  const pictures = readers.map((r) => buildPicture(tree, linuxForm(readers), only, r));
  let out: string;
  if (opts.format === 'svg') out = (await import('../../view/svg.js')).formatSvg(pictures[0]!);
  else if (opts.format === 'html') out = (await import('../../view/html.js')).formatHtml(pictures[0]!, tree);
  else {
    const { formatText } = await import('../../view/text.js');
    out = await plainIf(!!opts.output, async () =>
      pictures.map((p) => formatText(p, { width: opts.width })).join('\n'),
    );
  }
  if (opts.output) writeAtomic(opts.output, out);
  else process.stdout.write(out);
  return 0;
}

export function register(program: Command, setCode: SetCode): void {
  const command = program
    .command('map')
    .description("draw each host bridge's RID space: which target every RID reaches, gaps, described devices")
    .argument('<file>', 'DTB or DTS file, or an ACPI IORT/VIOT')
    .option('--node <path|label>', 'only this node (default: every node with a map)')
    .addOption(kernelOption())
    .addOption(readerOption())
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'svg', 'html']).default('text'))
    .option('--width <columns>', 'text width in columns, 31 to 1000', integerArg(31, 1000), 80)
    .option('-o, --output <file>', 'write to FILE (atomically) instead of standard output');
  inputOptions(command).action(async (file: string, opts: MapOptions) => {
    const settings = resolveSettings(opts);
    const acpi = loadAcpi(file);
    setCode(acpi ? await runAcpiMap(acpi, opts) : await runMap(await loadTree(file, settings), opts, settings));
  });
}
