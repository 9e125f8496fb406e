// An ACPI machine as Linux reaches its PCI functions: per PCI segment, the root complex
// iort_scan_node() takes, and the StreamID and DeviceID tables from there (src/acpi/tables.ts),
// covered once over the segment's RIDs; a VIOT's ranges where the IORT gives no IOMMU.
import { coverage, lookup } from '../core/index.js';
import type { Iort, IortNode, Viot, ViotNode } from './model.js';
import {
  iortWalks,
  segments as iortSegments,
  viotTable,
  type AcpiKind,
  type IortRow,
  type IortTable,
  type ViotRow,
} from './tables.js';
import type { CoverageOf, LookupOf, Row, SegmentOf, Table } from '../core/index.js';
import { IDENTITY, type Piece } from '../core/compare.js';

export type AcpiTarget = IortNode | ViotNode;
type AcpiSegmentOf = SegmentOf<IortNode, IortRow> | SegmentOf<ViotNode, ViotRow>;
export type AcpiLookup = LookupOf<IortNode, IortRow> | LookupOf<ViotNode, ViotRow>;
const RIDS: [number, number] = [0, 0xffff];

/** A table and its coverage of the RIDs, computed when first read (`query` of one RID needs none). */
class Covered<S extends 'IORT' | 'VIOT', T, R extends Row<T>> {
  #coverage: CoverageOf<T, R> | undefined;
  constructor(
    readonly source: S,
    readonly table: Table<T, R>,
  ) {}
  get coverage(): CoverageOf<T, R> {
    return (this.#coverage ??= coverage(this.table, RIDS[0], RIDS[1]));
  }
}

/** A segment's table of one kind, from the IORT or the VIOT, and its coverage of the RIDs. */
export type AcpiTableOf = Covered<'IORT', IortNode, IortRow> | Covered<'VIOT', ViotNode, ViotRow>;

export const ACPI_KINDS: readonly AcpiKind[] = ['iommu', 'msi'];

/** One PCI segment: where its RIDs go. */
export interface AcpiSegment {
  segment: number;
  /** The root complex Linux takes for the segment (IORT), if any. */
  rootComplex: IortNode | undefined;
  /** Later root complexes with the same segment number: Linux never reads them. */
  shadowed: IortNode[];
  /** Which table gives each kind of ID: the IORT walk from the root complex, or the VIOT. */
  tables: Partial<Record<AcpiKind, AcpiTableOf>>;
}

export interface AcpiMachine {
  /** The input as named. */
  file: string;
  iort: Iort | undefined;
  viot: Viot | undefined;
  segments: AcpiSegment[];
  /** The walk from any IORT node (named components, SMMUs, PMCGs use it for their own IDs). */
  walk: ((start: IortNode, kind: AcpiKind) => IortTable) | undefined;
}

/**
 * The machine of an IORT, a VIOT or both. The IOMMU of a PCI function comes from the IORT
 * (iort_iommu_configure_id()) and, when the IORT has no SMMU node, from the VIOT
 * (acpi_iommu_configure_id() tries the VIOT when the IORT gives none); DeviceIDs come from the
 * IORT only.
 */
export function buildAcpiMachine(file: string, iort: Iort | undefined, viot: Viot | undefined): AcpiMachine {
  const walk = iort ? iortWalks(iort) : undefined;
  const bySegment = new Map<number, AcpiSegment>();
  const seg = (segment: number): AcpiSegment => {
    let s = bySegment.get(segment);
    if (!s) bySegment.set(segment, (s = { segment, rootComplex: undefined, shadowed: [], tables: {} }));
    return s;
  };
  const smmus = iort?.nodes.some((n) => n.type === 3 || n.type === 4) ?? false;
  if (iort && walk)
    for (const { segment, node, shadowed } of iortSegments(iort)) {
      const s = seg(segment);
      s.rootComplex = node;
      s.shadowed = shadowed;
      for (const kind of ACPI_KINDS) {
        if (kind === 'iommu' && viot && !smmus) continue;
        const table = walk(node, kind);
        s.tables[kind] = new Covered('IORT', table);
      }
    }
  if (viot && !smmus)
    for (const n of viot.nodes) {
      const r = n.pciRange;
      if (!r) continue;
      for (let segment = r.segmentStart; segment <= r.segmentEnd && segment <= 0xffff; segment++) {
        const s = seg(segment);
        if (s.tables.iommu) continue;
        const table = viotTable(viot, segment);
        s.tables.iommu = new Covered('VIOT', table);
      }
    }
  return { file, iort, viot, segments: [...bySegment.values()].sort((a, b) => a.segment - b.segment), walk };
}

/** One RID of a segment through its tables (`no-map` where the segment has none). */
export function acpiLookup(m: AcpiMachine, segment: number, rid: number, kind: AcpiKind): AcpiLookup {
  const t = m.segments.find((s) => s.segment === segment)?.tables[kind];
  return t?.source === 'VIOT' ? lookup(t.table, rid) : lookup(t?.table, rid);
}

/**
 * A segment's outcomes over [lo, hi] as pieces to compare with another reading (core/compare.ts):
 * the output ID is linear in the RID, or one ID for every RID where a SINGLE mapping is on the way.
 */
export function acpiPieces(
  m: AcpiMachine,
  segment: number,
  kind: AcpiKind,
  lo: number,
  hi: number,
  name: (target: AcpiTarget) => string,
): Piece[] {
  const t = m.segments.find((s) => s.segment === segment)?.tables[kind];
  if (!t) return [{ first: lo, last: hi, status: 'no-map', target: null, errno: null, id: IDENTITY }];
  const segs: ReadonlyArray<AcpiSegmentOf> = t.coverage.segments;
  return segs
    .filter((s) => s.last >= lo && s.first <= hi)
    .map((s): Piece => {
      const first = Math.max(s.first, lo);
      const last = Math.min(s.last, hi);
      if (s.status === 'bypass') return { first, last, status: 'bypass', target: null, errno: null, id: IDENTITY };
      if (s.status !== 'translated') return { first, last, status: 'error', target: null, errno: s.errno, id: null };
      const constant = !!s.entry.single || s.via.some((h) => h.entry.single);
      const id = constant
        ? { mask: 0, offset: s.idFirst! }
        : { mask: 0xffffffff, offset: (s.idFirst! - s.first) >>> 0 };
      return { first, last, status: 'translated', target: name(s.target), errno: null, id };
    });
}
