// Reads a boot's console and compares, per PCI function and map, what the kernel did with what
// dtmap predicts. Pure functions: run.mjs does the I/O.

const hex8 = (n) => (n >>> 0).toString(16).padStart(8, '0');
const PROPERTY = { iommu: 'iommu-map', msi: 'msi-map' };

/** The console between init's markers: dmesg lines (timestamps cut) and /sys/bus/pci/devices. */
export function parseConsole(text) {
  const lines = text.split(/\r?\n/);
  const dmesg = [];
  const devices = new Map();
  let inDmesg = false;
  let complete = false;
  for (const raw of lines) {
    const line = raw.replace(/^\[\s*\d+\.\d+\] /, '');
    if (raw.startsWith('@@dmesg')) inDmesg = true;
    else if (raw.startsWith('@@end')) complete = true;
    else if (raw.startsWith('@@dev ')) {
      inDmesg = false;
      const m = /^@@dev [0-9a-f]{4}:(\S+) group=(\S*) msi=(\d+) driver=(\S*)/.exec(raw);
      if (m) devices.set(m[1], { group: m[2] || null, msi: Number(m[3]), driver: m[4] || null });
    } else if (inDmesg) dmesg.push(line);
  }
  return { dmesg, devices, complete };
}

/** The lines of_map_id() (drivers/of/base.c) prints: translations (pr_debug), bypasses, errors. */
function mapLines(dmesg, node) {
  const esc = node.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const debug = new RegExp(
    `^OF: ${esc}: (iommu-map|msi-map), using mask [0-9a-f]{8}, id-base: [0-9a-f]{8}, out-base: [0-9a-f]{8}, length: [0-9a-f]{8}, id: ([0-9a-f]{8}) -> [0-9a-f]{8}$`,
  );
  const bypass = new RegExp(`^OF: ${esc}: no (iommu-map|msi-map) translation for id 0x([0-9a-f]+) on `);
  const error = new RegExp(`^OF: ${esc}: (Error: Bad|Invalid) `);
  const out = [];
  for (const line of dmesg) {
    let m;
    if ((m = debug.exec(line))) out.push({ line, kind: 'translated', property: m[1], id: parseInt(m[2], 16) });
    else if ((m = bypass.exec(line))) out.push({ line, kind: 'bypass', property: m[1], id: parseInt(m[2], 16) });
    else if (error.test(line))
      out.push({ line, kind: 'error', property: /(iommu-map|msi-map)/.exec(line)?.[1] ?? null, id: null });
  }
  return out;
}

/** The pr_debug line of_map_id() prints for a translation, from dtmap's result and entry. */
export function expectedLines(result, entries, property, node, rid) {
  if (result.status === 'translated') {
    const e = entries[result.entry];
    return [
      `OF: ${node}: ${property}, using mask ${hex8(result.mask)}, id-base: ${hex8(e.ridBase)}, out-base: ${hex8(e.outBase)}, length: ${hex8(e.length)}, id: ${hex8(rid)} -> ${hex8(result.id)}`,
    ];
  }
  return result.log ? [result.log] : [];
}

const short = (line) =>
  /Bad \S+ length/.test(line) ? 'Bad length' : /ignores id-base/.test(line) ? 'mask ignores id-base' : line;

function dtmapCell(result) {
  if (result.status === 'translated') return `0x${result.id.toString(16)}`;
  if (result.status === 'error') return result.errno;
  if (result.status === 'no-map') return 'absent';
  return result.status;
}

/**
 * dtmap's lookup of msi-map filtered to the ITS, the one its_pci_msi_prepare() makes through
 * of_msi_map_id() when it allocates vectors (query shows the unfiltered one that picks the
 * domain). `lib` is dtmap's library (dist/index.js), `bytes` the DTB.
 */
export function filteredMsiLookup(lib, bytes, name, bridge, itsPath) {
  const tree = lib.readDtb(new Uint8Array(bytes), name);
  const node = tree.byPath(bridge);
  const map = lib.parseMap(tree, node, 'msi', 'classic');
  const its = tree.byPath(itsPath);
  const lookup = (rid) => {
    const r = lib.lookup(map?.table, rid, its);
    return {
      status: r.status,
      mask: r.mask,
      id: r.id,
      entry: r.entry ? map.entries.indexOf(r.entry) : null,
      errno: r.errno,
      log: r.log,
    };
  };
  // the host bridge's default MSI domain: its own msi-parent (pci_host_bridge_of_msi_domain()),
  // read as dtmap reads it for the booted kernel: Debian's 6.1.192 carries the October 2024
  // of_msi_get_domain() change (phandle + #msi-cells arguments), dtmap's `current` form
  lookup.hostDefault = lib.hostMsiDomain(tree, node, 'current')?.path ?? null;
  return lookup;
}

const pow2ceil = (n) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * The vectors a device gets from the ITS on DeviceID `devId`. The first device to use a
 * DeviceID sizes its ITT: its_pci_msi_prepare() asks for roundup_pow_of_two(nvec) events (at
 * least 32 for DeviceID 0); a later device on the same DeviceID reuses that ITT ("Reusing ITT for
 * devID", its_msi_prepare()) and gets vectors only while events are free. virtio-pci then retries
 * with 2 vectors, then INTx (vp_find_vqs()).
 */
function msiVectors(itts, devId, dev) {
  let itt = itts.get(devId);
  if (!itt) itts.set(devId, (itt = { size: devId === 0 ? 32 : pow2ceil(dev.vectors), used: 0 }));
  for (const n of dev.virtio && dev.vectors > 2 ? [dev.vectors, 2] : [dev.vectors]) {
    if (itt.used + n <= itt.size) {
      itt.used += n;
      return n;
    }
  }
  return 0;
}

/**
 * One row per device: both maps compared (log lines, iommu group, MSI count).
 * `targets`: {iommu, msi}, the node paths of QEMU's SMMUv3 and ITS; `msiLookup(rid)`: dtmap's
 * msi-map lookup filtered to the ITS.
 */
export function compare(devices, query, maps, kernel, targets, msiLookup) {
  const node = query[0].node;
  const lines = mapLines(kernel.dmesg, node);
  const explained = new Set();
  const usedStreamIds = new Set();
  const itts = new Map();
  const result = (dev) => query.find((r) => r.rid === dev.rid);
  // pci_set_msi_domain(): the domain of the first msi-map entry that matches (of_msi_map_get_device_domain()),
  // else the domain of the function's bus: on the root bus the host bridge's own (its msi-parent;
  // QEMU writes none), on a bus below a bridge the bridge's domain (pci_set_bus_msi_domain())
  const hostDefault = msiLookup.hostDefault === targets.msi ? targets.msi : null;
  const domain = (dev) => {
    const q = result(dev).msi;
    if (q.status === 'translated' && q.target === targets.msi) return targets.msi;
    return dev.parent ? domain(devices.find((d) => d.bdf === dev.parent)) : hostDefault;
  };
  const rows = [];
  // devices are listed in the order their drivers bind, which is the order SMMUv3 and the ITS see them
  for (const dev of devices) {
    const q = result(dev);
    const k = kernel.devices.get(dev.bdf);
    const row = { bdf: dev.bdf, rid: dev.rid, why: [] };
    if (!k) row.why.push('the kernel did not enumerate this device');
    const msiDomain = domain(dev);
    const allocates = msiDomain !== null && dev.vectors > 0;
    const filtered = allocates ? msiLookup(dev.rid) : null;
    for (const which of ['iommu', 'msi']) {
      const property = PROPERTY[which];
      const entries = maps.find((m) => m.node === node && m.property === property)?.entries ?? [];
      // iommu-map is read only when a driver binds (of_dma_configure() from really_probe());
      // msi-map for every function as it is added (pci_set_msi_domain() in pci_device_add()),
      // and again, filtered to the ITS, when vectors are allocated
      const readByKernel = which === 'msi' || dev.driver;
      const expected = readByKernel ? expectedLines(q[which], entries, property, node, dev.rid) : [];
      if (which === 'msi' && filtered)
        expected.push(
          ...expectedLines(filtered, entries, property, node, dev.rid).filter((l) => !expected.includes(l)),
        );
      const own = lines.filter((l) => l.property === property && l.id === dev.rid);
      const errorsSeen = expected.filter((e) => lines.some((l) => l.kind === 'error' && l.line === e));
      const cell = { dtmap: dtmapCell(q[which]) + (readByKernel ? '' : ' (not read)'), kernel: '-' };
      if (own.length)
        cell.kernel = [
          ...new Set(
            own.map((l) =>
              l.kind === 'bypass' ? 'bypass' : `0x${parseInt(l.line.split(' -> ')[1], 16).toString(16)}`,
            ),
          ),
        ].join(',');
      else if (errorsSeen.length) cell.kernel = short(errorsSeen[0]);
      for (const l of own) {
        if (expected.includes(l.line)) explained.add(l.line);
        else
          row.why.push(
            `${property}: kernel printed "${l.line}", dtmap expects ${expected.length ? `"${expected.join('" / "')}"` : 'no line'}`,
          );
      }
      for (const e of expected) {
        if (!lines.some((l) => l.line === e))
          row.why.push(`${property}: dtmap expects "${e}", the kernel did not print it`);
        else explained.add(e);
      }
      row[which] = cell;
    }
    // what the maps leave to the device: an IOMMU group, MSIs
    const sid = q.iommu.status === 'translated' && q.iommu.target === targets.iommu ? q.iommu.id : null;
    // arm_smmu_insert_master() refuses a StreamID another device already holds ("stream %u
    // already in tree", -EINVAL): the later device gets no IOMMU
    const wantGroup = dev.driver && sid !== null && !usedStreamIds.has(sid);
    // what the description gives, for the audit verdicts (audit.mjs): an IOMMU, a StreamID an
    // earlier device holds, an MSI domain
    row.expect = {
      iommu: sid !== null,
      sidTaken: sid !== null && usedStreamIds.has(sid),
      msiDomain: msiDomain !== null,
    };
    if (wantGroup) usedStreamIds.add(sid);
    // the DeviceID is the filtered lookup's output; on a bypass or an error it stays the RID (__of_msi_map_id())
    const deviceId = filtered ? (filtered.status === 'translated' ? filtered.id : dev.rid) : null;
    const wantMsi = allocates ? msiVectors(itts, deviceId, dev) : 0;
    if (allocates && deviceId !== (q.msi.status === 'translated' ? q.msi.id : null)) {
      row.msiNote = `${dev.parent ? `inherits ${dev.parent}'s` : "the host bridge's msi-parent"} MSI domain, DeviceID 0x${deviceId.toString(16)}`;
    }
    if (k) {
      const hasGroup = k.group !== null;
      row.group = `${wantGroup ? 'yes' : 'no'}/${hasGroup ? 'yes' : 'no'}`;
      row.msis = `${wantMsi}/${k.msi}`;
      if (wantGroup !== hasGroup)
        row.why.push(
          `iommu group: dtmap predicts ${wantGroup ? 'one' : 'none'}, the kernel ${hasGroup ? `put it in group ${k.group}` : 'gave none'}`,
        );
      if (wantMsi !== k.msi) row.why.push(`MSI: dtmap predicts ${wantMsi} vectors, the kernel allocated ${k.msi}`);
      if (dev.driver && k.driver === null) row.why.push('no driver bound');
    } else {
      row.group = row.msis = '-';
    }
    row.agree = row.why.length === 0;
    rows.push(row);
  }
  const bdfs = new Set(devices.map((d) => d.bdf));
  for (const bdf of kernel.devices.keys()) {
    if (!bdfs.has(bdf))
      rows.push({
        bdf,
        rid: -1,
        iommu: { dtmap: '-', kernel: '-' },
        msi: { dtmap: '-', kernel: '-' },
        group: '-',
        msis: '-',
        agree: false,
        why: ['a device the test does not know'],
      });
  }
  const unexplained = lines.filter((l) => !explained.has(l.line));
  if (unexplained.length) {
    rows.push({
      bdf: '-',
      rid: -1,
      iommu: { dtmap: '-', kernel: '-' },
      msi: { dtmap: '-', kernel: '-' },
      group: '-',
      msis: '-',
      agree: false,
      why: unexplained.map((l) => `kernel line no prediction explains: "${l.line}"`),
    });
  }
  return rows;
}
