// What a function gets when msi-map gives it no MSI domain (src/machine/msi-domain.ts, worded by
// src/checks/msi-fallback.ts), and the folds SMMUv3 and the ITS do not let pass (map-alias): the
// exact findings on the fixtures of fixtures/rules/, and of_msi_get_domain()'s two forms on small
// trees.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { check } from '../../src/checks/index.js';
import { hostMsiDomain } from '../../src/machine/msi-domain.js';
import type { KernelForm } from '../../src/map/map.js';
import { node, tree } from '../helpers.js';

const findings = (name: string, rule: string, kernel: KernelForm = 'classic') =>
  check(readDtb(readFileSync(`fixtures/rules/${name}.dtb`), `${name}.dtb`), { kernel })
    .filter((d) => d.rule === rule)
    .map((d) => `${d.severity}: ${d.message}`);

describe('msi-map-gap: the domain of the bus (pci_set_msi_domain() -> pci_set_bus_msi_domain())', () => {
  it("behind a root port whose RID is mapped: the port's domain, DeviceID = RID, no clash: warning", () => {
    for (const kernel of ['classic', 'mainline'] as const)
      expect(findings('msi-gap-behind-port', 'msi-map-gap', kernel)).toEqual([
        'warning: 7936 RIDs of bus-range not in msi-map (01:00.0-1f:1f.7): they inherit the MSI domain /msi-controller@fee20000 with DeviceID = RID. Bus 01 is behind /pcie@f8000000/pci@0,0 (00:00.0), and their devices inherit its MSI domain (pci_set_msi_domain() -> pci_set_bus_msi_domain()); Linux numbers buses 02-1f behind /pcie@f8000000/pci@0,0 (00:00.0) (the tree describes no bridge for them), and their devices inherit its MSI domain (pci_set_msi_domain() -> pci_set_bus_msi_domain())',
      ]);
  });

  it('a root port in the gap with no msi-parent: nothing to inherit: error', () => {
    expect(findings('msi-gap-port-unmapped', 'msi-map-gap')).toEqual([
      'error: 7936 RIDs of bus-range not in msi-map (00:00.0-00:1f.7, 02:00.0-1f:1f.7): they get no MSI domain, so MSI/MSI-X allocation fails. On the root bus (bus 00) the bridge has no msi-parent to fall back to; Linux numbers buses 02-1f behind /pcie@f8000000/pci@0,0 (00:00.0) (the tree describes no bridge for them), and it has no MSI domain to inherit (pci_set_msi_domain() -> pci_set_bus_msi_domain())',
    ]);
  });

  it('rk3399 without a described root port stays an error; the message says what a port would change', () => {
    expect(findings('msi-gap-error', 'msi-map-gap')).toEqual([
      'error: 4096 RIDs of bus-range not in msi-map (10:00.0-1f:1f.7): they get no MSI domain unless the bridge they sit behind has one, which they then inherit with DeviceID = RID. The tree describes no bridge for buses 10-1f: a device there inherits the MSI domain of the bridge it sits behind (pci_set_bus_msi_domain()), which is no MSI at all unless that bridge has one (from its own RID, or inherited in turn)',
    ]);
  });

  it('qcom: the inherited range holds DeviceIDs the map gives the root ports: error', () => {
    expect(findings('qcom-4cell-smmu2', 'msi-map-gap')).toEqual([
      'error: 65024 RIDs of bus-range not in msi-map (02:00.0-ff:1f.7): they inherit the MSI domain /msi-controller@17140000 with DeviceID = RID; a device at 59:10.0-59:10.1 would share a DeviceID (0x5980-0x5981) with another RID. Linux numbers buses 02-ff behind /pcie@1c00000/pcie@0 (00:00.0) (the tree describes no bridge for them), and their devices inherit its MSI domain (pci_set_msi_domain() -> pci_set_bus_msi_domain()); msi-map gives DeviceIDs 0x5980-0x5981 to other RIDs on /msi-controller@17140000, and the ITS gives devices on one DeviceID one ITT (its_msi_prepare())',
    ]);
  });

  it('ls1028a msi-parent = <&its 0>: a fallback on 6.12 and the 2024 stable fix only; classic says so', () => {
    expect(findings('msi-gap-parent-warning', 'msi-map-gap')).toEqual([
      'warning: 242 RIDs of bus-range not in msi-map (00:01.6-00:1f.7): they take the bridge\'s msi-parent /msi-controller@6020000 with DeviceID = RID (no MSI domain on Linux 5.3-6.11). On the root bus (bus 00) devices fall back to the host bridge\'s msi-parent; Linux 6.12 and the stable kernels with the October 2024 of_msi_get_domain() change ("Support #msi-cells=<0>") take that msi-parent, older 5.3-6.11 kernels take an msi-parent only when its target has no #msi-cells',
    ]);
    expect(findings('msi-gap-parent-warning', 'msi-map-gap', 'mainline')).toEqual([
      "warning: 242 RIDs of bus-range not in msi-map (00:01.6-00:1f.7): they take the bridge's msi-parent /msi-controller@6020000 with DeviceID = RID. On the root bus (bus 00) devices fall back to the host bridge's msi-parent",
    ]);
  });

  it('msi-parent = <&its> to an ITS with #msi-cells = <1>: no fallback on either form: error', () => {
    expect(findings('msi-gap-parent-short', 'msi-map-gap')).toEqual([
      "error: 242 RIDs of bus-range not in msi-map (00:01.6-00:1f.7): they get no MSI domain, so MSI/MSI-X allocation fails. On the root bus (bus 00) the bridge's msi-parent gives none (msi-parent is shorter than the #msi-cells = <1> of /msi-controller@6020000)",
    ]);
  });
});

describe('hostMsiDomain(): of_msi_get_domain(..., DOMAIN_BUS_PCI_MSI), both forms', () => {
  const its = (props: Record<string, number[] | true>) =>
    node('its', { phandle: [1], 'msi-controller': true, ...props });
  const other = node('intc', { phandle: [2], '#msi-cells': [0] });
  const domain = (itsProps: Record<string, number[] | true>, parent: number[]) => {
    const t = tree([its(itsProps), other, node('pcie', { device_type: 'pci', 'msi-parent': parent })]);
    const bridge = t.byPath('/pcie')!;
    return {
      current: hostMsiDomain(t, bridge, 'current')?.path ?? null,
      older: hostMsiDomain(t, bridge, 'older')?.path ?? null,
    };
  };
  it.each([
    ['no #msi-cells, <&its>', {}, [1], { current: '/its', older: '/its' }],
    ['#msi-cells = <1>, <&its 0>', { '#msi-cells': [1] }, [1, 0], { current: '/its', older: null }],
    ['#msi-cells = <1>, <&its> (one cell short)', { '#msi-cells': [1] }, [1], { current: null, older: null }],
    ['#msi-cells = <0>, <&its>', { '#msi-cells': [0] }, [1], { current: '/its', older: null }],
    [
      'a first target that is no MSI controller, then the ITS',
      { '#msi-cells': [1] },
      [2, 1, 7],
      { current: '/its', older: null },
    ],
    ['a dangling phandle', {}, [9], { current: null, older: null }],
  ] as const)('%s', (_what, props, parent, want) => {
    expect(domain(props, [...parent])).toEqual(want);
  });
});

describe('map-alias: folds that SMMUv3 and the ITS do not let pass', () => {
  it('two described functions on one SMMUv3 StreamID (warning) and one ITS DeviceID (info); a disabled one takes no part', () => {
    expect(findings('fold-smmuv3', 'map-alias')).toEqual([
      'warning: iommu-map-mask folds 2 described functions onto StreamID 0x8 of the SMMUv3 /iommu@9050000 (/pcie@40000000/ethernet@1 (00:01.0), /pcie@40000000/ethernet@1,1 (00:01.1)): every function but the first to probe gets no IOMMU. SMMUv3 refuses a StreamID another master holds (arm_smmu_insert_master(): "stream 8 already in tree", -EINVAL)',
      'info: msi-map-mask folds 2 described functions onto DeviceID 0x8 of the ITS /msi-controller@8080000 (/pcie@40000000/ethernet@1 (00:01.0), /pcie@40000000/ethernet@1,1 (00:01.1)): every function but the first to allocate gets vectors only while the ITT\'s events last, else fewer vectors or INTx. They share one ITT, sized by the first to allocate (its_pci_msi_prepare(), its_msi_prepare(): "Reusing ITT")',
    ]);
  });
  it('the same fold onto an arm-smmu (v2) is deliberate: clean', () => {
    expect(findings('clean-mask-fold', 'map-alias')).toEqual([]);
  });
});
