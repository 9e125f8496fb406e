// The ACPI variants `npm run test:kernel` boots: QEMU's virt machine through UEFI (AAVMF), so
// that QEMU writes the IORT (and, with a virtio-iommu, the VIOT) and Linux reads them
// (acpi=force). Unlike the DT variants nothing is edited: each variant is a machine
// configuration, and the tables are what QEMU makes of it. The guest dumps the tables it was
// given; dtmap's predictions come from `dtmap query` on those bytes, and are compared per PCI
// function with what the kernel did: an IOMMU group or none, MSIs or none, and the
// `[Firmware Bug]` lines of iort_id_map(). Pure functions apart from the variant list: run.mjs
// does the I/O.

/** The smmuv3 machine, booted two ways (passthrough and DMA domains). */
const SMMUV3_MACHINE = {
  machine: 'virt,gic-version=3,its=on,iommu=smmuv3',
  devices: [
    'virtio-net-pci,addr=2.0,romfile=',
    'virtio-rng-pci,addr=3.0',
    'pcie-root-port,id=rp1,addr=5.0,chassis=1',
    'e1000e,bus=rp1,romfile=',
    'pxb-pcie,id=pxb1,bus_nr=0x80,bus=pcie.0,addr=8.0',
    'pcie-root-port,id=rp2,bus=pxb1,chassis=2,addr=0.0',
    'virtio-blk-pci,bus=rp2,drive=nul0',
  ],
  extra: ['-blockdev', 'driver=null-co,node-name=nul0,size=1048576'],
};

/**
 * name, what it shows, QEMU's -M options, and the devices. Every variant keeps the GICv3 ITS:
 * QEMU 7.2 with its=off still lists the ITS in the MADT and the IORT (build_madt() and
 * build_iort() check the machine class, not the property), and the guest aborts reading the
 * absent ITS's registers before its console starts (docs/kernel-test.md).
 * A pcie-root-port needs MSI-X from the interrupt controller; endpoints cannot sit on a pxb-pcie
 * bus itself, only behind a root port on it.
 */
export const ACPI_VARIANTS = [
  {
    name: 'smmuv3',
    what: 'SMMUv3 with a root port and an expander bridge (pxb-pcie at bus 0x80): every RID through the SMMU',
    ...SMMUV3_MACHINE,
  },
  {
    name: 'smmuv3-dma',
    what: "the smmuv3 machine booted with DMA domains (no iommu.passthrough=1): dtmap audit's isolated",
    ...SMMUV3_MACHINE,
    passthrough: false,
  },
  {
    name: 'pxb-bypass',
    what: 'two expander bridges, the one at bus 0x80 with bypass_iommu=on: its RIDs go straight to the ITS',
    machine: 'virt,gic-version=3,its=on,iommu=smmuv3',
    devices: [
      'virtio-net-pci,addr=2.0,romfile=',
      'pxb-pcie,id=pxb1,bus_nr=0x80,bus=pcie.0,addr=8.0,bypass_iommu=on',
      'pcie-root-port,id=rp2,bus=pxb1,chassis=2,addr=0.0',
      'virtio-net-pci,bus=rp2,romfile=',
      'pxb-pcie,id=pxb2,bus_nr=0xc0,bus=pcie.0,addr=9.0',
      'pcie-root-port,id=rp3,bus=pxb2,chassis=3,addr=0.0',
      'virtio-rng-pci,bus=rp3',
    ],
  },
  {
    name: 'off-by-one-its',
    what: "bus 0 alone through the SMMU, a bypass expander bridge at bus 1: QEMU's row 0x0 NumIDs 0x100 reaches the root port at RID 0x100, which the next row sends to the ITS",
    machine: 'virt,gic-version=3,its=on,iommu=smmuv3',
    devices: [
      'virtio-net-pci,addr=2.0,romfile=',
      'pxb-pcie,id=pxb1,bus_nr=1,bus=pcie.0,addr=8.0,bypass_iommu=on',
      'pcie-root-port,id=rp2,bus=pxb1,chassis=2,addr=0.0',
      'virtio-net-pci,bus=rp2,romfile=',
    ],
  },
  {
    name: 'off-by-one-smmu',
    what: 'the same with the expander bridge translated: RID 0x100 is at the end of one SMMU row and the start of the next',
    machine: 'virt,gic-version=3,its=on,iommu=smmuv3',
    devices: [
      'virtio-net-pci,addr=2.0,romfile=',
      'pxb-pcie,id=pxb1,bus_nr=1,bus=pcie.0,addr=8.0',
      'pcie-root-port,id=rp2,bus=pxb1,chassis=2,addr=0.0',
      'virtio-net-pci,bus=rp2,romfile=',
    ],
  },
  {
    name: 'virtio-iommu',
    what: 'no SMMU; a virtio-iommu-pci described by the VIOT, and a bypass expander bridge it leaves out',
    machine: 'virt,gic-version=3,its=on',
    devices: [
      'virtio-iommu-pci,addr=1.0',
      'virtio-net-pci,addr=2.0,romfile=',
      'pcie-root-port,id=rp1,addr=5.0,chassis=1',
      'virtio-net-pci,bus=rp1,romfile=',
      'pxb-pcie,id=pxb1,bus_nr=0x80,bus=pcie.0,addr=8.0,bypass_iommu=on',
      'pcie-root-port,id=rp2,bus=pxb1,chassis=2,addr=0.0',
      'virtio-rng-pci,bus=rp2',
    ],
  },
];

/** Modules the ACPI variants' drivers need (those a kernel lacks or builds in are left out). */
export const ACPI_MODULES = ['virtio_iommu', 'virtio_pci', 'virtio_net', 'virtio_rng', 'virtio_blk', 'e1000e'];

/**
 * The console between init's markers: dmesg lines (timestamps cut), the ACPI tables as bytes
 * (`od -An -tx1 -v` output), and per PCI function its group, MSI count, drivers and config space.
 */
export function parseAcpiConsole(text) {
  const dmesg = [];
  const tables = {};
  const devices = new Map();
  let section = null;
  let bytes = null;
  let complete = false;
  for (const raw of text.split(/\r?\n/)) {
    let m;
    if (raw.startsWith('@@dmesg')) section = 'dmesg';
    else if (raw.startsWith('@@end')) {
      complete = true;
      section = null;
    } else if ((m = /^@@table (\w+)$/.exec(raw))) {
      section = 'bytes';
      bytes = tables[m[1]] = [];
    } else if ((m = /^@@config [0-9a-f]{4}:(\S+)$/.exec(raw))) {
      section = 'bytes';
      bytes = devices.get(m[1]).config = [];
    } else if ((m = /^@@dev [0-9a-f]{4}:(\S+) group=(\S*) msi=(\d+) driver=(\S*) vdriver=(\S*)/.exec(raw))) {
      section = null;
      devices.set(m[1], { group: m[2] || null, msi: Number(m[3]), driver: m[4] || null, vdriver: m[5] || null });
    } else if (raw.startsWith('@@')) section = null;
    else if (section === 'dmesg') dmesg.push(raw.replace(/^\[\s*\d+\.\d+\] /, ''));
    else if (section === 'bytes' && /^( [0-9a-f]{2})+\s*$/.test(raw))
      bytes.push(
        ...raw
          .trim()
          .split(/\s+/)
          .map((h) => parseInt(h, 16)),
      );
  }
  for (const [k, v] of Object.entries(tables)) tables[k] = Buffer.from(v);
  for (const d of devices.values()) d.config = d.config ? Buffer.from(d.config) : null;
  return { dmesg, tables, devices, complete };
}

/** The capability IDs in a function's config space (PCI_STATUS_CAP_LIST, then the list at 0x34). */
export function capabilities(config) {
  const caps = [];
  if (!config || config.length < 0x40 || !(config.readUInt16LE(6) & 0x10)) return caps;
  let at = config[0x34] & 0xfc;
  for (let n = 0; at >= 0x40 && at + 1 < config.length && n < 48; n++) {
    caps.push(config[at]);
    at = config[at + 1] & 0xfc;
  }
  return caps;
}

/** A function that would take MSIs if its domain allows: an MSI (0x05) or MSI-X (0x11) capability. */
export const msiCapable = (config) => capabilities(config).some((c) => c === 0x05 || c === 0x11);

/**
 * The kernel's `[Firmware Bug]` lines about ID mappings, with the hashed pointer iort_id_map()
 * prints (`[map %p]`) taken out so they compare across boots.
 */
export const normalizeFwBug = (line) =>
  line
    .slice(Math.max(0, line.indexOf('[Firmware Bug]')))
    .replace(/\[map [^\]]*\] /, '[map] ')
    .trim();
export function fwBugLines(dmesg) {
  return [...new Set(dmesg.filter((l) => /\[Firmware Bug\]/.test(l)).map(normalizeFwBug))];
}

/** The lines of the boot that say what IORT/VIOT/SMMU/ITS did (shown in the report). */
export function firmwareLines(dmesg) {
  return dmesg.filter((l) =>
    /\[Firmware Bug\]|ACPI: (IORT|VIOT)|\bIORT\b|\bviot\b|virtio_iommu|arm-smmu-v3|ITS@|GICv3/.test(l),
  );
}

/** The BDF (bb:dd.f) of the virtio-iommu the VIOT names (its virtio-pci IOMMU node, type 3). */
export function viotIommuBdf(viot) {
  if (!viot || viot.length < 48) return null;
  const count = viot.readUInt16LE(36);
  let at = viot.readUInt16LE(38);
  for (let i = 0; i < count && at + 4 <= viot.length; i++) {
    const type = viot[at];
    const length = viot.readUInt16LE(at + 2);
    if (type === 3 && at + 8 <= viot.length) {
      const bdf = viot.readUInt16LE(at + 6);
      return `${(bdf >> 8).toString(16).padStart(2, '0')}:${((bdf >> 3) & 31).toString(16).padStart(2, '0')}.${bdf & 7}`;
    }
    if (length < 4) break;
    at += length;
  }
  return null;
}

/**
 * dtmap's predictions for an ACPI boot: `dtmap query <dir> <seg:bus:dev.fn>... --format json`
 * (`dtmap(argv)` runs the CLI, returns its stdout) on `dir`, the folder of the dumped tables (the
 * IORT, and the VIOT where there is one), which dtmap reads as the kernel reads
 * /sys/firmware/acpi/tables. Returns bdf -> {iommu, msi}, or null for every function when the
 * query cannot answer (its error in `.error`).
 */
export function acpiPredictions(dtmap, dir, kernel) {
  const bdfs = [...kernel.devices.keys()];
  const ridOf = (b) => {
    const [bus, dev, fn] = b.split(/[:.]/).map((x) => parseInt(x, 16));
    return (bus << 8) | (dev << 3) | fn;
  };
  let answers = null;
  let error = null;
  try {
    const out = JSON.parse(dtmap(['query', dir, ...bdfs.map((b) => `0000:${b}`), '--format', 'json']));
    answers = new Map(bdfs.map((b) => [b, out.find((r) => (r.segment ?? 0) === 0 && r.rid === ridOf(b)) ?? null]));
  } catch (err) {
    error = err.message.split('\n')[0];
  }
  const predict = (bdf) => {
    const a = answers?.get(bdf);
    return a ? { iommu: a.iommu, msi: a.msi } : null;
  };
  predict.error = error;
  return predict;
}

const logLines = (r) =>
  r?.log === undefined || r?.log === null
    ? []
    : (Array.isArray(r.log) ? r.log : String(r.log).split('\n')).filter(Boolean);

/**
 * One row per PCI function the kernel listed. `predict(bdf)` is dtmap's answer for it
 * ({iommu, msi} as `dtmap query --format json` gives them, iommu from the VIOT when there is
 * one) or null when dtmap cannot answer yet. `kernelConfig` decides what the kernel can read:
 * without CONFIG_ACPI_VIOT (Debian's 6.1) the VIOT is never looked at.
 */
export function compareAcpi(kernel, predict, { viotRead }) {
  const rows = [];
  const viommu = viotIommuBdf(kernel.tables.VIOT);
  const predictedFw = new Set();
  let anyPrediction = false;
  for (const [bdf, k] of [...kernel.devices].sort(([a], [b]) => a.localeCompare(b))) {
    const p = predict(bdf);
    const caps = capabilities(k.config);
    // what binds: an IOMMU (and its group) is set up when a driver probes (pci_dma_configure()
    // -> acpi_dma_configure_id() from really_probe()); virtio-pci allocates its vectors only
    // when a virtio driver binds the virtio device (vp_find_vqs())
    const bound = k.driver !== null;
    const usesIrqs = bound && (k.driver !== 'virtio-pci' || k.vdriver !== null);
    const row = {
      bdf,
      kind: k.driver ?? 'no driver',
      iommu: '(no prediction yet)',
      msi: '(no prediction yet)',
      group: `-/${k.group !== null ? 'yes' : 'no'}`,
      msis: `-/${k.msi}`,
      fw: '-',
      why: [],
      predicted: p !== null,
    };
    if (p) {
      anyPrediction = true;
      const iommuTarget = p.iommu?.status === 'translated' ? String(p.iommu.target ?? '') : '';
      const viaViot = /virtio-iommu/.test(iommuTarget);
      let wantGroup = bound && iommuTarget !== '' && /^(smmu|virtio-iommu)/.test(iommuTarget);
      // what the description gives, for the audit verdicts (audit.mjs)
      row.expect = {
        iommu: /^(smmu|virtio-iommu)/.test(iommuTarget) && !(viaViot && viommu === bdf),
        sidTaken: false,
        msiDomain: /^its/.test(p.msi?.status === 'translated' ? String(p.msi.target ?? '') : ''),
      };
      let note = '';
      if (wantGroup && viaViot && !viotRead) {
        wantGroup = false;
        note = 'kernel without CONFIG_ACPI_VIOT';
      } else if (wantGroup && viaViot && viommu === bdf) {
        // viot_dev_iommu_init(): the virtio-iommu does not translate itself
        wantGroup = false;
        note = 'the virtio-iommu itself';
      }
      const msiTarget = p.msi?.status === 'translated' ? String(p.msi.target ?? '') : '';
      const reachesIts = /^its/.test(msiTarget);
      const wantMsi = reachesIts && usesIrqs && caps.some((c) => c === 0x05 || c === 0x11);
      row.iommu = p.iommu ? cell(p.iommu) : '-';
      row.msi = p.msi ? cell(p.msi) : '-';
      row.group = `${wantGroup ? 'yes' : 'no'}/${k.group !== null ? 'yes' : 'no'}`;
      row.msis = `${wantMsi ? '>0' : '0'}/${k.msi}`;
      if (note) row.note = note;
      if (wantGroup !== (k.group !== null))
        row.why.push(
          `iommu group: dtmap predicts ${wantGroup ? 'one' : 'none'}, the kernel ${k.group !== null ? `put it in group ${k.group}` : 'gave none'}`,
        );
      if (wantMsi !== k.msi > 0)
        row.why.push(`MSI: dtmap predicts ${wantMsi ? 'some' : 'none'}, the kernel allocated ${k.msi}`);
      const fw = [...new Set([...logLines(p.iommu), ...logLines(p.msi)].filter((l) => /Firmware Bug/.test(l)))];
      fw.map(normalizeFwBug).forEach((l) => predictedFw.add(l));
      row.fw = fw.length ? fw.map(shortFw).join(' + ') : '-';
    }
    row.agree = row.why.length === 0;
    rows.push(row);
  }
  // every [Firmware Bug] line the kernel printed must be one dtmap's log predicts, and the reverse
  const seen = fwBugLines(kernel.dmesg);
  if (anyPrediction) {
    const extra = seen.filter((l) => !predictedFw.has(l));
    const missing = [...predictedFw].filter((l) => !seen.includes(l));
    if (extra.length || missing.length)
      rows.push({
        bdf: '-',
        kind: 'firmware-bug lines',
        iommu: '-',
        msi: '-',
        group: '-',
        msis: '-',
        fw: `${seen.length} printed`,
        agree: false,
        predicted: true,
        why: [
          ...extra.map((l) => `kernel printed "${l}", no prediction has it`),
          ...missing.map((l) => `dtmap predicts "${l}", the kernel did not print it`),
        ],
      });
  }
  return { rows, fwBug: seen };
}

function cell(r) {
  if (r.status === 'translated') return `${r.target} 0x${Number(r.id).toString(16)}`;
  if (r.status === 'error') return `error${r.errno ? ` ${r.errno}` : ''}`;
  return r.status;
}

const shortFw = (line) => {
  const m = /conflicting mapping for input ID (0x[0-9a-f]+)/.exec(line);
  if (m) return `conflict ${m[1]}`;
  if (/applying workaround/.test(line)) return 'workaround';
  return normalizeFwBug(line).replace(/^\[Firmware Bug\]: /, '');
};
