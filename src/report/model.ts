// What a `check` run produced, per input file: the shape every format reads.
import type { Diagnostic } from '../checks/types.js';
import type { Tree } from '../tree/model.js';
import { busRange, MAP_KINDS, mapNodes, NAMES, parseMap, type KernelForm } from '../map/map.js';

export interface MapSummary {
  node: string;
  property: string;
  status: string;
  mask: number;
  busRange: [number, number];
  entries: Array<{ ridBase: number; phandle: number; target: string | null; outBase: number | null; out: number[]; length: number }>;
}

export interface FileReport {
  file: string;
  error: string | null;
  maps: MapSummary[];
  diagnostics: Diagnostic[];
}

export interface Summary {
  errors: number;
  warnings: number;
  infos: number;
}

export function summarizeMaps(tree: Tree, form: KernelForm): MapSummary[] {
  const out: MapSummary[] = [];
  for (const node of mapNodes(tree))
    for (const kind of MAP_KINDS) {
      const m = parseMap(tree, node, kind, form);
      if (!m) continue;
      out.push({
        node: node.path,
        property: NAMES[kind].map,
        status: node.status,
        mask: m.mask,
        busRange: busRange(node),
        entries: m.entries.map((e) => ({ ridBase: e.ridBase, phandle: e.phandle, target: e.target?.path ?? null, outBase: e.out[0] ?? null, out: e.out, length: e.length })),
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
