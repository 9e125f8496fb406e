// What `dtmap audit` reads of a running machine, in one JSON value: the firmware description
// (/sys/firmware/fdt, else /proc/device-tree; the IORT and VIOT from /sys/firmware/acpi/tables)
// and every PCI function in /sys/bus/pci/devices with what the kernel did with it. A snapshot is
// read from a root folder (`/` on the machine itself, a fake tree in the tests), written by
// `--save`, or by the shell script of collect-script.ts on a board without Node; blobs are
// base64 (`--save`) or hex (the script, which has only od).
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { SourceError } from '../errors.js';

/** A binary file: base64 (`--save`) or hex (the collect script). */
export interface Blob {
  base64?: string;
  hex?: string;
}

/** One PCI function as /sys/bus/pci/devices shows it. */
export interface PciSnapshot {
  /** dddd:bb:dd.f */
  name: string;
  /** The bridge above it (dddd:bb:dd.f), null on a root bus. */
  parent: string | null;
  class: string | null;
  vendor: string | null;
  device: string | null;
  /** The bound driver's name, null when none is bound. */
  driver: string | null;
  /** For virtio-pci: the virtio driver bound to its virtio device (virtio_net...). */
  virtioDriver: string | null;
  /** The iommu group's number, null when the kernel gave the function none. */
  iommuGroup: string | null;
  /** /sys/kernel/iommu_groups/N/type: DMA, DMA-FQ, identity, blocked, unmanaged. */
  groupType: string | null;
  /** Entries in msi_irqs: the MSI/MSI-X vectors allocated now. */
  msiIrqs: number;
}

export interface Snapshot {
  dtmapAudit: 1;
  /** /proc/sys/kernel/osrelease */
  kernel: string | null;
  /** /proc/cmdline */
  cmdline: string | null;
  /** /sys/firmware/acpi/tables exists: the kernel runs on ACPI. */
  acpi: boolean;
  fdt: Blob | null;
  /** /proc/device-tree as files (path below it -> contents), only when there is no fdt. */
  deviceTree: Record<string, Blob> | null;
  /** IORT, VIOT from /sys/firmware/acpi/tables. */
  tables: Record<string, Blob>;
  /** /sys/class/iommu: the IOMMUs registered with the kernel. */
  iommus: string[];
  pci: PciSnapshot[];
}

export class SnapshotError extends SourceError {
  override name = 'SnapshotError';
  /** `whole`: `reason` is the whole message (a reader's error that names the blob already). */
  constructor(file: string, reason: string, whole = false) {
    super({ file }, whole ? reason : `${file}: ${reason}`);
  }
}

export function blobBytes(b: Blob): Uint8Array {
  if (typeof b.base64 === 'string') return new Uint8Array(Buffer.from(b.base64, 'base64'));
  return new Uint8Array(Buffer.from(b.hex ?? '', 'hex'));
}

const base64 = (bytes: Uint8Array): Blob => ({ base64: Buffer.from(bytes).toString('base64') });

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').replace(/\n$/, '');
  } catch {
    return null;
  }
}

function readBlob(path: string): Blob | null {
  try {
    if (!statSync(path).isFile()) return null;
    return base64(readFileSync(path));
  } catch {
    return null;
  }
}

const linkName = (path: string): string | null => {
  try {
    return basename(readlinkSync(path));
  } catch {
    return null;
  }
};

function listDir(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
}

/** Every file below `dir` (a live tree), keyed by its path relative to `dir`. */
function readTreeFiles(dir: string): Record<string, Blob> {
  const out: Record<string, Blob> = {};
  const walk = (d: string) => {
    for (const name of listDir(d)) {
      const p = join(d, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const b = readBlob(p);
        if (b) out[relative(dir, p)] = b;
      }
    }
  };
  walk(dir);
  return out;
}

const PCI_NAME = /^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** One function: `dev` is /sys/bus/pci/devices/NAME (a symlink into /sys/devices). */
function readFunction(dev: string, name: string): PciSnapshot {
  let parent: string | null;
  try {
    // ../../../devices/pci0000:00/0000:00:05.0/0000:01:00.0: the folder above is the bridge's
    const up = basename(dirname(lstatSync(dev).isSymbolicLink() ? readlinkSync(dev) : dev));
    parent = PCI_NAME.test(up) ? up : null;
  } catch {
    parent = null;
  }
  const virtio = listDir(dev).find((n) => /^virtio\d+$/.test(n));
  const group = linkName(join(dev, 'iommu_group'));
  return {
    name,
    parent,
    class: readText(join(dev, 'class')),
    vendor: readText(join(dev, 'vendor')),
    device: readText(join(dev, 'device')),
    driver: linkName(join(dev, 'driver')),
    virtioDriver: virtio ? linkName(join(dev, virtio, 'driver')) : null,
    iommuGroup: group,
    groupType: group !== null ? readText(join(dev, 'iommu_group', 'type')) : null,
    msiIrqs: listDir(join(dev, 'msi_irqs')).length,
  };
}

/** Everything audit reads, from the machine whose file system is at `root`. */
export function readSnapshot(root: string): Snapshot {
  const at = (p: string) => join(root, p);
  const acpiDir = at('sys/firmware/acpi/tables');
  let acpi: boolean;
  try {
    acpi = statSync(acpiDir).isDirectory();
  } catch {
    acpi = false;
  }
  const tables: Record<string, Blob> = {};
  for (const t of ['IORT', 'VIOT']) {
    const b = acpi ? readBlob(join(acpiDir, t)) : null;
    if (b) tables[t] = b;
  }
  // on ACPI the FDT is the EFI stub's empty one: the tables are the description
  const fdt = acpi ? null : readBlob(at('sys/firmware/fdt'));
  const deviceTree = acpi || fdt ? null : readTreeFiles(at('proc/device-tree'));
  const devices = at('sys/bus/pci/devices');
  return {
    dtmapAudit: 1,
    kernel: readText(at('proc/sys/kernel/osrelease')),
    cmdline: readText(at('proc/cmdline')),
    acpi,
    fdt,
    deviceTree: deviceTree && Object.keys(deviceTree).length ? deviceTree : null,
    tables,
    iommus: listDir(at('sys/class/iommu')),
    pci: listDir(devices)
      .filter((n) => PCI_NAME.test(n))
      .map((n) => readFunction(join(devices, n), n)),
  };
}

export function snapshotJson(s: Snapshot): string {
  return JSON.stringify(s, null, 1) + '\n';
}

const isBlob = (v: unknown): v is Blob =>
  !!v &&
  typeof v === 'object' &&
  ((typeof (v as Blob).base64 === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test((v as Blob).base64!)) ||
    (typeof (v as Blob).hex === 'string' && /^([0-9a-f]{2})*$/i.test((v as Blob).hex!)));

const strOrNull = (v: unknown) => v === null || typeof v === 'string';

/** Whether `text` looks like a snapshot (JSON with the dtmapAudit key). */
export function isSnapshot(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  return /^\s*\{\s*"dtmapAudit"/.test(head);
}

/** A snapshot from its JSON; anything malformed is a SnapshotError naming `file` and where. */
export function parseSnapshot(text: string, file: string): Snapshot {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw new SnapshotError(file, `not JSON${m ? ` (offset ${m[1]})` : ''}: ${(e as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new SnapshotError(file, `not a dtmap audit snapshot: ${what}`);
  };
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad('not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.dtmapAudit !== 1) bad('"dtmapAudit" is not 1');
  if (!strOrNull(o.kernel)) bad('"kernel" is not a string');
  if (!strOrNull(o.cmdline)) bad('"cmdline" is not a string');
  if (typeof o.acpi !== 'boolean') bad('"acpi" is not true or false');
  if (o.fdt !== null && !isBlob(o.fdt)) bad('"fdt" is not a blob');
  if (o.deviceTree !== null) {
    if (!o.deviceTree || typeof o.deviceTree !== 'object') bad('"deviceTree" is not an object');
    for (const [k, b] of Object.entries(o.deviceTree as object))
      if (!isBlob(b)) bad(`"deviceTree" "${k}" is not a blob`);
  }
  if (!o.tables || typeof o.tables !== 'object') bad('"tables" is not an object');
  for (const [k, b] of Object.entries(o.tables as object)) if (!isBlob(b)) bad(`"tables" "${k}" is not a blob`);
  if (!Array.isArray(o.iommus) || o.iommus.some((n) => typeof n !== 'string')) bad('"iommus" is not a list of names');
  if (!Array.isArray(o.pci)) bad('"pci" is not a list');
  (o.pci as unknown[]).forEach((p, i) => {
    const f = p as Record<string, unknown>;
    if (!f || typeof f !== 'object') bad(`pci[${i}] is not an object`);
    if (typeof f.name !== 'string' || !PCI_NAME.test(f.name)) bad(`pci[${i}].name is not dddd:bb:dd.f`);
    for (const k of ['parent', 'class', 'vendor', 'device', 'driver', 'virtioDriver', 'iommuGroup', 'groupType'])
      if (f[k] === undefined) f[k] = null;
      else if (!strOrNull(f[k])) bad(`pci[${i}].${k} is not a string`);
    if (typeof f.msiIrqs !== 'number' || !Number.isInteger(f.msiIrqs) || f.msiIrqs < 0)
      bad(`pci[${i}].msiIrqs is not a count`);
  });
  return o as unknown as Snapshot;
}
