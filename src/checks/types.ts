import type { Span } from '../tree/model.js';
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

/** What a rule reports; the runner fills in defaults and lowers findings of disabled nodes. */
export interface Finding {
  node: string;
  property: string | null;
  message: string;
  severity?: Severity;
  rids?: Array<[number, number]>;
  entry?: number | null;
  span?: Span;
  /** The node the finding belongs to is disabled: lower to info. */
  disabled?: boolean;
}

export interface Rule {
  id: string;
  severity: Severity;
  description: string;
  check(ctx: Context, report: (f: Finding) => void): void;
}
