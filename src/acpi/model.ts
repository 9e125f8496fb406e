// The ACPI front's model: an IORT or a VIOT as its bytes say, field by field, before any walk.
// The readers (iort.ts, viot.ts) fill it and bounds-check every offset; the tables (tables.ts)
// make core rows of it. Layouts: the IORT specification (DEN0049, revisions 0 to E.g) and the
// VIOT of ACPI 6.5 (5.2.32), as ACPICA's actbl2.h spells them.

/** One field as iasl's disassembler prints it: label, absolute table offset, size in bytes, value. */
export interface Field {
  name: string;
  offset: number;
  size: number;
  value: number | bigint | string;
  /**
   * A field `iasl -d` prints no line for: ACPICA reads it as part of a reserved tail (the root
   * complex flags of IORT E.d). Flag decodes iasl prints without an offset are not fields.
   */
  notInIasl?: boolean;
}

/** The standard ACPI table header (36 bytes). */
export interface AcpiHeader {
  signature: string;
  length: number;
  revision: number;
  checksum: number;
  oemId: string;
  oemTableId: string;
  oemRevision: number;
  creatorId: string;
  creatorRevision: number;
  /** The bytes of `length` sum to 0 mod 256. */
  checksumOk: boolean;
}

export const IORT_TYPES = [
  'its-group',
  'named-component',
  'root-complex',
  'smmu',
  'smmu-v3',
  'pmcg',
  'rmr',
  'iwb',
] as const;
/** Node types 0-7; a type the specification does not define reads as 'unknown'. */
export type IortTypeName = (typeof IORT_TYPES)[number] | 'unknown';

/** One ID mapping (20 bytes) of a node's array, at any offset (Qualcomm's start at 0x3d). */
export interface IortIdMapping {
  /** Position in the node's array. */
  index: number;
  /** Absolute table offset of the mapping. */
  offset: number;
  inputBase: number;
  /** The number of IDs minus one. */
  idCount: number;
  outputBase: number;
  /** Table offset of the node the mapping goes to (0: NULL). */
  outputReference: number;
  flags: number;
  /** Flags bit 0, ACPI_IORT_ID_SINGLE_MAPPING. */
  single: boolean;
}

export interface IortNode {
  /** Absolute table offset: what output references name. */
  offset: number;
  type: number;
  typeName: IortTypeName;
  length: number;
  revision: number;
  /** The node identifier (IORT E.b+), the reserved word before (iasl's label follows the table revision). */
  identifier: number;
  mappingCount: number;
  mappingOffset: number;
  mappings: IortIdMapping[];
  /** Every field of the node, mappings included, in table order. */
  fields: Field[];
  /** Type 0: the GIC ITS identifiers. */
  its?: { identifiers: number[] };
  /** Type 1; `memoryAddressLimit` is the "Memory Size Limit" byte (every revision has it). */
  namedComponent?: { flags: number; name: string; memoryAddressLimit?: number };
  /**
   * Type 2; `memoryAddressLimit` from node revision 1 (rc_dma_get_range() ignores it before),
   * `pasidCapabilities` and `flags` from node revision 4 (E.d), each only when the node has room
   * for it before its mappings (undefined otherwise).
   */
  rootComplex?: {
    segment: number;
    ats: number;
    memoryAddressLimit?: number;
    pasidCapabilities?: number;
    flags?: number;
  };
  /** Type 3, with its context and PMU interrupts (GSIV and flags, as one 64-bit word each). */
  smmu?: {
    base: bigint;
    span: bigint;
    model: number;
    flags: number;
    contextInterrupts?: bigint[];
    pmuInterrupts?: bigint[];
  };
  /**
   * Type 4; `pxm` when the node has room for it (the kernel reads it by its flag, whatever the
   * revision), `idMappingIndex` from node revision 1 (iort_get_id_mapping_index()); undefined else.
   */
  smmuV3?: {
    base: bigint;
    flags: number;
    model: number;
    eventGsiv: number;
    priGsiv: number;
    gerrGsiv: number;
    syncGsiv: number;
    pxm?: number;
    idMappingIndex?: number;
  };
  /** Type 5; `page1Base` from node revision 1, when the node has room for it. */
  pmcg?: { page0Base: bigint; overflowGsiv: number; nodeReference: number; page1Base?: bigint };
  /** Type 6. */
  rmr?: { flags: number; ranges: Array<{ base: bigint; length: bigint }> };
  /** Type 7 (E.g): the interrupt wire bridge; `frameId` is iasl's "IWB Index". */
  iwb?: { base: bigint; frameId: number; name: string };
}

export interface Iort {
  signature: 'IORT';
  /** The input as named (a file, or `file:IORT` for one table of an acpidump text). */
  file: string;
  header: AcpiHeader;
  nodeCount: number;
  nodeOffset: number;
  nodes: IortNode[];
  /** Header fields (standard header, node count, offset, reserved), in table order. */
  fields: Field[];
}

export const VIOT_TYPES = ['pci-range', 'mmio', 'virtio-iommu-pci', 'virtio-iommu-mmio'] as const;
/** Node types 1-4; anything else reads as 'unknown'. */
export type ViotTypeName = (typeof VIOT_TYPES)[number] | 'unknown';

export interface ViotNode {
  offset: number;
  type: number;
  typeName: ViotTypeName;
  length: number;
  fields: Field[];
  /** Type 1: PCI endpoints segment:bdf in [start, end] x [start, end]. */
  pciRange?: {
    endpointStart: number;
    segmentStart: number;
    segmentEnd: number;
    bdfStart: number;
    bdfEnd: number;
    outputNode: number;
  };
  /** Type 2: one MMIO endpoint. */
  mmio?: { endpointId: number; base: bigint; outputNode: number };
  /** Type 3: a virtio-iommu that is a PCI function. */
  virtioPci?: { segment: number; bdf: number };
  /** Type 4: a virtio-mmio virtio-iommu. */
  virtioMmio?: { base: bigint };
}

export interface Viot {
  signature: 'VIOT';
  file: string;
  header: AcpiHeader;
  nodeCount: number;
  nodeOffset: number;
  nodes: ViotNode[];
  fields: Field[];
}

export type AcpiTable = Iort | Viot;
