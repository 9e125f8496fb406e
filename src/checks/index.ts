// The rule set and the runner. The runner knows no rule: it walks the machine for each rule (its
// maps, its bridges, or all of it once) and places what the rule reports, as dtc's FAIL_PROP does.
import type { Tree } from '../tree/model.js';
import type { KernelForm } from '../map/map.js';
import type { Reader } from '../map/readers/index.js';
import { MAP_KINDS, NAMES } from '../map/map.js';
import { buildContext, type Context } from './context.js';
import { applySuppressions, unusedDisable } from './suppress.js';
import type { Diagnostic, Report, Rule, RuleMeta, Severity } from './types.js';
import { mapLength } from './rules/map-length.js';
import { mapMaskIgnoresBase } from './rules/map-mask-ignores-base.js';
import { mapPhandle } from './rules/map-phandle.js';
import { mapTarget } from './rules/map-target.js';
import { mapMask } from './rules/map-mask.js';
import { mapOverlap } from './rules/map-overlap.js';
import { mapEmptyEntry } from './rules/map-empty-entry.js';
import { mapWrap } from './rules/map-wrap.js';
import { mapOutsideBus } from './rules/map-outside-bus.js';
import { iommuMapGap } from './rules/iommu-map-gap.js';
import { msiMapGap } from './rules/msi-map-gap.js';
import { mapAlias } from './rules/map-alias.js';
import { mapPortability } from './rules/map-portability.js';
import { mapConsistency } from './rules/map-consistency.js';
import { iommusMapClash } from './rules/iommus-map-clash.js';
import { msiParentMapClash } from './rules/msi-parent-map-clash.js';
import { dmaAlias } from './rules/dma-alias.js';
import { hasHostBridge, pciDomain } from './rules/pci-domain.js';
import { ACPI_RULES } from './acpi/index.js';

export * from './types.js';
export { buildContext, type Context } from './context.js';
export { ACPI_RULES, checkAcpi, type AcpiRule } from './acpi/index.js';

/** The rules that visit the machine, in the order their findings sort. */
const CHECKS: readonly Rule[] = [
  mapLength,
  mapMaskIgnoresBase,
  mapPhandle,
  mapTarget,
  mapMask,
  mapOverlap,
  mapEmptyEntry,
  mapWrap,
  mapOutsideBus,
  iommuMapGap,
  msiMapGap,
  mapAlias,
  mapPortability,
  mapConsistency,
  iommusMapClash,
  msiParentMapClash,
  dmaAlias,
  pciDomain,
];

/** Every rule, as the tables list them: the checks, unused-disable (the suppression pass), then the
 *  rules on ACPI input (src/checks/acpi). */
export const RULES: readonly RuleMeta[] = [...CHECKS, unusedDisable, ...ACPI_RULES];

export interface CheckOptions {
  kernel?: KernelForm;
  /** Readers map-portability compares besides linux-classic and linux-mainline (`--reader`). */
  readers?: readonly Reader[];
  /** Severity per rule id, replacing the rule's own choice; 'off' drops the rule. */
  rules?: Record<string, Severity | 'off'>;
  /** Report `dtmap-disable-next-line` comments that suppress nothing (rule `unused-disable`). */
  reportUnusedDisable?: boolean;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function check(tree: Tree, opts: CheckOptions = {}): Diagnostic[] {
  return checkContext(buildContext(tree, opts.kernel ?? 'classic', { readers: opts.readers }), opts);
}

/** A rule's report: a finding's node, property, span and final severity, from its bridge and map. */
function reporter(rule: Rule, configured: Severity | undefined, out: Diagnostic[]): Report {
  return {
    at(bridge, map, f) {
      let severity = configured ?? f.severity ?? rule.severity;
      let message = f.message;
      // a node that is not enabled is never probed: what is wrong there does not boot
      if (!bridge.enabled) {
        severity = 'info';
        message += ' (node disabled)';
      }
      const d: Diagnostic = {
        rule: rule.id,
        severity,
        node: bridge.node.path,
        property: map ? NAMES[map.kind][f.mask ? 'mask' : 'map'] : (f.property ?? null),
        message,
        rids: f.rids ?? [],
        entry: f.entry?.index ?? null,
      };
      // the given cell, else the entry's first, else the property; the node when there is no map
      const source = f.mask ? map?.maskProperty : map?.property;
      const cell = f.cell ?? f.entry?.cell;
      const own = !map && f.property ? bridge.node.prop(f.property) : undefined;
      const span = !map ? (own?.span ?? bridge.node.span) : cell !== undefined ? source?.cellSpan(cell) : source?.span;
      if (span) {
        d.span = span;
        d.location = { file: span.file, line: span.line, column: span.column };
      }
      out.push(d);
    },
  };
}

/** check() on a context already built (its kernel form wins over `opts.kernel`). */
export function checkContext(ctx: Context, opts: CheckOptions = {}): Diagnostic[] {
  const tree = ctx.tree;
  // nothing to check: most boards (pci-domain looks at host bridges without maps too)
  if (!ctx.bridges.length && !tree.suppressions.length && !hasHostBridge(tree.root)) return [];
  const out: Diagnostic[] = [];
  for (const rule of CHECKS) {
    const configured = opts.rules?.[rule.id];
    if (configured === 'off') continue;
    const report = reporter(rule, configured, out);
    if (rule.visits === 'machine') rule.check(ctx, report);
    else
      for (const b of ctx.bridges)
        if (rule.visits === 'bridge') rule.check(ctx, b, report);
        else
          for (const kind of MAP_KINDS) {
            const map = b.maps[kind];
            if (map) rule.check(ctx, b, map, report);
          }
  }
  const unused = opts.rules?.[unusedDisable.id];
  const kept = applySuppressions(
    tree,
    out,
    opts.reportUnusedDisable && unused !== 'off' ? (unused ?? unusedDisable.severity) : undefined,
    CHECKS.map((r) => r.id), // the rules a directive can silence
  );
  if (kept.length < 2) return kept;
  // Stable order: by node in tree order, then severity, then rule order.
  const order = new Map<string, number>();
  let i = 0;
  for (const n of tree.root.walk()) order.set(n.path, i++);
  const ruleOrder = new Map(RULES.map((r, k) => [r.id, k]));
  return kept
    .map((d, k) => ({ d, k }))
    .sort(
      (x, y) =>
        (order.get(x.d.node) ?? 0) - (order.get(y.d.node) ?? 0) ||
        RANK[x.d.severity] - RANK[y.d.severity] ||
        ruleOrder.get(x.d.rule)! - ruleOrder.get(y.d.rule)! ||
        x.k - y.k,
    )
    .map((x) => x.d);
}
