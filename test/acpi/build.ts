// Builds ACPI test tables byte by byte: the standard header with its length and checksum filled
// in, IORT and VIOT nodes with their bodies, and the hex text of acpidump and iasl around them.
// Layouts from the IORT specification (DEN0049) and ACPI 6.5's VIOT; nothing here reads tables.

/** Little-endian bytes, appended. */
export class Writer {
  readonly bytes: number[] = [];
  get at(): number {
    return this.bytes.length;
  }
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  u64(v: bigint | number): this {
    const b = BigInt(v);
    return this.u32(Number(b & 0xffffffffn)).u32(Number((b >> 32n) & 0xffffffffn));
  }
  /** `s` as Latin-1, NUL-padded (or cut) to `size` bytes when given. */
  str(s: string, size = s.length): this {
    for (let i = 0; i < size; i++) this.u8(i < s.length ? s.charCodeAt(i) : 0);
    return this;
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.u8(0);
    return this;
  }
  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.u8(bytes[i]!);
    return this;
  }
}

export interface TableOptions {
  revision?: number;
  oemId?: string;
  oemTableId?: string;
  oemRevision?: number;
  creatorId?: string;
  creatorRevision?: number;
  /** Writes this in the length field instead of the real length. */
  lengthField?: number;
  /** Leaves the checksum wrong by this much. */
  checksumOff?: number;
}

/** A table: the 36-byte header, then `body`; length and checksum filled in. */
export function table(signature: string, body: ArrayLike<number>, o: TableOptions = {}): Uint8Array {
  const w = new Writer()
    .str(signature, 4)
    .u32(0)
    .u8(o.revision ?? 0)
    .u8(0)
    .str(o.oemId ?? 'DTMAP ', 6)
    .str(o.oemTableId ?? 'TESTTBL ', 8)
    .u32(o.oemRevision ?? 1)
    .str(o.creatorId ?? 'DTMP', 4)
    .u32(o.creatorRevision ?? 0x20240927)
    .raw(body);
  const out = Uint8Array.from(w.bytes);
  new DataView(out.buffer).setUint32(4, o.lengthField ?? out.length, true);
  let sum = 0;
  for (const b of out) sum = (sum + b) & 0xff;
  out[9] = (0x100 - sum + (o.checksumOff ?? 0)) & 0xff;
  return out;
}

// ---- IORT ----

export interface MappingSpec {
  inputBase: number;
  /** The number of IDs minus one, as the table stores it. */
  idCount: number;
  outputBase: number;
  /** The node the mapping goes to: its index in the table's node list, or a raw offset. */
  output: number | { offset: number };
  flags?: number;
}

/** A body: bytes after the 16-byte node header, or a function of the nodes' offsets (same length). */
export type Body = number[] | ((offsets: number[]) => number[]);

export interface IortNodeSpec {
  type: number;
  revision?: number;
  identifier?: number;
  body?: Body;
  mappings?: MappingSpec[];
  /** Bytes between the body and the mapping array (an unaligned array, as Qualcomm's at 0x3d). */
  gap?: number;
  /** Bytes after the mapping array. */
  tail?: number;
  /** Overrides of the header words. */
  length?: number;
  mappingCount?: number;
  mappingOffset?: number;
}

export interface IortOptions extends TableOptions {
  /** Bytes between the 48-byte header and the first node. */
  padding?: number;
  nodeCount?: number;
  nodeOffset?: number;
  /** Bytes appended after the last node (still inside the table). */
  trailing?: number;
}

function bodyBytes(body: Body | undefined, offsets: number[]): number[] {
  if (body === undefined) return [];
  return typeof body === 'function' ? body(offsets) : body;
}

/** An IORT of these nodes, one after another from the header (after `padding`); their offsets too. */
export function iort(nodes: IortNodeSpec[], o: IortOptions = {}): { bytes: Uint8Array; offsets: number[] } {
  const first = 48 + (o.padding ?? 0);
  const sizes = nodes.map(
    (n) =>
      16 +
      bodyBytes(
        n.body,
        nodes.map(() => 0),
      ).length +
      (n.gap ?? 0) +
      20 * (n.mappings?.length ?? 0) +
      (n.tail ?? 0),
  );
  const offsets: number[] = [];
  let at = first;
  for (const s of sizes) {
    offsets.push(at);
    at += s;
  }
  const w = new Writer()
    .u32(o.nodeCount ?? nodes.length)
    .u32(o.nodeOffset ?? first)
    .u32(0)
    .zeros(o.padding ?? 0);
  nodes.forEach((n, i) => {
    const body = bodyBytes(n.body, offsets);
    const maps = n.mappings ?? [];
    w.u8(n.type)
      .u16(n.length ?? sizes[i]!)
      .u8(n.revision ?? 0)
      .u32(n.identifier ?? 0)
      .u32(n.mappingCount ?? maps.length)
      .u32(n.mappingOffset ?? (maps.length > 0 ? 16 + body.length + (n.gap ?? 0) : 0))
      .raw(body)
      .zeros(n.gap ?? 0);
    for (const m of maps)
      w.u32(m.inputBase)
        .u32(m.idCount)
        .u32(m.outputBase)
        .u32(typeof m.output === 'number' ? offsets[m.output]! : m.output.offset)
        .u32(m.flags ?? 0);
    w.zeros(n.tail ?? 0);
  });
  w.zeros(o.trailing ?? 0);
  return { bytes: table('IORT', w.bytes, { revision: 0, ...o }), offsets };
}

export interface MemoryProperties {
  cacheCoherency?: number;
  hints?: number;
  memoryFlags?: number;
}

function memory(w: Writer, m: MemoryProperties = {}): Writer {
  return w
    .u32(m.cacheCoherency ?? 1)
    .u8(m.hints ?? 0)
    .u16(0)
    .u8(m.memoryFlags ?? 3);
}

/** Type 0: ITS count, then the identifiers. */
export function itsGroup(identifiers: number[]): number[] {
  const w = new Writer().u32(identifiers.length);
  for (const id of identifiers) w.u32(id);
  return w.bytes;
}

/** Type 1: flags, memory properties, address limit, the name in a field of `nameBytes` (default: its length + NUL). */
export function namedComponent(o: {
  flags?: number;
  memory?: MemoryProperties;
  limit?: number;
  name: string;
  nameBytes?: number;
}): number[] {
  const w = new Writer().u32(o.flags ?? 0);
  memory(w, o.memory)
    .u8(o.limit ?? 0x28)
    .str(o.name, o.nameBytes ?? o.name.length + 1);
  return w.bytes;
}

/**
 * Type 2 as a layout has it: `rev0` the 16 bytes after the header of DEN0049C (no address limit),
 * `rev1` adding the address limit and 3 reserved (Qualcomm's 36-byte nodes), `rev4` with E.d's
 * PASID capabilities and flags (40 bytes).
 */
export function rootComplex(
  o: {
    memory?: MemoryProperties;
    ats?: number;
    segment?: number;
    limit?: number;
    pasid?: number;
    flags?: number;
  },
  layout: 'rev0' | 'rev1' | 'rev4',
): number[] {
  const w = memory(new Writer(), o.memory)
    .u32(o.ats ?? 0)
    .u32(o.segment ?? 0);
  if (layout === 'rev0') return w.bytes;
  w.u8(o.limit ?? 0x30)
    .u16(o.pasid ?? 0)
    .u8(0);
  if (layout === 'rev4') w.u32(o.flags ?? 0);
  return w.bytes;
}

/**
 * Type 3: the fixed fields (the node's first 60 bytes), the global interrupts at node offset 60,
 * the context interrupts and PMU interrupts after them (GSIV | flags << 32 each).
 */
export function smmu(o: {
  base: bigint;
  span: bigint;
  model?: number;
  flags?: number;
  global?: [number, number, number, number];
  context?: bigint[];
  pmu?: bigint[];
}): number[] {
  const context = o.context ?? [];
  const pmu = o.pmu ?? [];
  const gio = 60;
  const cio = gio + 16;
  const pio = cio + 8 * context.length;
  const w = new Writer()
    .u64(o.base)
    .u64(o.span)
    .u32(o.model ?? 3)
    .u32(o.flags ?? 0)
    .u32(gio)
    .u32(context.length)
    .u32(context.length > 0 ? cio : 0)
    .u32(pmu.length)
    .u32(pmu.length > 0 ? pio : 0);
  for (const v of o.global ?? [0x61, 0, 0, 0]) w.u32(v);
  for (const v of context) w.u64(v);
  for (const v of pmu) w.u64(v);
  return w.bytes;
}

/** Type 4: the fields up to the sync GSIV (44 bytes), then proximity domain and ID mapping index when given. */
export function smmuV3(o: {
  base: bigint;
  flags?: number;
  vatos?: bigint;
  model?: number;
  gsiv?: [number, number, number, number];
  pxm?: number;
  idMappingIndex?: number;
}): number[] {
  const w = new Writer()
    .u64(o.base)
    .u32(o.flags ?? 0)
    .u32(0)
    .u64(o.vatos ?? 0n)
    .u32(o.model ?? 0);
  for (const v of o.gsiv ?? [0x3d7, 0, 0x3db, 0x3d9]) w.u32(v);
  if (o.pxm !== undefined || o.idMappingIndex !== undefined) w.u32(o.pxm ?? 0).u32(o.idMappingIndex ?? 0);
  return w.bytes;
}

/** Type 5: page 0 base, overflow GSIV, the node reference, page 1 base when given. */
export function pmcg(o: { page0: bigint; gsiv: number; nodeReference: number; page1?: bigint }): number[] {
  const w = new Writer().u64(o.page0).u32(o.gsiv).u32(o.nodeReference);
  if (o.page1 !== undefined) w.u64(o.page1);
  return w.bytes;
}

/** Type 6: flags, count, offset (node offset 28), then the descriptors; `offset` overrides. */
export function rmr(o: { flags?: number; ranges: Array<[bigint, bigint]>; count?: number; offset?: number }): number[] {
  const w = new Writer()
    .u32(o.flags ?? 0)
    .u32(o.count ?? o.ranges.length)
    .u32(o.offset ?? (o.ranges.length > 0 ? 28 : 0));
  for (const [base, length] of o.ranges) w.u64(base).u64(length).u32(0);
  return w.bytes;
}

/** Type 7: config frame base, IWB index, the name in `nameBytes` (default its length + NUL). */
export function iwb(o: { base: bigint; index: number; name: string; nameBytes?: number }): number[] {
  return new Writer()
    .u64(o.base)
    .u16(o.index)
    .str(o.name, o.nameBytes ?? o.name.length + 1).bytes;
}

// ---- VIOT ----

export interface ViotNodeSpec {
  type: number;
  body: Body;
  /** Overrides the length field. */
  length?: number;
}

/** A VIOT of these nodes from offset 48 (after `padding`); their offsets too. */
export function viot(
  nodes: ViotNodeSpec[],
  o: TableOptions & { nodeCount?: number; nodeOffset?: number; padding?: number } = {},
): { bytes: Uint8Array; offsets: number[] } {
  const first = 48 + (o.padding ?? 0);
  const offsets: number[] = [];
  let at = first;
  for (const n of nodes) {
    offsets.push(at);
    at +=
      4 +
      bodyBytes(
        n.body,
        nodes.map(() => 0),
      ).length;
  }
  const w = new Writer()
    .u16(o.nodeCount ?? nodes.length)
    .u16(o.nodeOffset ?? first)
    .zeros(8)
    .zeros(o.padding ?? 0);
  nodes.forEach((n) => {
    const body = bodyBytes(n.body, offsets);
    w.u8(n.type)
      .u8(0)
      .u16(n.length ?? 4 + body.length)
      .raw(body);
  });
  return { bytes: table('VIOT', w.bytes, o), offsets };
}

/** Type 1: endpoints from `endpointStart` for segment:BDF in the ranges, to the IOMMU node `output` (an offset). */
export function viotPciRange(o: {
  endpointStart: number;
  segmentStart: number;
  segmentEnd: number;
  bdfStart: number;
  bdfEnd: number;
  output: number;
}): number[] {
  return new Writer()
    .u32(o.endpointStart)
    .u16(o.segmentStart)
    .u16(o.segmentEnd)
    .u16(o.bdfStart)
    .u16(o.bdfEnd)
    .u16(o.output)
    .zeros(6).bytes;
}

/** Type 2: one MMIO endpoint. */
export function viotMmio(o: { endpoint: number; base: bigint; output: number }): number[] {
  return new Writer().u32(o.endpoint).u64(o.base).u16(o.output).zeros(6).bytes;
}

/** Type 3: a virtio-iommu PCI function. */
export function viotVirtioPci(o: { segment: number; bdf: number }): number[] {
  return new Writer().u16(o.segment).u16(o.bdf).zeros(8).bytes;
}

/** Type 4: a virtio-mmio virtio-iommu. */
export function viotVirtioMmio(o: { base: bigint }): number[] {
  return new Writer().zeros(4).u64(o.base).bytes;
}

// ---- text ----

/**
 * The hex lines acpidump and iasl print: `    0000: 49 4F 52 54 ...` then the bytes as ASCII, after
 * two spaces (acpidump) or `  // ` (iasl's raw table data); a short last line padded so the
 * ASCII lines up.
 */
export function hexLines(bytes: Uint8Array, style: 'acpidump' | 'iasl'): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = Array.from(bytes.subarray(at, at + 16));
    const hex = row.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
    const ascii = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    const offset = at.toString(16).toUpperCase().padStart(4, '0');
    lines.push(`    ${offset}: ${hex.padEnd(47)}  ${style === 'iasl' ? '// ' : ''}${ascii}`);
  }
  return lines.join('\n');
}

/** One table as acpidump prints it: the heading, the hex lines, a blank line. */
export function acpidumpBlock(signature: string, bytes: Uint8Array, address = 0): string {
  return `${signature} @ 0x${address.toString(16).padStart(16, '0')}\n${hexLines(bytes, 'acpidump')}\n\n`;
}
