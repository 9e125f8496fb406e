// pci_for_each_dma_alias() as the tree shows it: the alias of functions behind a PCIe-to-PCI bridge.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { enumerate } from '../../src/machine/topology.js';
import { bdf } from '../../src/words.js';

const host = (name: string) =>
  readDtb(readFileSync(`fixtures/rules/${name}.dtb`), `${name}.dtb`).root.children.find((n) =>
    n.name.startsWith('pcie@'),
  )!;

describe('DMA aliases', () => {
  it('behind a PCIe-to-PCI bridge: its secondary bus, devfn 0; behind a switch port: none', () => {
    const fns = enumerate(host('dma-alias-smmuv3'));
    const shown = fns.map((f) =>
      `${bdf(f.rid!)} ${f.node.name}${f.pcieToPci ? ' pcie-to-pci' : ''}${f.conventional ? ' conventional' : ''} ${(f.aliases ?? []).map(bdf).join(',')}`.trim(),
    );
    expect(shown).toEqual([
      '00:00.0 pci@0',
      '00:01.0 pci@1',
      '01:00.0 pci@0,0 pcie-to-pci',
      '02:00.0 ethernet@0,0 conventional 02:00.0',
      '02:01.0 usb@1,0 conventional 02:00.0',
      '03:00.0 pci@0,0',
      '04:00.0 nvme@0,0',
    ]);
  });
});
