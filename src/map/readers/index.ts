// The readers dtmap knows, by name; `--reader all` is every one of them.
import type { KernelForm } from '../map.js';
import { freebsd } from './freebsd.js';
import { linuxClassic } from './linux-classic.js';
import { linuxMainline } from './linux-mainline.js';
import { pciImx6 } from './pci-imx6.js';
import { pcieQcom } from './pcie-qcom.js';
import type { Reader, ReaderName } from './reader.js';
import { uBoot } from './u-boot.js';
import { xen } from './xen.js';

export type { Reader, ReaderFamily, ReaderName, Reading } from './reader.js';

export const READERS: readonly Reader[] = [linuxClassic, linuxMainline, xen, freebsd, uBoot, pcieQcom, pciImx6];

/** `--kernel classic|mainline` is the reader linux-classic|linux-mainline. */
export function kernelReader(form: KernelForm): Reader {
  return form === 'classic' ? linuxClassic : linuxMainline;
}

export function readerNamed(name: string): Reader | undefined {
  return READERS.find((r) => r.name === name);
}

/** `NAME[,NAME...]` or `all`; throws an Error naming the unknown reader. */
export function parseReaders(spec: string): Reader[] {
  const names = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length) throw new Error(`--reader: give a reader name (${READERS.map((r) => r.name).join(', ')}) or all`);
  const out: Reader[] = [];
  for (const name of names) {
    const found = name === 'all' ? READERS : [readerNamed(name)];
    if (!found[0])
      throw new Error(`--reader: unknown reader '${name}' (known: ${READERS.map((r) => r.name).join(', ')}, all)`);
    for (const r of found) if (r && !out.includes(r)) out.push(r);
  }
  return out;
}

export function readerTitle(name: ReaderName): string {
  return readerNamed(name)!.title;
}
