// `dtmap map`: a picture of each host bridge's RID space (text, SVG or HTML). Commander wiring
// only; the writers live in src/view and load when the command runs.
import { Option, type Command } from 'commander';
import chalk from 'chalk';
import type { Node, Tree } from '../../tree/model.js';
import { mapNodes, type KernelForm } from '../../map/map.js';
import { InputError } from '../input.js';
import { selectNodes } from '../query.js';
import { checkOutputs, writeAtomic } from '../output.js';
import { integerArg } from '../options.js';
import { linuxForm, readerOption, selectedReaders } from '../readers.js';
import type { Reader } from '../../map/readers/index.js';

/** Reads a DTB or DTS file into a tree (the CLI's loadTree); throws InputError on bad input. */
export type Load = (file: string) => Promise<Tree>;
/** Sets the process exit code the CLI returns (0 clean, 1 a finding, 2 bad input). */
export type SetCode = (code: number) => void;

export const kernelOption = () =>
  new Option('--kernel <form>', 'kernel form: classic (Linux 5.3-7.1, the default) or mainline (7.2+)').choices([
    'classic',
    'mainline',
  ]);

/** `--node PATH|LABEL`: the node, which must carry a map; undefined when not given. */
export function mapNode(tree: Tree, ref: string | undefined): Node | undefined {
  if (ref === undefined) return undefined;
  const [node] = selectNodes(tree, ref, undefined);
  if (!mapNodes(tree).includes(node!))
    throw new InputError(`${tree.source}: --node ${ref}: ${node!.path} carries no iommu-map or msi-map`);
  return node;
}

/** `--kernel` / `--reader`, else the config file's `kernel` (.dtmaprc.json or package.json, found upwards), else linux-classic. */
export async function commandReaders(reader: string | undefined, kernel: KernelForm | undefined): Promise<Reader[]> {
  if (reader !== undefined || kernel !== undefined) return selectedReaders(reader, kernel);
  const { loadConfig } = await import('../config.js');
  return selectedReaders(undefined, undefined, loadConfig(undefined).kernel);
}

export interface MapOptions {
  node?: string;
  kernel?: KernelForm;
  reader?: string;
  format: 'text' | 'svg' | 'html';
  width: number;
  output?: string;
}

export async function runMap(tree: Tree, opts: MapOptions): Promise<number> {
  if (opts.output) {
    const { loadConfig } = await import('../config.js');
    const config = loadConfig(undefined).source; // its include paths and defines read the tree
    checkOutputs([{ option: '-o', file: opts.output }], [...tree.files, ...(config ? [config] : [])]);
  }
  const only = mapNode(tree, opts.node);
  const { buildPicture } = await import('../../view/model.js');
  const readers = await commandReaders(opts.reader, opts.kernel);
  if (readers.length > 1 && opts.format !== 'text')
    throw new InputError(`map --format ${opts.format}: give one reader (${readers.length} selected)`);
  const pictures = readers.map((r) => buildPicture(tree, linuxForm(readers), only, r));
  let out: string;
  if (opts.format === 'svg') out = (await import('../../view/svg.js')).formatSvg(pictures[0]!);
  else if (opts.format === 'html') out = (await import('../../view/html.js')).formatHtml(pictures[0]!, tree);
  else {
    const { formatText } = await import('../../view/text.js');
    const level = chalk.level;
    if (opts.output) chalk.level = 0; // a file gets no escape codes
    try {
      out = pictures.map((p) => formatText(p, { width: opts.width })).join('\n');
    } finally {
      chalk.level = level;
    }
  }
  if (opts.output) writeAtomic(opts.output, out);
  else process.stdout.write(out);
  return 0;
}

export function register(program: Command, load: Load, setCode: SetCode): void {
  program
    .command('map')
    .description("draw each host bridge's RID space: which target every RID reaches, gaps, described devices")
    .argument('<file>', 'DTB or DTS file')
    .option('--node <path|label>', 'only this node (default: every node with a map)')
    .addOption(kernelOption())
    .addOption(readerOption())
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'svg', 'html']).default('text'))
    .option('--width <columns>', 'text width in columns, 31 to 1000', integerArg(31, 1000), 80)
    .option('-o, --output <file>', 'write to FILE (atomically) instead of standard output')
    .action(async (file: string, opts: MapOptions) => {
      setCode(await runMap(await load(file), opts));
    });
}
