// pci-domain on the fixtures of fixtures/rules/ (expected.json holds their findings): what the
// messages say, where they point, and that a tree without any map is still checked.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { compileDts, readDts } from '../../src/dts/index.js';
import { check } from '../../src/checks/index.js';
import { node, tree } from '../helpers.js';

const load = (name: string) => readDtb(readFileSync(`fixtures/rules/${name}.dtb`), `${name}.dtb`);

describe('pci-domain', () => {
  it('a duplicate names the other bridge and what Linux does; it points at the property', () => {
    const [dup, disabled] = check(readDts('fixtures/rules/pci-domain-duplicate.dts'));
    expect(dup).toMatchObject({
      rule: 'pci-domain',
      severity: 'error',
      node: '/pcie@50000000',
      property: 'linux,pci-domain',
      location: { file: 'fixtures/rules/pci-domain-duplicate.dts', line: 26, column: 3 },
    });
    expect(dup!.message).toBe(
      'linux,pci-domain = <0x0> is also on /pcie@40000000: Linux gives a static domain to one host bridge only, so whichever of them registers second fails (pci_register_host_bridge(): -ENOSPC from of_pci_bus_find_domain_nr()) and no device behind it is found',
    );
    expect(disabled!.message).toBe(
      'linux,pci-domain = <0x0> is also on /pcie@40000000, /pcie@50000000 (node disabled)',
    );
  });

  it('a bridge without the property among bridges with one: the node, no property', () => {
    const [d] = check(load('pci-domain-some'));
    expect(d).toMatchObject({ severity: 'warning', node: '/soc/pcie@2c000000', property: null });
    expect(d!.message).toMatch(
      /^no linux,pci-domain, while \/soc\/pcie@2a000000 has <0x0> \(2 of 3 host bridges set one;/,
    );
  });

  it('JH7110 without the property: the driver fails, even with no bridge setting one', () => {
    const found = check(load('pci-domain-jh7110'));
    expect(found.map((d) => d.message)).toEqual(
      Array(2).fill(
        'no linux,pci-domain: pcie-starfive (starfive_pcie_parse_dt()) takes the controller\'s index from it and accepts only 0 or 1: the probe fails ("failed to get valid pcie domain", -ENODEV) and the controller has no PCIe',
      ),
    );
    const two = node('pcie@1', { compatible: 'starfive,jh7110-pcie', device_type: 'pci', 'linux,pci-domain': [2] });
    expect(check(tree([two])).map((d) => d.message)).toEqual([
      expect.stringMatching(/^linux,pci-domain = <0x2>: pcie-starfive .* accepts only 0 or 1/),
    ]);
  });

  it('one bridge, or bridges that all agree, or none set: clean', () => {
    const bridge = (name: string, domain?: number) =>
      node(name, { device_type: 'pci', ...(domain === undefined ? {} : { 'linux,pci-domain': [domain] }) });
    expect(check(tree([bridge('pcie@0', 3)]))).toEqual([]);
    expect(check(tree([bridge('pcie@0', 0), bridge('pcie@1', 1)]))).toEqual([]);
    expect(check(tree([bridge('pcie@0'), bridge('pcie@1')]))).toEqual([]);
  });

  it('an inline directive before the property silences it', () => {
    const file = 'fixtures/rules/pci-domain-duplicate.dts';
    const text = readFileSync(file, 'utf8').replace(
      /(pcie@50000000 \{[^}]*?)(\t\tlinux,pci-domain)/,
      '$1\t\t/* dtmap-disable-next-line pci-domain -- fixed by the bootloader */\n$2',
    );
    expect(text).toContain('dtmap-disable-next-line pci-domain');
    const { tree: t, suppressions } = compileDts(file, { overlay: new Map([[file, text]]) });
    t.suppressions = suppressions;
    expect(check(t).map((d) => d.node)).toEqual(['/pcie@60000000']);
  });
});
