import type { Span } from '../tree/model.js';
import type { MapKind, ParsedMap } from '../map/map.js';
import type { Bridge } from '../machine/machine.js';
import type { Context } from './context.js';

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

export interface Location {
  file: string;
  line: number;
  column: number;
}

export interface Diagnostic {
  rule: string;
  severity: Severity;
  node: string;
  property: string | null;
  message: string;
  /** Inclusive raw RID ranges the finding is about (within bus-range), merged; [] if none. */
  rids: Array<[number, number]>;
  entry: number | null;
  location?: Location;
  /** Source span (DTS input) used for locations and code frames. */
  span?: Span;
}

/** What the rule tables list of a rule: `dtmap rules`, SARIF's rules, the configuration's names. */
export interface RuleMeta {
  id: string;
  severity: Severity;
  description: string;
}

/** A map of a bridge, parsed and covered once (`Bridge.maps`). */
export type BridgeMap = NonNullable<Bridge['maps'][MapKind]>;

/** What a finding says; `report.at()` derives where it is. */
export interface At {
  message: string;
  /** Replaces the rule's default (a `--rule` setting replaces both). */
  severity?: Severity;
  rids?: Array<[number, number]>;
  /** The entry the finding is about: its index, and its first cell for the span (a tail the
   *  parser could not make an entry of passes its would-be index and first cell). */
  entry?: { index: number; cell: number };
  /** The cell the span points at, when not the entry's first (its phandle: `entry.cell + 1`). */
  cell?: number;
  /** The finding is about the map's mask property (`iommu-map-mask`, `msi-map-mask`). */
  mask?: boolean;
  /** Without a map: the finding is about this property of the bridge's node (`linux,pci-domain`). */
  property?: string;
}

/**
 * How a rule reports, as dtc's FAIL_PROP does: `at(bridge, map, ...)` names the bridge's node and
 * the map's property (none without a map), points at the given cell, else the entry's first cell,
 * else the property (the node without a map), and lowers a disabled node's finding to info with
 * " (node disabled)".
 */
export interface Report {
  at(bridge: Bridge, map: ParsedMap | undefined, f: At): void;
}

/** A rule visits each map of each bridge, each bridge, or the whole machine once; the runner
 *  does the walking, in bridge order and MAP_KINDS order. */
export type Rule = RuleMeta &
  (
    | { visits: 'map'; check(ctx: Context, bridge: Bridge, map: BridgeMap, report: Report): void }
    | { visits: 'bridge'; check(ctx: Context, bridge: Bridge, report: Report): void }
    | { visits: 'machine'; check(ctx: Context, report: Report): void }
  );
