// The RID-space picture of an ACPI machine: one bridge per PCI segment, its StreamID and DeviceID
// rows from the IORT walk (or the VIOT), in the same Picture the devicetree's writers draw.
import type { AcpiMachine, AcpiTarget } from '../acpi/machine.js';
import { ACPI_KINDS } from '../acpi/machine.js';
import { nodeName } from '../acpi/tables.js';
import { letterFor, toRun, type BridgeView, type MapRow, type Picture, type Target } from './model.js';

export function acpiPicture(m: AcpiMachine): Picture {
  const targets = new Map<AcpiTarget, Target>();
  const targetOf = (n: AcpiTarget): Target => {
    let t = targets.get(n);
    if (!t) {
      t = {
        path: `${'revision' in n ? 'IORT' : 'VIOT'}/${nodeName(n)}`,
        label: undefined,
        letter: letterFor(targets.size),
        index: targets.size,
        enabled: true,
      };
      targets.set(n, t);
    }
    return t;
  };
  const bridges = m.segments.map((s): BridgeView => {
    const rows: MapRow[] = [];
    for (const kind of ACPI_KINDS) {
      const t = s.tables[kind];
      if (!t) continue;
      rows.push({
        kind,
        property: `${t.source} ${kind === 'iommu' ? 'StreamIDs' : 'DeviceIDs'}`,
        mask: 0xffffffff,
        runs: t.coverage.segments.map((g) => toRun<AcpiTarget>(g, targetOf)),
        notProvider: [],
      });
    }
    return {
      path: `segment ${s.segment}${s.rootComplex ? ` (IORT/${nodeName(s.rootComplex)})` : ''}`,
      pci: true,
      enabled: true,
      busRange: [0, 0xff],
      domain: [0, 0xffff],
      rows,
      absent: ACPI_KINDS.filter((k) => !s.tables[k]),
      devices: [],
    };
  });
  return {
    source: m.file,
    form: 'classic',
    reader: 'linux-classic',
    readBy: "Linux's IORT walk, iort_node_map_id()",
    bridges,
    targets: [...targets.values()],
  };
}
