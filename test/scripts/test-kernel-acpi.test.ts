// The ACPI side of `npm run test:kernel` on boots recorded from it (fixtures/acpi/qemu/): reading
// the guest's console back (tables, PCI functions, config space) and comparing predictions with it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import {
  acpiPredictions,
  capabilities,
  compareAcpi,
  fwBugLines,
  msiCapable,
  parseAcpiConsole,
  viotIommuBdf,
  // @ts-expect-error plain ESM script without types
} from '../../scripts/test-kernel/acpi.mjs';

const FIX = resolve('fixtures/acpi/qemu');
const recorded = (name: string) => parseAcpiConsole(readFileSync(resolve(FIX, name), 'utf8'));

interface Device {
  group: string | null;
  msi: number;
  driver: string | null;
  vdriver: string | null;
  config: Buffer;
}
interface AcpiRow {
  bdf: string;
  agree: boolean;
  why: string[];
  group: string;
  msis: string;
  note?: string;
  predicted: boolean;
}

describe('reading an ACPI boot back', () => {
  it('gives the IORT the guest dumped byte for byte, and every PCI function with its state', () => {
    const k = recorded('off-by-one-its.console-6.12.txt');
    expect(k.complete).toBe(true);
    expect(k.tables.IORT.equals(readFileSync(resolve(FIX, 'off-by-one-its.IORT')))).toBe(true);
    expect(k.tables.IORT.subarray(0, 4).toString()).toBe('IORT');
    expect(k.tables.IORT.length).toBe(k.tables.IORT.readUInt32LE(4)); // the header's own length
    const devices = k.devices as Map<string, Device>;
    expect([...devices.keys()]).toEqual(['00:00.0', '00:02.0', '00:08.0', '01:00.0', '02:00.0']);
    // the root port at RID 0x100: the workaround sends it to the ITS, past the SMMU
    expect(devices.get('01:00.0')).toMatchObject({ group: null, msi: 1, driver: 'pcieport' });
    expect(devices.get('00:02.0')).toMatchObject({ group: '0', msi: 3, driver: 'virtio-pci', vdriver: 'virtio_net' });
    for (const d of devices.values()) expect(d.config.length).toBe(256);
  });

  it("takes the hashed and the not-yet-hashed pointer out of iort_id_map()'s lines", () => {
    const k = recorded('off-by-one-its.console-6.12.txt');
    expect(k.dmesg.filter((l: string) => /Firmware Bug/.test(l)).length).toBe(6);
    expect(fwBugLines(k.dmesg)).toEqual([
      '[Firmware Bug]: [map] conflicting mapping for input ID 0x100',
      '[Firmware Bug]: applying workaround.',
    ]);
  });

  it('finds the virtio-iommu the VIOT names, and which functions can take MSIs', () => {
    const k = recorded('virtio-iommu.console-6.12.txt');
    expect(k.tables.VIOT.equals(readFileSync(resolve(FIX, 'virtio-iommu.VIOT')))).toBe(true);
    expect(viotIommuBdf(k.tables.VIOT)).toBe('00:01.0');
    const devices = k.devices as Map<string, Device>;
    // QEMU 7.2's virtio-iommu-pci has vendor capabilities only: no MSI-X, so no MSIs though its driver binds
    expect(capabilities(devices.get('00:01.0')!.config)).toEqual([9, 9, 9, 9, 9]);
    expect(msiCapable(devices.get('00:01.0')!.config)).toBe(false);
    expect(devices.get('00:01.0')).toMatchObject({ vdriver: 'virtio_iommu', msi: 0, group: null });
    expect(msiCapable(devices.get('00:02.0')!.config)).toBe(true);
    expect(capabilities(devices.get('00:05.0')!.config)).toEqual([0x10, 0x11, 0x0d]); // PCIe, MSI-X, SSID
    expect(capabilities(null)).toEqual([]);
  });
});

describe('comparing predictions with an ACPI boot', () => {
  const smmu = { status: 'translated', target: 'smmu-v3@0x48', id: 0 };
  const its = { status: 'translated', target: 'its-group@0x30', id: 0 };

  it('reports each function whose group or MSIs differ, and firmware-bug lines nobody predicts', () => {
    const k = recorded('off-by-one-its.console-6.12.txt');
    // a prediction that misses the off-by-one: every RID through the SMMU, no firmware bug
    const { rows } = compareAcpi(k, () => ({ iommu: smmu, msi: its }), { viotRead: true });
    const bad = new Map((rows as AcpiRow[]).filter((r) => !r.agree).map((r) => [r.bdf, r.why]));
    expect([...bad.keys()]).toEqual(['01:00.0', '02:00.0', '-']);
    expect(bad.get('01:00.0')).toEqual(['iommu group: dtmap predicts one, the kernel gave none']);
    expect(bad.get('-')).toEqual([
      'kernel printed "[Firmware Bug]: [map] conflicting mapping for input ID 0x100", no prediction has it',
      'kernel printed "[Firmware Bug]: applying workaround.", no prediction has it',
    ]);
    // host bridges: no driver, so neither a group nor MSIs whatever the tables say
    const host = (rows as AcpiRow[]).find((r) => r.bdf === '00:00.0')!;
    expect(host).toMatchObject({ agree: true, group: 'no/no', msis: '0/0' });
  });

  it('agrees once the root port at RID 0x100 goes to the ITS with the lines the kernel printed', () => {
    const k = recorded('off-by-one-its.console-6.12.txt');
    const bug = {
      ...its,
      log: 'ACPI: IORT: [Firmware Bug]: [map IORT+0xb4] conflicting mapping for input ID 0x100\nACPI: IORT: [Firmware Bug]: applying workaround.',
    };
    const predict = (bdf: string) =>
      bdf === '01:00.0'
        ? { iommu: bug, msi: bug }
        : bdf === '02:00.0'
          ? { iommu: its, msi: its }
          : { iommu: smmu, msi: its };
    const { rows } = compareAcpi(k, predict, { viotRead: true });
    expect((rows as AcpiRow[]).filter((r) => !r.agree)).toEqual([]);
    expect((rows as AcpiRow[]).find((r) => r.bdf === '01:00.0')).toMatchObject({ group: 'no/no', msis: '>0/1' });
  });

  it('expects no group from the VIOT on a kernel that cannot read it, nor for the virtio-iommu itself', () => {
    const viommu = { status: 'translated', target: 'virtio-iommu-pci@0x30', id: 0x10 };
    for (const [file, viotRead] of [
      ['virtio-iommu.console-6.1.txt', false],
      ['virtio-iommu.console-6.12.txt', true],
    ] as const) {
      const k = recorded(file);
      const predict = (bdf: string) => (bdf.startsWith('8') ? { iommu: its, msi: its } : { iommu: viommu, msi: its });
      const rows = compareAcpi(k, predict, { viotRead }).rows as AcpiRow[];
      expect(rows.filter((r) => !r.agree)).toEqual([]);
      const at = (bdf: string) => rows.find((r) => r.bdf === bdf)!;
      expect(at('00:02.0').group).toBe(viotRead ? 'yes/yes' : 'no/no');
      if (!viotRead) expect(at('00:02.0').note).toBe('kernel without CONFIG_ACPI_VIOT');
      expect(at('00:01.0')).toMatchObject({ group: 'no/no', msis: '0/0' });
    }
  });

  it('marks functions without a prediction and judges nothing about them', () => {
    const k = recorded('virtio-iommu.console-6.12.txt');
    const rows = compareAcpi(k, () => null, { viotRead: true }).rows as AcpiRow[];
    expect(rows.every((r) => !r.predicted && r.agree)).toBe(true);
    expect(rows.length).toBe((k.devices as Map<string, Device>).size);
  });
});

describe("dtmap's own predictions on the recorded tables", () => {
  const dir = mkdtempSync(join(tmpdir(), 'dtmap-kernel-acpi-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const dtmap = (args: string[]): string => {
    try {
      return execFileSync(process.execPath, ['bin/dtmap.cjs', ...args], { encoding: 'utf8' });
    } catch (err) {
      const e = err as { status?: number; stdout?: string };
      if (e.status === 1 && e.stdout) return e.stdout; // findings: the output is complete
      throw err;
    }
  };
  /** The recorded boot compared with `dtmap query` on its tables, laid out as the guest has them. */
  const compared = (file: string, viotRead: boolean) => {
    const k = recorded(file);
    const tables = join(dir, file, 'tables');
    mkdirSync(tables, { recursive: true });
    for (const [name, bytes] of Object.entries(k.tables as Record<string, Buffer>))
      writeFileSync(join(tables, name), bytes);
    const predict = acpiPredictions(dtmap, tables, k);
    expect(predict.error).toBeNull();
    return compareAcpi(k, predict, { viotRead }) as { rows: AcpiRow[]; fwBug: string[] };
  };

  it('agrees with Linux 6.12 on the off-by-one row, [Firmware Bug] lines included', () => {
    const { rows, fwBug } = compared('off-by-one-its.console-6.12.txt', true);
    expect(rows.filter((r) => !r.agree)).toEqual([]);
    expect(rows.every((r) => r.predicted)).toBe(true);
    expect(fwBug.length).toBe(2);
    expect(rows.find((r) => r.bdf === '01:00.0')).toMatchObject({ group: 'no/no', msis: '>0/1' });
  });

  it('agrees with 6.12 reading the VIOT and with 6.1, which has no VIOT support', () => {
    for (const [file, viotRead] of [
      ['virtio-iommu.console-6.12.txt', true],
      ['virtio-iommu.console-6.1.txt', false],
    ] as const) {
      const { rows } = compared(file, viotRead);
      expect(rows.filter((r) => !r.agree)).toEqual([]);
      expect(rows.find((r) => r.bdf === '01:00.0')!.group).toBe(viotRead ? 'yes/yes' : 'no/no');
      expect(rows.find((r) => r.bdf === '81:00.0')!.group).toBe('no/no'); // the bypass expander bridge
    }
  });
});
