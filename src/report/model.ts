// What a `check` run produced, per input file: the shape every format reads.
import type { Diagnostic } from '../checks/types.js';
import type { Machine } from '../machine/machine.js';
import { MAP_KINDS, NAMES } from '../map/map.js';
import type { AcpiMachine } from '../acpi/machine.js';
import { nodeName } from '../acpi/tables.js';

export interface MapSummary {
  node: string;
  property: string;
  status: string;
  mask: number;
  busRange: [number, number];
  /** false on a node with a map that is no PCI host bridge (fsl-mc, a video node's context
   *  banks): its input IDs are no RIDs and its busRange means nothing. */
  pci?: boolean;
  entries: Array<{
    ridBase: number;
    phandle: number;
    target: string | null;
    outBase: number | null;
    out: number[];
    length: number;
  }>;
}

export interface FileReport {
  file: string;
  error: string | null;
  maps: MapSummary[];
  diagnostics: Diagnostic[];
  /** Every file the check read, the input first (Tree.files): what `check --cache` keys the result on, and what `-o` must not replace. */
  files?: string[];
}

/** What a format may use besides the reports (eslint's formatter context): each reads its own. */
export interface FormatOptions {
  /** dtmap's version (SARIF's tool.driver.version). */
  version?: string;
  /** Only errors are shown (the CLI has filtered the reports already). */
  quiet?: boolean;
  /** Also list every map entry. */
  verbose?: boolean;
  /** Wall time of the run, for the summary line. */
  elapsedMs?: number;
  /** Extra lines for the end (baseline notes). */
  notes?: string[];
  /** What a baseline absorbed (JSON's `baseline`). */
  baseline?: { suppressed: number; stale: unknown[] };
  /** Why the run fails when its findings alone do not say (a warning threshold): the last line. */
  failed?: string;
}

/** An output format: the reports of a run, as one text. */
export type Formatter = (files: FileReport[], options?: FormatOptions) => string;

export interface Summary {
  errors: number;
  warnings: number;
  infos: number;
}

/** An ACPI machine's root complexes, each as one map of its ID mappings: `ridBase` the input base,
 *  `phandle` the output reference, `length` the ID count plus one. */
export function summarizeAcpi(m: AcpiMachine): MapSummary[] {
  const byOffset = new Map(m.iort?.nodes.map((n) => [n.offset, n] as const));
  return m.segments.flatMap((s) =>
    s.rootComplex
      ? [
          {
            node: `IORT/${nodeName(s.rootComplex)}`,
            property: 'ID mappings',
            status: 'okay',
            mask: 0xffffffff,
            busRange: [0, 0xff] as [number, number],
            entries: s.rootComplex.mappings.map((x) => {
              const target = byOffset.get(x.outputReference);
              return {
                ridBase: x.inputBase,
                phandle: x.outputReference,
                target: target ? `IORT/${nodeName(target)}` : null,
                outBase: x.outputBase,
                out: [x.outputBase],
                length: x.idCount + 1,
              };
            }),
          },
        ]
      : [],
  );
}

/** The maps of a checked tree, as the JSON report lists them (parsed once, in the machine the
 *  checks read). */
export function summarizeMaps(machine: Machine): MapSummary[] {
  const out: MapSummary[] = [];
  for (const b of machine.bridges)
    for (const kind of MAP_KINDS) {
      const m = b.maps[kind]?.parsed;
      if (!m) continue;
      out.push({
        node: b.node.path,
        property: NAMES[kind].map,
        status: b.node.status,
        mask: m.mask,
        busRange: b.busRange,
        ...(b.pci ? {} : { pci: false }),
        entries: m.entries.map((e) => ({
          ridBase: e.ridBase,
          phandle: e.phandle,
          target: e.target?.path ?? null,
          outBase: e.out[0] ?? null,
          out: e.out,
          length: e.length,
        })),
      });
    }
  return out;
}

export function summarize(files: FileReport[]): Summary {
  const s: Summary = { errors: 0, warnings: 0, infos: 0 };
  for (const f of files)
    for (const d of f.diagnostics) {
      if (d.severity === 'error') s.errors++;
      else if (d.severity === 'warning') s.warnings++;
      else s.infos++;
    }
  return s;
}
