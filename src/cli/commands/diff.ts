// `dtmap diff OLD NEW`: which RIDs translate differently between two trees. Commander wiring
// and the two formats; the comparison is src/map/diff.ts.
import { Option, type Command } from 'commander';
import chalk from 'chalk';
import type { MapKind } from '../../map/map.js';
import type { Outcome, RangeChange, TreeDiff } from '../../map/diff.js';
import { GAP, ID_NAME, idRange } from '../../words.js';
import { inputRange } from '../../view/legend.js';
import { loadTree } from '../../app/input.js';
import { loadAcpi } from '../../app/acpi.js';
import { linuxForm } from '../../app/readers.js';
import { resolveSettings, type SettingOptions, type Settings } from '../../app/settings.js';
import { inputOptions, kernelOption, readerOption, type SetCode } from '../options.js';
import { readerTitle } from '../../map/readers/index.js';

export function describeOutcome(o: Outcome, map: MapKind): string {
  const ids = o.idFirst !== null && o.idLast !== null ? idRange(o.idFirst, o.idLast) : '';
  switch (o.status) {
    case 'translated':
      return `-> ${o.target} ${ids ? `${ID_NAME[map]} ${ids}` : '(no output cell)'}`;
    case 'bypass':
      return map === 'iommu' ? `gap: bypass (${GAP.iommu.gets}, ${GAP.iommu.dma})` : `gap: ${GAP.msi.gets}`;
    case 'error':
      return `kernel error -${o.errno}`;
    case 'no-map':
      return map === 'iommu'
        ? 'no iommu-map: no IOMMU (ID passes unchanged)'
        : 'no msi-map: default MSI domain, DeviceID = RID';
    case 'outside':
      return 'outside bus-range';
  }
}

const CHANGE: Record<RangeChange['change'], string> = {
  status: 'outcome changed',
  target: 'target changed',
  id: 'IDs changed',
};

export function diffPretty(d: TreeDiff, oldName: string, newName: string): string {
  const head = `${oldName} -> ${newName}  (${readerTitle(d.reader)})`;
  const lines: string[] =
    head.length <= 80
      ? [`${chalk.bold(oldName)} -> ${chalk.bold(newName)}${chalk.dim(`  (${readerTitle(d.reader)})`)}`]
      : [chalk.bold(oldName), `-> ${chalk.bold(newName)}`, chalk.dim(`(${readerTitle(d.reader)})`)];
  for (const p of d.onlyOld) lines.push(`${chalk.red('only in old')}  ${p}`);
  for (const p of d.onlyNew) lines.push(`${chalk.green('only in new')}  ${p}`);
  for (const n of d.nodes) {
    const range = (r: [number, number]) => r.map((b) => b.toString(16).padStart(2, '0')).join('-');
    const br =
      n.busRange.old.join() === n.busRange.new.join()
        ? `bus ${range(n.busRange.old)}`
        : `bus-range ${range(n.busRange.old)} -> ${range(n.busRange.new)}`;
    lines.push(`${chalk.bold(n.node)}  ${chalk.dim(br)}`);
    for (const map of ['iommu', 'msi'] as const) {
      const list = n.changes.filter((c) => c.map === map);
      if (!list.length) {
        lines.push(chalk.dim(`  ${(map + '-map').padEnd(9)}  unchanged`));
        continue;
      }
      for (const c of list) {
        const count = c.last - c.first + 1;
        lines.push(
          `  ${(map + '-map').padEnd(9)}  ${chalk.bold(inputRange(n.pci, [c.first, c.last]))}  ${chalk.yellow(CHANGE[c.change])}${chalk.dim(` (${count} ${n.pci ? 'RID' : 'ID'}${count === 1 ? '' : 's'})`)}`,
        );
        lines.push(`      ${chalk.red('old')}  ${describeOutcome(c.old, map)}`);
        lines.push(`      ${chalk.green('new')}  ${describeOutcome(c.new, map)}`);
      }
    }
  }
  const ranges = d.nodes.reduce((k, n) => k + n.changes.length, 0);
  const changedNodes = d.nodes.filter((n) => n.changes.length).length;
  const only = d.onlyOld.length + d.onlyNew.length;
  lines.push(
    d.changed
      ? `${chalk.yellow('~')} ${ranges} changed range${ranges === 1 ? '' : 's'} on ${changedNodes} of ${d.nodes.length} node${d.nodes.length === 1 ? '' : 's'}${only ? `, ${only} node${only === 1 ? '' : 's'} in one tree only` : ''}`
      : `${chalk.green('=')} no change: ${d.nodes.length} node${d.nodes.length === 1 ? '' : 's'} ${d.nodes.length === 1 ? 'translates' : 'translate'} every RID the same way`,
  );
  return lines.join('\n') + '\n';
}

export function diffJson(d: TreeDiff, oldName: string, newName: string): string {
  const json = {
    version: 1,
    old: oldName,
    new: newName,
    kernel: d.form,
    reader: d.reader,
    changed: d.changed,
    onlyOld: d.onlyOld,
    onlyNew: d.onlyNew,
    nodes: d.nodes.map((n) => ({
      node: n.node,
      busRange: n.busRange,
      changes: n.changes.map((c) => ({
        map: `${c.map}-map`,
        first: c.first,
        last: c.last,
        change: c.change,
        old: c.old,
        new: c.new,
      })),
    })),
  };
  return JSON.stringify(json, null, 2) + '\n';
}

export interface DiffOptions extends SettingOptions {
  format: 'pretty' | 'json';
  failOnChange?: boolean;
}

export async function runDiff(
  oldFile: string,
  newFile: string,
  opts: DiffOptions,
  settings: Settings,
): Promise<number> {
  const { readers } = settings;
  // linuxForm() without the configuration's kernel (not settings.kernel), as map does
  const form = linuxForm(readers);
  const [acpiOld, acpiNew] = [loadAcpi(oldFile), loadAcpi(newFile)];
  let diffs: TreeDiff[];
  if (acpiOld || acpiNew) {
    const { diffAcpi, diffFirmware } = await import('../../machine/firmware-diff.js');
    // a devicetree against ACPI tables: the devicetree is always the old side
    if (acpiOld && acpiNew) diffs = [diffAcpi(acpiOld, acpiNew)];
    else {
      const tree = await loadTree(acpiOld ? newFile : oldFile, settings);
      diffs = readers.map((r) => diffFirmware(tree, (acpiOld ?? acpiNew)!, form, r));
      if (acpiOld) [oldFile, newFile] = [newFile, oldFile];
    }
  } else {
    const [a, b] = [await loadTree(oldFile, settings), await loadTree(newFile, settings)];
    const { diffTrees } = await import('../../map/diff.js');
    diffs = readers.map((r) => diffTrees(a, b, form, r));
  }
  // one reader: one diff (the JSON object); several: one each (a JSON array)
  const json = diffs.map((d) => diffJson(d, oldFile, newFile));
  process.stdout.write(
    opts.format === 'json'
      ? json.length === 1
        ? json[0]!
        : `[\n${json.map((j) => j.trimEnd()).join(',\n')}\n]\n`
      : diffs.map((d) => diffPretty(d, oldFile, newFile)).join('\n'),
  );
  return opts.failOnChange && diffs.some((d) => d.changed) ? 1 : 0;
}

export function register(program: Command, setCode: SetCode): void {
  const command = program
    .command('diff')
    .description('which RIDs translate differently between two trees (target, output ID or outcome)')
    .argument('<old>', 'DTB or DTS file (or ACPI IORT/VIOT): before')
    .argument('<new>', "DTB or DTS file, or the same machine's ACPI IORT/VIOT: after")
    .addOption(kernelOption())
    .addOption(readerOption())
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--fail-on-change', 'exit 1 when anything changed');
  inputOptions(command).action(async (oldFile: string, newFile: string, opts: DiffOptions) => {
    setCode(await runDiff(oldFile, newFile, opts, resolveSettings(opts)));
  });
}
