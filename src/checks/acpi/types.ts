// What an ACPI rule is: it reads the ACPI machine (src/acpi/machine.ts) and reports findings at a
// table, a node or one ID mapping of a node, through the same Diagnostic as the devicetree rules.
import type { AcpiMachine } from '../../acpi/machine.js';
import type { RuleMeta, Severity } from '../types.js';

/** Where a finding is: a table (IORT, VIOT), one of its nodes, one ID mapping of that node. */
export interface AcpiPlace {
  table: 'IORT' | 'VIOT';
  /** The node: its type name and table offset; none for the table itself. */
  node?: { typeName: string; offset: number };
  /** The node's ID mapping, by index. */
  mapping?: number;
}

export interface AcpiAt {
  message: string;
  severity?: Severity;
  /** Raw RIDs `[first, last]` of the root complex the finding is about. */
  rids?: Array<[number, number]>;
}

export interface AcpiReport {
  at(place: AcpiPlace, f: AcpiAt): void;
}

export type AcpiRule = RuleMeta & { check(m: AcpiMachine, report: AcpiReport): void };
