import type { Rule } from '../types.js';
import type { PciFunction } from '../../machine/topology.js';
import { idFamily } from '../../machine/ids.js';
import { lookup } from '../../core/lookup.js';
import { mergeRanges } from '../../core/ranges.js';
import type { Node } from '../../tree/model.js';
import { bdf, deviceList, hex } from '../../words.js';

/**
 * DMA aliases the tree shows: a function behind a PCIe-to-PCI bridge also issues DMA with the
 * bridge's secondary bus, devfn 0 (pci_for_each_dma_alias(); src/machine/topology.ts), and
 * of_iommu_configure() looks each alias up in iommu-map (of_pci_iommu_init()):
 * - an alias no entry translates ends the walk with -ENODEV: the function gets no IOMMU at all;
 * - on an SMMUv3 every function behind the bridge asks for the alias's StreamID:
 *   arm_smmu_insert_master() gives it to the first to probe and refuses the others
 *   ("stream %u already in tree", -EINVAL); the function at devfn 0 of the secondary bus has the
 *   alias as its own RID, so its own list holds the StreamID twice, which kernels before
 *   "iommu/arm-smmu-v3: Fix iommu_device_probe bug due to duplicated stream ids" (6.15) refuse too;
 * - elsewhere the functions that share an alias share one IOMMU group (pci_device_group()).
 */
export const dmaAlias: Rule = {
  id: 'dma-alias',
  severity: 'warning',
  description:
    'functions behind a PCIe-to-PCI bridge DMA with its alias too: an unmapped alias, or one SMMUv3 StreamID for several',
  visits: 'bridge',
  check(ctx, b, report) {
    const a = b.maps.iommu;
    if (!a || !b.pci) return;
    const fns = b.functions.filter((f) => f.rid !== undefined && f.enabled && f.aliases && !f.bridge);
    if (!fns.length) return;
    const label = (f: PciFunction) => ({ node: f.node, rid: f.rid!, written: f.written });
    const groups = new Map<string, { target: Node; id: number; fns: PciFunction[]; self: PciFunction[] }>();
    for (const f of fns) {
      const own = lookup(a.parsed.table, f.rid!);
      for (const alias of f.aliases!) {
        const r = lookup(a.parsed.table, alias);
        if (r.status !== 'translated') {
          report.at(b, a.parsed, {
            message: `${deviceList([label(f)], b)} sits behind a PCIe-to-PCI bridge and also DMAs as ${bdf(alias)}, which iommu-map does not translate (${r.status === 'bypass' ? 'a gap' : `error -${r.errno}`}): of_iommu_configure() stops at that alias (-ENODEV), so the function gets no IOMMU although its own RID ${own.status === 'translated' ? 'maps' : 'is looked up first'}`,
            rids: [[alias, alias]],
          });
          continue;
        }
        const key = `${r.target.path} ${r.id}`;
        const g = groups.get(key) ?? { target: r.target, id: r.id!, fns: [], self: [] };
        if (!g.fns.includes(f)) g.fns.push(f);
        if (own.status === 'translated' && own.target === r.target && own.id === r.id) g.self.push(f);
        groups.set(key, g);
      }
    }
    for (const g of groups.values()) {
      const v3 = idFamily(g.target) === 'smmu-v3';
      const rids = mergeRanges(g.fns.map((f) => [f.rid!, f.rid!]));
      const list = deviceList(g.fns.map(label), b);
      if (v3 && (g.fns.length > 1 || g.self.length)) {
        const shared =
          g.fns.length > 1
            ? `${g.fns.length} described functions ask the SMMUv3 ${g.target.path} for StreamID ${hex(g.id)}, their PCIe-to-PCI bridge's alias: ${list}. arm_smmu_insert_master() gives it to the first to probe and refuses the others ("stream ${g.id} already in tree", -EINVAL): they get no IOMMU`
            : `${list} asks the SMMUv3 ${g.target.path} for StreamID ${hex(g.id)} twice`;
        const self = g.self.length
          ? `; ${g.self.map((f) => bdf(f.rid!)).join(', ')} is devfn 0 of the bridge's secondary bus, so the alias is its own RID and its StreamID list holds ${hex(g.id)} twice, which Linux before 6.15 ("Fix iommu_device_probe bug due to duplicated stream ids") refuses too`
          : '';
        report.at(b, a.parsed, { message: shared + self, rids });
      } else if (g.fns.length > 1)
        report.at(b, a.parsed, {
          message: `${g.fns.length} described functions behind one PCIe-to-PCI bridge share its alias, StreamID ${hex(g.id)} of ${g.target.path}: ${list}; they are one IOMMU group (pci_device_group()) and cannot be isolated from each other`,
          severity: 'info',
          rids,
        });
    }
  },
};
