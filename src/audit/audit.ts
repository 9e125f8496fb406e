// `dtmap audit`: for every PCI function of a snapshot (snapshot.ts), what the firmware
// description gives its RID (the rows that apply, the StreamID and the DeviceID) next to what
// the kernel shows (iommu group and its type, MSI vectors), and a verdict on the two.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readDtb } from '../dtb/read.js';
import { readLiveTree } from '../live/read.js';
import type { Node, Tree } from '../tree/model.js';
import { isPciBridge, parseMap, type KernelForm, type LookupResult, type MapEntry, type MapKind } from '../map/map.js';
import { translator } from '../map/translate.js';
import { hostMsiDomain } from '../machine/msi-domain.js';
import { readAcpiInput } from '../acpi/source.js';
import { acpiLookup, buildAcpiMachine, type AcpiLookup, type AcpiMachine } from '../acpi/machine.js';
import type { Iort, Viot, AcpiTable } from '../acpi/model.js';
import { nodeName } from '../acpi/tables.js';
import { SourceError } from '../errors.js';
import { GAP, gapDma, hex, ID_NAME, mapIommus } from '../words.js';
import { blobBytes, SnapshotError, type PciSnapshot, type Snapshot } from './snapshot.js';

export type VerdictKind = 'isolated' | 'no-iommu' | 'no-msi-domain' | 'not-explained' | 'no-driver';
export type Severity = 'error' | 'warning' | 'info';

export interface Verdict {
  kind: VerdictKind;
  severity: Severity;
  /** Why, in words. */
  text: string;
}

/** What the description gives one kind of ID of a RID. */
export interface Given {
  status: 'translated' | 'bypass' | 'error' | 'no-map';
  /** The rows that apply, as written (map entries, IORT mappings on the way). */
  rows: string[];
  target: string | null;
  id: number | null;
  errno: string | null;
  /** iommu: an IOMMU takes the ID; msi: the function has an MSI domain. */
  gives: boolean;
  /** msi: the MSI domain, and where it comes from when the map gives none. */
  domain?: string | null;
  inherited?: string | null;
  /** In words: what the description gives. */
  words: string;
  /** When it gives none: why (no map, a gap, an error, the IOMMU itself). */
  cause?: string;
  /** iommu: what a function's DMA does when Linux gives it no IOMMU (gapDma(): per IOMMU). */
  dma?: string;
}

/** What a function gets where there is no description of it: `why`. */
const nothingGiven = (kind: MapKind, why: string): Given => ({
  status: 'no-map',
  rows: [],
  target: null,
  id: null,
  errno: null,
  gives: false,
  words: why,
  ...(kind === 'msi' ? { domain: null, inherited: null } : {}),
});

export interface FunctionAudit {
  name: string;
  segment: number;
  bus: number;
  devfn: number;
  rid: number;
  class: string | null;
  vendor: string | null;
  device: string | null;
  driver: string | null;
  /** The node the RID starts from: the host bridge's path, the IORT root complex, the VIOT. */
  from: string | null;
  iommu: Given;
  msi: Given;
  kernel: { group: string | null; groupType: string | null; msiIrqs: number };
  verdicts: Verdict[];
}

export interface AuditReport {
  /** 'devicetree', 'acpi', or 'none' when nothing was found to read. */
  description: 'devicetree' | 'acpi' | 'none';
  kernel: string | null;
  notes: string[];
  functions: FunctionAudit[];
}

export interface AuditOptions {
  /** The snapshot as named (for messages). */
  file: string;
  kernelForm?: KernelForm;
}

const DMA_TYPES = new Set(['DMA', 'DMA-FQ']);

function parseName(name: string): { segment: number; bus: number; devfn: number; rid: number } {
  const [seg, bus, rest] = name.split(':') as [string, string, string];
  const [dev, fn] = rest.split('.') as [string, string];
  const b = parseInt(bus, 16);
  const devfn = (parseInt(dev, 16) << 3) | parseInt(fn, 10);
  return { segment: parseInt(seg, 16), bus: b, devfn, rid: (b << 8) | devfn };
}

/** The description of a snapshot: a tree, an ACPI machine, or neither. */
type Description =
  { kind: 'devicetree'; tree: Tree } | { kind: 'acpi'; machine: AcpiMachine } | { kind: 'none'; why: string };

function liveTreeOf(files: Record<string, { base64?: string; hex?: string }>, file: string): Tree {
  const dir = mkdtempSync(join(tmpdir(), 'dtmap-audit-'));
  try {
    for (const [path, b] of Object.entries(files)) {
      if (path.split('/').some((p) => p === '..' || p === ''))
        throw new SnapshotError(file, `deviceTree path "${path}" leaves the tree`);
      const to = join(dir, 'base', path);
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, blobBytes(b));
    }
    return readLiveTree(join(dir, 'base'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describe(s: Snapshot, file: string): Description {
  try {
    if (s.acpi) {
      const tables: AcpiTable[] = [];
      for (const [name, b] of Object.entries(s.tables)) tables.push(...readAcpiInput(`${file}:${name}`, blobBytes(b)));
      const iort = tables.find((t): t is Iort => t.signature === 'IORT');
      const viot = tables.find((t): t is Viot => t.signature === 'VIOT');
      if (!iort && !viot) return { kind: 'none', why: 'an ACPI machine with neither an IORT nor a VIOT' };
      return { kind: 'acpi', machine: buildAcpiMachine(file, iort, viot) };
    }
    if (s.fdt) return { kind: 'devicetree', tree: readDtb(blobBytes(s.fdt), `${file}:/sys/firmware/fdt`) };
    if (s.deviceTree) return { kind: 'devicetree', tree: liveTreeOf(s.deviceTree, file) };
  } catch (e) {
    if (e instanceof SourceError && !(e instanceof SnapshotError)) throw new SnapshotError(file, e.message, true);
    throw e;
  }
  return { kind: 'none', why: 'no /sys/firmware/fdt, /proc/device-tree or ACPI tables' };
}

/** The PCI host bridges of a tree in the order Linux numbers their domains when none has
 *  linux,pci-domain (of_get_pci_domain_nr(), else pci_bus_find_domain_nr() in probe order). */
function hostBridges(tree: Tree): Map<number, Node> {
  const hosts: Node[] = [];
  const walk = (n: Node) => {
    for (const c of n.children) {
      if (isPciBridge(c) && !isPciBridge(n)) {
        if (c.enabled) hosts.push(c);
      } else walk(c);
    }
  };
  walk(tree.root);
  const out = new Map<number, Node>();
  let next = 0;
  for (const h of hosts) {
    const d = h.prop('linux,pci-domain')?.u32(0);
    out.set(d ?? next++, h);
  }
  return out;
}

const isIommu = (n: Node | undefined) => !!n && n.prop('#iommu-cells') !== undefined;
const isMsiController = (n: Node | undefined) => !!n && n.prop('msi-controller') !== undefined;

function entryText(tree: Tree, kind: MapKind, e: MapEntry): string {
  const t = e.target ? (tree.labelOf(e.target) ? `&${tree.labelOf(e.target)}` : e.target.path) : hex(e.phandle);
  return `${kind}-map entry ${e.index}: <${hex(e.ridBase)} ${t} ${e.out.map(hex).join(' ')} ${hex(e.length)}>`;
}

function dtGiven(tree: Tree, kind: MapKind, r: LookupResult): Omit<Given, 'gives' | 'words'> {
  return {
    status: r.status,
    rows: r.entry ? [entryText(tree, kind, r.entry)] : [],
    target: r.target?.path ?? null,
    id: r.status === 'translated' ? (r.id ?? null) : null,
    errno: r.errno ?? null,
  };
}

/** Why a map gives a RID nothing: no map, a gap, an error. */
function gapWords(kind: MapKind, r: { status: string; errno?: string | null }): string {
  if (r.status === 'no-map') return `no ${kind}-map`;
  if (r.status === 'bypass') return `no ${kind}-map row covers it`;
  return `the ${kind}-map lookup fails (-${r.errno ?? 'error'})`;
}

/** One function on a devicetree machine: of_map_id() through the host bridge's maps. */
function dtFunction(
  tree: Tree,
  hosts: Map<number, Node>,
  form: KernelForm,
  f: PciSnapshot,
  msiDomainOf: (f: PciSnapshot) => Node | undefined,
): Pick<FunctionAudit, 'from' | 'iommu' | 'msi'> {
  const { segment, rid } = parseName(f.name);
  const host = hosts.get(segment);
  if (!host) {
    const none = (kind: MapKind) => nothingGiven(kind, `no host bridge for PCI domain ${segment} in the description`);
    return { from: null, iommu: none('iommu'), msi: none('msi') };
  }
  const io = translator(tree, host, 'iommu', form)(rid);
  const iommu = dtGiven(tree, 'iommu', io);
  const iommuGives = io.status === 'translated' && isIommu(io.target) && io.target.enabled;
  const iommuWords =
    io.status === 'translated'
      ? `${ID_NAME.iommu} ${hex(io.id!)} on ${io.target.path}${iommuGives ? '' : io.target.enabled ? ' (not an IOMMU)' : ' (disabled)'}`
      : `${gapWords('iommu', io)}: ${GAP.iommu.gets}`;
  const iommuCause = iommuGives ? undefined : io.status === 'translated' ? iommuWords : gapWords('iommu', io);
  const ms = translator(tree, host, 'msi', form)(rid);
  const own = ms.status === 'translated' && isMsiController(ms.target) ? ms.target : undefined;
  const domain = msiDomainOf(f);
  const msi: Given = {
    ...dtGiven(tree, 'msi', ms),
    gives: domain !== undefined,
    domain: domain?.path ?? null,
    inherited: own ? null : f.parent ? `the bridge ${f.parent}` : "the host bridge's msi-parent",
    words: '',
  };
  msi.words = own
    ? `${ID_NAME.msi} ${hex(ms.id!)} on ${own.path}`
    : `${ms.status === 'translated' ? `${ID_NAME.msi} ${hex(ms.id!)} on ${ms.target!.path} (not an MSI controller)` : gapWords('msi', ms)}, ${domain ? `inherits ${domain.path} from ${msi.inherited}, ${ID_NAME.msi} = RID ${hex(rid)}` : `nothing to inherit from ${msi.inherited}`}`;
  // what its DMA does without an IOMMU: as the IOMMUs the map names decide (words.ts gapDma())
  const dma = gapDma(mapIommus(parseMap(tree, host, 'iommu', form)?.entries ?? [])).dma;
  return {
    from: host.path,
    iommu: { ...iommu, gives: iommuGives, words: iommuWords, dma, ...(iommuCause ? { cause: iommuCause } : {}) },
    msi,
  };
}

/** pci_set_msi_domain(): the first msi-map row's controller, else the bus's domain
 *  (pci_set_bus_msi_domain(): the bridge above, up to the host bridge's msi-parent). */
function dtMsiDomains(
  tree: Tree,
  hosts: Map<number, Node>,
  form: KernelForm,
  functions: readonly PciSnapshot[],
): (f: PciSnapshot) => Node | undefined {
  const byName = new Map(functions.map((f) => [f.name, f] as const));
  const memo = new Map<string, Node | undefined>();
  const of = (f: PciSnapshot, depth: number): Node | undefined => {
    if (memo.has(f.name)) return memo.get(f.name);
    const { segment, rid } = parseName(f.name);
    const host = hosts.get(segment);
    let d: Node | undefined;
    if (host) {
      const r = translator(tree, host, 'msi', form)(rid);
      if (r.status === 'translated' && isMsiController(r.target)) d = r.target;
      else {
        const parent = f.parent ? byName.get(f.parent) : undefined;
        // the current of_msi_get_domain() (phandle + #msi-cells arguments), as Debian's 6.1 and 6.12 read it
        d = parent && depth < 64 ? of(parent, depth + 1) : f.parent ? undefined : hostMsiDomain(tree, host, 'current');
      }
    }
    memo.set(f.name, d);
    return d;
  };
  return (f) => of(f, 0);
}

function acpiGiven(kind: 'iommu' | 'msi', r: AcpiLookup): Omit<Given, 'gives' | 'words'> {
  const rows = [
    ...r.via.map((h) => `${nodeName(h.target)} ${hex(h.idFirst)}`),
    ...(r.status === 'translated' ? [`${nodeName(r.target)} ${hex(r.id!)}`] : []),
  ];
  return {
    status: r.status,
    rows: rows.length ? [`${kind === 'iommu' ? 'StreamID' : 'DeviceID'} walk: ${rows.join(' -> ')}`] : [],
    target: r.target ? nodeName(r.target) : null,
    id: r.status === 'translated' ? (r.id ?? null) : null,
    errno: r.errno ?? null,
  };
}

function acpiFunction(m: AcpiMachine, f: PciSnapshot): Pick<FunctionAudit, 'from' | 'iommu' | 'msi'> {
  const { segment, rid } = parseName(f.name);
  const seg = m.segments.find((s) => s.segment === segment);
  const from = seg?.rootComplex ? nodeName(seg.rootComplex) : seg ? 'VIOT' : null;
  const io = acpiLookup(m, segment, rid, 'iommu');
  const iommu = acpiGiven('iommu', io);
  let gives = io.status === 'translated';
  let cause: string | undefined =
    io.status === 'translated'
      ? undefined
      : io.status === 'no-map'
        ? 'no IORT/VIOT path for the segment'
        : io.status === 'bypass'
          ? 'no SMMU on its IORT path'
          : `the lookup fails (-${io.errno})`;
  // viot_dev_iommu_init(): the virtio-iommu does not translate its own DMA
  const self = m.viot?.nodes.find((n) => n.virtioPci && n.virtioPci.segment === segment && n.virtioPci.bdf === rid);
  if (self) {
    gives = false;
    cause = `the virtio-iommu itself (${nodeName(self)})`;
  }
  const words = cause ? `${cause}: ${GAP.iommu.gets}` : `${ID_NAME.iommu} ${hex(io.id!)} on ${nodeName(io.target!)}`;
  const ms = acpiLookup(m, segment, rid, 'msi');
  const msiGives = ms.status === 'translated';
  const msi: Given = {
    ...acpiGiven('msi', ms),
    gives: msiGives,
    domain: msiGives ? nodeName(ms.target) : null,
    inherited: null,
    words: msiGives ? `${ID_NAME.msi} ${hex(ms.id!)} on ${nodeName(ms.target)}` : `no ITS on its path`,
  };
  return { from, iommu: { ...iommu, gives, words, ...(cause ? { cause } : {}) }, msi };
}

const cmdlineHas = (s: Snapshot, re: RegExp) => !!s.cmdline && re.test(s.cmdline);

/** The verdicts of one function: what the kernel shows, set against what the description gives. */
function verdicts(
  s: Snapshot,
  f: PciSnapshot,
  a: Pick<FunctionAudit, 'iommu' | 'msi'>,
  all: ReadonlyArray<{ f: PciSnapshot; a: Pick<FunctionAudit, 'iommu' | 'msi'> }>,
): Verdict[] {
  const out: Verdict[] = [];
  const group = f.iommuGroup;
  const type = f.groupType ?? 'unknown';
  // ACPI: the IORT does not say what the SMMU does with a StreamID no mapping gives
  const dma = a.iommu.dma ?? gapDma([]).dma;
  if (group !== null) {
    if (!a.iommu.gives)
      out.push({
        kind: 'not-explained',
        severity: 'warning',
        text: `in iommu group ${group} (${type}), but the description gives it no IOMMU (${a.iommu.words}): the kernel read another description (a bootloader fixup of the map, an overlay?)`,
      });
    else if (DMA_TYPES.has(type))
      out.push({ kind: 'isolated', severity: 'info', text: `iommu group ${group} with a DMA domain (${type})` });
    else if (type === 'unmanaged')
      out.push({
        kind: 'isolated',
        severity: 'info',
        text: `iommu group ${group}, owned by a user (VFIO): unmanaged domain`,
      });
    else if (type === 'blocked')
      out.push({
        kind: 'isolated',
        severity: 'info',
        text: `iommu group ${group} with a blocking domain: its DMA is aborted`,
      });
    else if (type === 'identity') {
      const why = cmdlineHas(s, /(^|\s)iommu\.passthrough=(1|y|on)\b/)
        ? 'iommu.passthrough=1 on the kernel command line'
        : cmdlineHas(s, /(^|\s)iommu=pt\b/)
          ? 'iommu=pt on the kernel command line'
          : 'the default domain type (CONFIG_IOMMU_DEFAULT_PASSTHROUGH, or the group type set through sysfs)';
      out.push({
        kind: 'not-explained',
        severity: 'warning',
        text: `identity domain: its DMA passes untranslated although the description gives it ${a.iommu.words}; ${why}`,
      });
    } else out.push({ kind: 'not-explained', severity: 'warning', text: `iommu group ${group} of type ${type}` });
  } else if (f.driver === null) {
    out.push({
      kind: 'no-driver',
      severity: 'info',
      text: `the kernel sets up its IOMMU when a driver binds (really_probe() -> dma_configure()); the description gives ${a.iommu.words}`,
    });
  } else if (!a.iommu.gives) {
    // no map at all, or the IOMMU's own function: nothing left out by mistake
    const severity: Severity = a.iommu.status === 'no-map' || /itself/.test(a.iommu.cause ?? '') ? 'info' : 'warning';
    out.push({ kind: 'no-iommu', severity, text: `${a.iommu.cause ?? a.iommu.words} (${dma})` });
  } else {
    // arm_smmu_insert_master(): a StreamID another master holds is refused ("stream %u already in tree")
    const holder = all.find(
      (o) =>
        o.f !== f &&
        o.f.iommuGroup !== null &&
        o.a.iommu.gives &&
        o.a.iommu.target === a.iommu.target &&
        o.a.iommu.id === a.iommu.id,
    );
    if (holder)
      out.push({
        kind: 'no-iommu',
        severity: 'error',
        text: `${a.iommu.words} is already ${holder.f.name}'s, and the IOMMU driver takes one device per StreamID (${dma})`,
      });
    else {
      const hint = s.iommus.length
        ? `the kernel has the IOMMUs ${s.iommus.join(', ')}`
        : 'no IOMMU is registered with the kernel (/sys/class/iommu is empty): its driver is missing or did not probe, or the kernel does not read this table';
      out.push({
        kind: 'not-explained',
        severity: 'error',
        text: `driver ${f.driver} bound, but no iommu group although the description gives it ${a.iommu.words}; ${hint}`,
      });
    }
  }
  if (!a.msi.gives) {
    if (f.msiIrqs > 0)
      out.push({
        kind: 'not-explained',
        severity: 'warning',
        text: `${f.msiIrqs} MSI vectors, but the description gives it no MSI domain (${a.msi.words})`,
      });
    else
      out.push({
        kind: 'no-msi-domain',
        severity: f.driver !== null ? 'warning' : 'info',
        text: `${a.msi.words}: ${f.driver !== null ? 'its driver gets no MSI (INTx at best)' : 'a driver would get no MSI'}`,
      });
  }
  return out;
}

/** The audit of a snapshot. Bad blobs in it are a SnapshotError naming the file. */
export function audit(s: Snapshot, opts: AuditOptions): AuditReport {
  const desc = describe(s, opts.file);
  const form = opts.kernelForm ?? 'classic';
  const notes: string[] = [];
  const functions = [...s.pci].sort((x, y) => x.name.localeCompare(y.name));
  let given: (f: PciSnapshot) => Pick<FunctionAudit, 'from' | 'iommu' | 'msi'>;
  if (desc.kind === 'devicetree') {
    const hosts = hostBridges(desc.tree);
    if (!hosts.size) notes.push('the devicetree has no PCI host bridge');
    const msiOf = dtMsiDomains(desc.tree, hosts, form, functions);
    given = (f) => dtFunction(desc.tree, hosts, form, f, msiOf);
  } else if (desc.kind === 'acpi') {
    const m = desc.machine;
    given = (f) => acpiFunction(m, f);
  } else {
    notes.push(`no description to audit against: ${desc.why}`);
    const none = (kind: MapKind) => nothingGiven(kind, 'no description');
    given = () => ({ from: null, iommu: none('iommu'), msi: none('msi') });
  }
  const pairs = functions.map((f) => ({ f, a: given(f) }));
  const out = pairs.map(({ f, a }): FunctionAudit => {
    const { segment, bus, devfn, rid } = parseName(f.name);
    return {
      name: f.name,
      segment,
      bus,
      devfn,
      rid,
      class: f.class,
      vendor: f.vendor,
      device: f.device,
      driver: f.driver,
      ...a,
      kernel: { group: f.iommuGroup, groupType: f.groupType, msiIrqs: f.msiIrqs },
      verdicts: verdicts(s, f, a, pairs),
    };
  });
  return { description: desc.kind, kernel: s.kernel, notes, functions: out };
}

/** Exit code as `check`: 1 when a verdict is an error (or, `strict`, a warning). */
export function auditFails(r: AuditReport, strict = false): boolean {
  return r.functions.some((f) =>
    f.verdicts.some((v) => v.severity === 'error' || (strict && v.severity === 'warning')),
  );
}
