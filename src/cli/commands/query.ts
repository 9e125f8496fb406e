// `dtmap query`: what each RID becomes, per host bridge (`--all`: the whole table, table.ts).
import { Option, type Command } from 'commander';
import chalk from 'chalk';
import type { Node, Tree } from '../../tree/model.js';
import { isPciBridge, parseMap, type KernelForm, type MapKind } from '../../map/map.js';
import { describedDevices, enumerate, type Described } from '../../machine/topology.js';
import { busFallbacks, type BusFallback } from '../../machine/msi-domain.js';
import { translator } from '../../map/translate.js';
import { sameOutcome } from '../../core/outcome.js';
import { kernelReader, type Reader } from '../../map/readers/index.js';
import type { LookupResult } from '../../map/map.js';
import { bdf, deviceAt, deviceLine, GAP, gapDmaAt, hex, ID_NAME, mapIommus, type GapDma } from '../../words.js';
import { InputError, loadTree } from '../../app/input.js';
import { resolveSettings, type SettingOptions } from '../../app/settings.js';
import { loadAcpi } from '../../app/acpi.js';
import { parseIdSpec, type IdSpec } from '../rid.js';
import { selectNodes } from '../nodes.js';
import { collect, kernelOption, readerOption, type SetCode } from '../options.js';

export interface QueryOptions {
  node?: string;
  map: 'iommu' | 'msi' | 'both';
  kernel: KernelForm;
  /** Readers to query (default: the kernel form's); one row per node, RID and reader. */
  readers?: readonly Reader[];
}

export interface QueryRow {
  node: Node;
  rid: number;
  reader: Reader;
  results: Partial<Record<MapKind, LookupResult>>;
  /** The described PCI device Linux puts at this RID (src/machine/topology.ts), if any. */
  device: Described | undefined;
  /** When msi-map gives the RID no domain (a gap, an error): the one it inherits from its bus
   *  (src/machine/msi-domain.ts), under the current of_msi_get_domain() and the older one. */
  msiDomain?: BusFallback;
  /** When iommu-map leaves the RID out: what its DMA meets on the map's IOMMUs (words.ts gapDma()). */
  gapDma?: GapDma;
}

export function runQuery(tree: Tree, ids: IdSpec[], opts: QueryOptions): QueryRow[] {
  const kinds: MapKind[] = opts.map === 'both' ? ['iommu', 'msi'] : [opts.map];
  const rows: QueryRow[] = [];
  for (const spec of ids)
    for (const node of selectNodes(tree, opts.node, spec.domain)) {
      const functions = isPciBridge(node) ? enumerate(node) : [];
      const devices = new Map(describedDevices(functions).map((d) => [d.rid, d] as const));
      for (const reader of opts.readers ?? [kernelReader(opts.kernel)]) {
        const lookups = kinds.map((k) => [k, translator(tree, node, k, reader)] as const);
        // the bus's MSI domain is Linux's (pci_set_msi_domain()); mainline (7.2) has only the current of_msi_get_domain()
        const linux = reader.family === 'linux';
        const inherit = (f: BusFallback): BusFallback =>
          reader.form === 'mainline' ? { ...f, domain: { current: f.domain.current, older: f.domain.current } } : f;
        const fallback =
          linux && isPciBridge(node)
            ? busFallbacks(tree, node, functions, parseMap(tree, node, 'msi', reader.form))
            : undefined;
        const iommus = mapIommus(parseMap(tree, node, 'iommu', reader.form)?.entries ?? []);
        for (let rid = spec.first; rid <= spec.last; rid++) {
          const results: QueryRow['results'] = {};
          for (const [k, look] of lookups) results[k] = look(rid);
          const msi = results.msi?.status;
          rows.push({
            node,
            rid,
            reader,
            results,
            device: devices.get(rid),
            ...(fallback && (msi === 'bypass' || msi === 'error') ? { msiDomain: inherit(fallback(rid >>> 8)) } : {}),
            ...(results.iommu?.status === 'bypass' ? { gapDma: gapDmaAt(iommus, devices.get(rid)?.node) } : {}),
          });
        }
      }
    }
  return rows;
}

/** Exit 1 when a lookup is a kernel error or an MSI RID falls in a gap. */
export function queryFails(rows: QueryRow[]): boolean {
  return rows.some(
    (r) =>
      r.results.iommu?.status === 'error' || r.results.msi?.status === 'error' || r.results.msi?.status === 'bypass',
  );
}

export function queryJson(tree: Tree, rows: QueryRow[]): string {
  const several = new Set(rows.map((r) => r.reader)).size > 1; // `reader` only then: one keeps the documented shape
  const json = rows.map((r) => {
    const o: Record<string, unknown> = {
      node: r.node.path,
      rid: r.rid,
      ...(several ? { reader: r.reader.name } : {}),
      device: r.device ? { node: r.device.node.path, regRid: r.device.written } : null,
    };
    if (r.msiDomain)
      o.msiDomain = {
        via: r.msiDomain.via,
        bridge: r.msiDomain.bridge?.node.path ?? null,
        domain: r.msiDomain.domain.current?.path ?? null,
        olderKernels: r.msiDomain.domain.older?.path ?? null,
      };
    if (r.gapDma) o.gapDma = r.gapDma;
    for (const [k, v] of Object.entries(r.results))
      o[k] = {
        status: v.status,
        mask: v.mask,
        masked: v.masked,
        target: v.target?.path ?? null,
        targetLabel: v.target ? (tree.labelOf(v.target) ?? null) : null,
        id: v.id ?? null,
        ids: v.ids,
        entry: v.entry?.index ?? null,
        errno: v.errno,
        log: v.log,
      };
    return o;
  });
  return JSON.stringify(json, null, 2) + '\n';
}

const ridText = (rid: number) => (rid <= 0xffff ? `${bdf(rid)} (${hex(rid)})` : hex(rid));
/** A PCI host bridge's input is a RID (bus:dev.fn), any other node's a plain ID (hex). */
const inputText = (node: Node) => (isPciBridge(node) ? { noun: 'RID', text: ridText } : { noun: 'ID', text: hex });

function describe(tree: Tree, row: QueryRow, kind: MapKind, first: LookupResult, last: LookupResult): string {
  const gapDmaText = row.gapDma?.dma ?? GAP.iommu.dma;
  const says = row.reader.family === 'linux' ? 'kernel: ' : `${row.reader.name}: `;
  const ids = (r: LookupResult) => r.ids.map(hex).join(' ');
  const idText = first === last ? ids(first) : `${ids(first)}-${ids(last)}`;
  const name = ID_NAME[kind];
  switch (first.status) {
    case 'no-map':
      if (row.node.prop(`${kind}-map`)) return chalk.dim(`not read by ${row.reader.name} (${row.reader.title})`);
      return chalk.dim(
        `no ${kind}-map: ID passes unchanged (${kind === 'iommu' ? 'no IOMMU from this map' : 'default MSI domain'})`,
      );
    case 'translated': {
      const label = tree.labelOf(first.target!);
      const off = first.target!.enabled
        ? ''
        : chalk.yellow(` (target disabled: ${kind === 'iommu' ? 'no IOMMU' : 'no MSI domain'})`);
      return `${chalk.green('->')} ${first.target!.path}${label ? chalk.dim(` (${label})`) : ''} ${name} ${chalk.bold(idText)}${off} ${chalk.dim(`[entry ${first.entry!.index}, masked ${hex(first.masked)}]`)}`;
    }
    case 'bypass': {
      const effect = kind === 'iommu' ? `${GAP.iommu.gets}: ${gapDmaText}` : GAP.msi.gets;
      return `${chalk.yellow('bypass')} (${effect}) ${chalk.dim(`masked ${hex(first.masked)}`)}\n${' '.repeat(15)}${chalk.dim(says + first.log)}`;
    }
    case 'error':
      return `${chalk.red('error -' + first.errno)}${first.entry ? chalk.dim(` [entry ${first.entry.index}]`) : ''}${first.log ? `\n${' '.repeat(15)}${chalk.dim(says + first.log)}` : ''}`;
  }
}

const sameFallback = (p: BusFallback | undefined, q: BusFallback | undefined) =>
  p === q ||
  (!!p &&
    !!q &&
    p.via === q.via &&
    p.bridge === q.bridge &&
    p.undescribed === q.undescribed &&
    p.domain.current === q.domain.current &&
    p.domain.older === q.domain.older);

/** What a function with no MSI domain from msi-map inherits (pci_set_msi_domain()). */
function fallbackText(f: BusFallback): string {
  const d = f.domain.current;
  const from =
    f.via === 'host'
      ? "the host bridge's msi-parent"
      : f.via === 'bridge'
        ? `its bus's bridge ${deviceAt({ node: f.bridge!.node, rid: f.bridge!.rid! })}${f.undescribed ? ' (the bus itself is not described)' : ''}`
        : 'the bridge above it, which the tree does not describe';
  const older =
    f.domain.older !== d
      ? chalk.dim(` (kernels before the October 2024 of_msi_get_domain() change: ${f.domain.older?.path ?? 'none'})`)
      : '';
  if (f.via === 'unknown') return chalk.yellow(`inherited from ${from}: unknown`);
  return d
    ? `${chalk.green('inherits')} ${d.path} from ${from}, DeviceID = RID${older}`
    : `${chalk.red('none')}: ${from} has none${older}`;
}

export function queryPretty(tree: Tree, rows: QueryRow[]): string {
  const lines: string[] = [];
  const several = new Set(rows.map((r) => r.reader)).size > 1;
  let i = 0;
  while (i < rows.length) {
    // merge consecutive RIDs of one node with the same outcome in every map
    let j = i;
    while (
      j + 1 < rows.length &&
      rows[j + 1]!.node === rows[i]!.node &&
      rows[j + 1]!.reader === rows[i]!.reader &&
      rows[j + 1]!.rid === rows[j]!.rid + 1 &&
      Object.keys(rows[i]!.results).every((k) =>
        sameOutcome(rows[i]!.results[k as MapKind]!, rows[j + 1]!.results[k as MapKind]!),
      ) &&
      sameFallback(rows[i]!.msiDomain, rows[j + 1]!.msiDomain)
    )
      j++;
    const a = rows[i]!;
    const b = rows[j]!;
    const who = several ? chalk.dim(`  (${a.reader.name})`) : '';
    const { noun, text } = inputText(a.node);
    lines.push(
      `${chalk.bold(a.node.path)}  ${noun} ${a === b ? text(a.rid) : `${text(a.rid)} - ${text(b.rid)}`}${who}`,
    );
    for (const r of rows.slice(i, j + 1))
      if (r.device)
        lines.push(
          `  ${'device'.padEnd(11)}  ${deviceLine(r.device, { renumbered: chalk.yellow, disabled: chalk.dim })}`,
        );
    for (const k of Object.keys(a.results) as MapKind[])
      lines.push(`  ${(k + '-map').padEnd(11)}  ${describe(tree, a, k, a.results[k]!, b.results[k]!)}`);
    if (a.msiDomain) lines.push(`  ${'msi domain'.padEnd(11)}  ${fallbackText(a.msiDomain)}`);
    i = j + 1;
  }
  return lines.join('\n') + '\n';
}

export interface QueryCommandOptions extends SettingOptions {
  all?: boolean;
  format: 'pretty' | 'json';
  node?: string;
  map: 'iommu' | 'msi' | 'both';
}

export function register(program: Command, setCode: SetCode): void {
  program
    .command('query')
    .description('what the kernel makes of one RID (or a range) on a host bridge')
    .argument('<file>', 'DTB or DTS file, or an ACPI IORT/VIOT (raw, acpidump text, iasl .dsl, a tables directory)')
    .argument('[rid...]', 'RID: 0x100, 256, bb:dd.f, dddd:bb:dd.f (dddd: PCI domain or ACPI segment), or a range A-B')
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
    .action(async (file: string, rids: string[], opts: QueryCommandOptions) => {
      if (opts.all && rids.length) throw new InputError('query: give RIDs or --all, not both');
      if (!opts.all && !rids.length) throw new InputError('query: give one or more RIDs, or --all');
      const settings = resolveSettings(opts);
      const acpi = loadAcpi(file);
      if (acpi && opts.all) {
        const { acpiTable } = await import('./query-acpi.js');
        process.stdout.write(acpiTable(acpi, opts.map, opts.format));
        setCode(0);
        return;
      }
      if (opts.all) {
        const { runTable } = await import('./table.js');
        const tree = await loadTree(file, settings);
        setCode(
          runTable(tree, {
            node: opts.node,
            map: opts.map,
            format: opts.format,
            kernel: settings.kernel,
            readers: settings.readers,
          }),
        );
        return;
      }
      const specs = rids.map(parseIdSpec);
      if (acpi) {
        const { runAcpiQuery, acpiQueryJson, acpiQueryPretty, acpiQueryFails } = await import('./query-acpi.js');
        const rows = runAcpiQuery(acpi, specs, opts.map);
        process.stdout.write(opts.format === 'json' ? acpiQueryJson(rows) : acpiQueryPretty(rows));
        setCode(acpiQueryFails(rows) ? 1 : 0);
        return;
      }
      const tree = await loadTree(file, settings);
      const rows = runQuery(tree, specs, {
        node: opts.node,
        map: opts.map,
        kernel: settings.kernel,
        readers: settings.readers,
      });
      process.stdout.write(opts.format === 'json' ? queryJson(tree, rows) : queryPretty(tree, rows));
      setCode(queryFails(rows) ? 1 : 0);
    });
}
