// `dtmap query --all`: the whole translation table of a node (or of every node with a map) as
// compact ranges, pretty or JSON. Called by the query command when --all is given.
import chalk from 'chalk';
import type { Tree } from '../../tree/model.js';
import { busRange, isPciBridge, MAP_KINDS, NAMES, type KernelForm, type MapKind } from '../../map/map.js';
import { GAP, hex, idRange } from '../../words.js';
import { inputRange } from '../../view/legend.js';
import { translationTable, type TableRow } from '../../view/table.js';
import { mapNode } from '../nodes.js';
import { kernelReader, type Reader } from '../../map/readers/index.js';

export interface TableOptions {
  /** One node (path or label); default every node with a map. */
  node?: string;
  kernel: KernelForm;
  /** Readers (`--reader`): one table each; default the kernel form's. */
  readers?: readonly Reader[];
  format: 'pretty' | 'json';
  /** Which maps (query's --map); default both. */
  map?: 'iommu' | 'msi' | 'both';
}

/** Rows for the options: the node must carry a map (InputError otherwise). */
export function tableRows(tree: Tree, opts: TableOptions): TableRow[] {
  const only = mapNode(tree, opts.node);
  const kinds: readonly MapKind[] = !opts.map || opts.map === 'both' ? MAP_KINDS : [opts.map];
  return (opts.readers ?? [kernelReader(opts.kernel)]).flatMap((reader) =>
    translationTable(tree, opts.kernel, only ? [only] : undefined, kinds, reader),
  );
}

export function tableJson(rows: TableRow[]): string {
  // `reader` only when several were asked for: one reader keeps the documented shape
  const several = new Set(rows.map((r) => r.reader)).size > 1;
  const json = rows.map((r) => ({
    node: r.node.path,
    ...(several ? { reader: r.reader } : {}),
    map: NAMES[r.map].map,
    first: r.first,
    last: r.last,
    status: r.status,
    target: r.target?.path ?? null,
    idFirst: r.idFirst,
    idLast: r.idLast,
    entry: r.entry,
    errno: r.errno,
  }));
  return JSON.stringify(json, null, 2) + '\n';
}

function outcome(r: TableRow): string {
  const entry = r.entry !== null ? chalk.dim(` [entry ${r.entry}]`) : '';
  switch (r.status) {
    case 'translated': {
      const ids =
        r.idFirst !== null && r.idLast !== null
          ? ` id ${chalk.bold(idRange(r.idFirst, r.idLast))}`
          : ' (no output cell)';
      const notes = [
        r.target!.enabled ? '' : chalk.yellow(' (target disabled: untranslated)'),
        r.folded ? chalk.dim(` (folded by mask ${hex(r.mask)})`) : '',
      ].join('');
      return `${chalk.green('->')} ${r.target!.path}${ids}${notes}${entry}`;
    }
    case 'bypass':
      return r.map === 'iommu'
        ? chalk.cyan(`gap: bypass, ${GAP.iommu.gets} (${GAP.iommu.dma})`)
        : chalk.red.bold(`gap: ${GAP.msi.gets}`);
    case 'error':
      return `${chalk.red.bold(`error -${r.errno}`)}${entry}`;
    case 'no-map':
      if (r.node.prop(NAMES[r.map].map)) return chalk.dim(`not read by ${r.reader}`);
      return chalk.dim(
        r.map === 'iommu'
          ? 'no iommu-map: no IOMMU (ID passes unchanged)'
          : `no msi-map: default MSI domain, DeviceID = ${isPciBridge(r.node) ? 'RID' : 'ID'}`,
      );
  }
}

export function tablePretty(rows: TableRow[]): string {
  const lines: string[] = [];
  const several = new Set(rows.map((r) => r.reader)).size > 1;
  let i = 0;
  while (i < rows.length) {
    const node = rows[i]!.node;
    const reader = rows[i]!.reader;
    let j = i;
    while (j < rows.length && rows[j]!.node === node && rows[j]!.reader === reader) j++;
    const mine = rows.slice(i, j);
    const pci = isPciBridge(node);
    const width = Math.max(...mine.map((r) => inputRange(pci, [r.first, r.last]).length));
    const bus = pci
      ? `bus ${busRange(node)
          .map((b) => b.toString(16).padStart(2, '0'))
          .join('-')}`
      : 'not a PCI host bridge: IDs 0x0-0xffff';
    const who = several ? chalk.dim(`  (${reader})`) : '';
    lines.push(
      `${chalk.bold(node.path)}${chalk.dim('  ' + bus)}${node.enabled ? '' : chalk.dim(' (node disabled)')}${who}`,
    );
    for (const kind of MAP_KINDS) {
      const list = mine.filter((r) => r.map === kind);
      if (!list.length) continue;
      lines.push(`  ${NAMES[kind].map}`);
      for (const r of list) lines.push(`    ${inputRange(pci, [r.first, r.last]).padEnd(width)}  ${outcome(r)}`);
    }
    i = j;
  }
  return lines.join('\n') + '\n';
}

/** Exit code as for query: 1 when some range is a kernel error or an msi-map gap, else 0. */
export function tableFails(rows: TableRow[]): boolean {
  return rows.some((r) => r.status === 'error' || (r.map === 'msi' && r.status === 'bypass'));
}

/** `query --all`: writes the table to standard output and returns the exit code. */
export function runTable(tree: Tree, opts: TableOptions): number {
  const rows = tableRows(tree, opts);
  process.stdout.write(opts.format === 'json' ? tableJson(rows) : tablePretty(rows));
  return tableFails(rows) ? 1 : 0;
}
