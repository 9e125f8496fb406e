// The map variants `npm run test:kernel` boots, and the PCI devices it boots them with.
// Each variant replaces only the host bridge's maps in QEMU's own DTB (four add an msi-parent
// to the bridge; `dropMsiCells` also drops the ITS's #msi-cells, so that `<&its>` is a whole
// entry: the booted 6.1.192 reads msi-parent as phandles with #msi-cells arguments, as 6.12 does,
// dtmap's hostMsiDomain() 'current' form); `&smmu` and `&its` are
// the labels run.mjs gives QEMU's SMMUv3 and ITS nodes, 0xdead is a phandle no node has.

/**
 * The PCI functions QEMU is given, in the order Linux binds their drivers: pcieport is built in
 * and binds during boot, virtio-pci binds when init loads it, in bus order.
 * `driver`: a driver binds (only then is iommu-map read: of_dma_configure() runs from
 * really_probe()); `vectors`: the MSI/MSI-X vectors its driver gets on a DeviceID of its own
 * (virtio-net: config + rx + tx; virtio-keyboard: QEMU's 2-entry MSI-X table, so config + one
 * shared vector; the root port: one MSI); `virtio`: the driver falls back to 2 vectors, then to
 * INTx, when the first allocation fails (vp_find_vqs()); `parent`: the bridge above it.
 */
export const DEVICES = [
  { bdf: '00:00.0', rid: 0x000, kind: 'host bridge', qemu: null, driver: false, vectors: 0, virtio: false },
  {
    bdf: '00:05.0',
    rid: 0x028,
    kind: 'root port',
    qemu: 'pcie-root-port,id=rp1,addr=5.0,chassis=1',
    driver: true,
    vectors: 1,
    virtio: false,
  },
  {
    bdf: '00:02.0',
    rid: 0x010,
    kind: 'endpoint (virtio-net)',
    qemu: 'virtio-net-pci,addr=2.0,romfile=',
    driver: true,
    vectors: 3,
    virtio: true,
  },
  {
    bdf: '00:03.0',
    rid: 0x018,
    kind: 'endpoint (virtio-keyboard)',
    qemu: 'virtio-keyboard-pci,addr=3.0',
    driver: true,
    vectors: 2,
    virtio: true,
  },
  {
    bdf: '00:04.0',
    rid: 0x020,
    kind: 'multifunction .0 (virtio-net)',
    qemu: 'virtio-net-pci,addr=4.0,multifunction=on,romfile=',
    driver: true,
    vectors: 3,
    virtio: true,
  },
  {
    bdf: '00:04.1',
    rid: 0x021,
    kind: 'multifunction .1 (virtio-net)',
    qemu: 'virtio-net-pci,addr=4.1,romfile=',
    driver: true,
    vectors: 3,
    virtio: true,
  },
  {
    bdf: '01:00.0',
    rid: 0x100,
    kind: 'behind the root port (virtio-net)',
    qemu: 'virtio-net-pci,bus=rp1,addr=0.0,romfile=',
    driver: true,
    vectors: 3,
    virtio: true,
    parent: '00:05.0',
  },
];

/** Kernel modules init loads (with their dependencies, from each module's .modinfo). */
export const MODULES = ['virtio_pci', 'virtio_net', 'virtio_input'];

/**
 * name, what it shows, and the property lines written into the host bridge (replacing QEMU's
 * `iommu-map` and `msi-map`; a property left out is absent); `passthrough: false` boots without
 * iommu.passthrough=1, so that the kernel gives DMA domains (run.mjs).
 */
export const VARIANTS = [
  {
    name: 'identity',
    what: "QEMU's own maps",
    props: ['iommu-map = <0x0 &smmu 0x0 0x10000>;', 'msi-map = <0x0 &its 0x0 0x10000>;'],
  },
  {
    name: 'offset',
    what: 'one entry each, with an output offset',
    props: ['iommu-map = <0x0 &smmu 0x1000 0x10000>;', 'msi-map = <0x0 &its 0x40 0x10000>;'],
  },
  {
    name: 'entries',
    what: 'several entries with different offsets',
    props: [
      'iommu-map = <0x0 &smmu 0x0 0x18>, <0x18 &smmu 0x200 0x8>, <0x20 &smmu 0x300 0x10>, <0x30 &smmu 0x30 0xffd0>;',
      'msi-map = <0x0 &its 0x0 0x20>, <0x20 &its 0x120 0x8>, <0x28 &its 0x28 0xd8>, <0x100 &its 0x800 0x100>;',
    ],
  },
  {
    name: 'fold-functions',
    what: 'mask 0xfff8 folds the functions of a device',
    props: [
      'iommu-map = <0x0 &smmu 0x0 0x10000>;',
      'iommu-map-mask = <0xfff8>;',
      'msi-map = <0x0 &its 0x0 0x10000>;',
      'msi-map-mask = <0xfff8>;',
    ],
  },
  {
    name: 'fold-bus',
    what: 'mask 0xff00 folds a whole bus, with offsets',
    props: [
      'iommu-map = <0x0 &smmu 0x10 0x100>, <0x100 &smmu 0x20 0x100>;',
      'iommu-map-mask = <0xff00>;',
      'msi-map = <0x0 &its 0x0 0x10000>;',
    ],
  },
  {
    name: 'gap',
    what: 'iommu-map leaves out device 4, msi-map leaves out bus 1',
    props: ['iommu-map = <0x0 &smmu 0x0 0x20>, <0x28 &smmu 0x28 0xffd8>;', 'msi-map = <0x0 &its 0x0 0x100>;'],
  },
  {
    name: 'bad-length-iommu',
    what: 'iommu-map in 5-cell rows (not whole 4-cell entries)',
    props: ['iommu-map = <0x0 &smmu 0x0 0x0 0x10000>;', 'msi-map = <0x0 &its 0x0 0x10000>;'],
  },
  {
    name: 'bad-length-msi',
    what: 'msi-map of 3 cells, iommu-map empty',
    props: ['iommu-map;', 'msi-map = <0x0 &its 0x0>;'],
  },
  {
    name: 'mask-ignores-base',
    what: 'mask 0xff drops the bus bits, a later entry has rid-base 0x100',
    props: [
      'iommu-map = <0x0 &smmu 0x0 0x10>, <0x100 &smmu 0x100 0x100>;',
      'iommu-map-mask = <0xff>;',
      'msi-map = <0x10 &its 0x10 0x20>, <0x100 &its 0x100 0x100>;',
      'msi-map-mask = <0xff>;',
    ],
  },
  {
    name: 'overlap',
    what: 'entries shadowing each other: first match wins',
    props: [
      'iommu-map = <0x0 &smmu 0x0 0x30>, <0x20 &smmu 0x500 0x10>, <0x100 &smmu 0x900 0x8>, <0x0 &smmu 0x0 0x10000>;',
      'msi-map = <0x18 &its 0x218 0x1>, <0x0 &its 0x0 0x10000>;',
    ],
  },
  {
    name: 'dangling-phandle',
    what: 'an entry whose phandle names no node',
    props: [
      'iommu-map = <0x0 &smmu 0x0 0x20>, <0x20 0xdead 0x20 0x10>, <0x30 &smmu 0x30 0xffd0>;',
      'msi-map = <0x0 &its 0x0 0x100>, <0x100 0xdead 0x100 0x100>;',
    ],
  },
  {
    name: 'length-0',
    what: 'a length-0 entry matches nothing',
    props: [
      'iommu-map = <0x0 &smmu 0x0 0x0>, <0x10 &smmu 0x10 0xfff0>;',
      'msi-map = <0x20 &its 0x20 0x0>, <0x0 &its 0x0 0x10000>;',
    ],
  },
  {
    name: 'wrap',
    what: 'rid-base + length reaches 2^32: the entry matches nothing (classic)',
    props: ['iommu-map = <0x0 &smmu 0x0 0x10>, <0x10 &smmu 0x10 0xfffffff0>;', 'msi-map = <0x0 &its 0x0 0x10000>;'],
  },
  {
    name: 'wrong-target',
    what: 'msi-map reaching the SMMU, iommu-map reaching the ITS',
    props: ['iommu-map = <0x0 &its 0x0 0x10000>;', 'msi-map = <0x0 &smmu 0x0 0x10000>;'],
  },
  {
    name: 'gap-msi-parent',
    what: "msi-map covers devices 0-3 only; the bridge's msi-parent is the fallback for the rest",
    props: ['iommu-map = <0x0 &smmu 0x0 0x10000>;', 'msi-map = <0x0 &its 0x0 0x20>;', 'msi-parent = <&its>;'],
  },
  {
    name: 'msi-parent-args',
    what: "the same with ls1028a's form msi-parent = <&its 0>: one whole entry for the ITS's #msi-cells = <1>, so the fallback applies",
    props: ['iommu-map = <0x0 &smmu 0x0 0x10000>;', 'msi-map = <0x0 &its 0x0 0x20>;', 'msi-parent = <&its 0>;'],
  },
  {
    name: 'msi-parent-no-cells',
    what: 'the same, with #msi-cells dropped from the ITS: now the msi-parent fallback applies',
    props: ['iommu-map = <0x0 &smmu 0x0 0x10000>;', 'msi-map = <0x0 &its 0x0 0x20>;', 'msi-parent = <&its>;'],
    dropMsiCells: true,
  },
  {
    name: 'fallback-collision',
    what: 'fallback DeviceID = RID 0x20 for 00:04.0 (in the gap) is also the one the map gives 01:00.0',
    props: [
      'iommu-map = <0x0 &smmu 0x0 0x10000>;',
      'msi-map = <0x0 &its 0x0 0x20>, <0x28 &its 0x28 0x1>, <0x100 &its 0x20 0x1>;',
      'msi-parent = <&its>;',
    ],
    dropMsiCells: true,
  },
  {
    name: 'absent',
    what: 'no maps at all',
    props: [],
  },
  {
    name: 'dma',
    what: "QEMU's own maps, booted with DMA domains (no iommu.passthrough=1): dtmap audit's isolated",
    props: ['iommu-map = <0x0 &smmu 0x0 0x10000>;', 'msi-map = <0x0 &its 0x0 0x10000>;'],
    passthrough: false,
  },
  {
    name: 'dma-gaps',
    what: 'both maps leave out device 4, no msi-parent, DMA domains: no IOMMU and no MSI domain for 00:04.x',
    props: [
      'iommu-map = <0x0 &smmu 0x0 0x20>, <0x28 &smmu 0x28 0xffd8>;',
      'msi-map = <0x0 &its 0x0 0x20>, <0x28 &its 0x28 0xffd8>;',
    ],
    passthrough: false,
  },
  {
    name: 'short-mask',
    what: 'mask properties shorter than a cell are ignored',
    props: [
      'iommu-map = <0x0 &smmu 0x0 0x10000>;',
      'iommu-map-mask = [ff];',
      'msi-map = <0x0 &its 0x0 0x10000>;',
      'msi-map-mask = [00 ff];',
    ],
  },
];
