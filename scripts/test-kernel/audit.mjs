// `dtmap audit` on every boot: the guest runs `dtmap audit --collect-script` and prints the
// snapshot between `@@audit` and `@@audit-end`; run.mjs writes it beside the console and runs
// `dtmap audit SNAPSHOT --format json`. Each function's verdicts must be the ones this file
// derives on its own from what init printed of the function (its `@@dev` line: iommu group and
// its type, MSI count, driver) and from what the other half of the test predicts of the
// description (compare.mjs, acpi.mjs: an IOMMU, a StreamID an earlier device holds, an MSI
// domain), predictions checked against the kernel there. Pure functions: run.mjs does the I/O.

/** The snapshot's JSON text from a console, or null when the guest printed none. */
export function snapshotFromConsole(text) {
  const lines = text.split(/\r?\n/);
  const start = lines.indexOf('@@audit');
  const end = lines.indexOf('@@audit-end', start + 1);
  if (start < 0 || end < 0) return null;
  return lines.slice(start + 1, end).join('\n');
}

/** Per function (bb:dd.f), what init printed: iommu group, its type, MSI count, driver. */
export function kernelFacts(text) {
  const facts = new Map();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^@@dev ([0-9a-f]{4}:\S+) group=(\S*) msi=(\d+) driver=(\S*) vdriver=\S* gtype=(\S*)/.exec(raw);
    if (m) facts.set(m[1], { group: m[2] || null, msi: Number(m[3]), driver: m[4] || null, type: m[5] || null });
  }
  return facts;
}

/**
 * The verdicts a function must get: `k` what the kernel did, `d` what the description gives
 * ({iommu, sidTaken, msiDomain}). Sorted, one entry per verdict.
 */
export function expectedVerdicts(k, d) {
  const out = [];
  if (k.group !== null) {
    if (!d.iommu || k.type === 'identity') out.push('not-explained');
    else if (['DMA', 'DMA-FQ', 'blocked', 'unmanaged'].includes(k.type)) out.push('isolated');
    else out.push('not-explained');
  } else if (k.driver === null) out.push('no-driver');
  else if (!d.iommu || d.sidTaken) out.push('no-iommu');
  else out.push('not-explained');
  if (!d.msiDomain) out.push(k.msi > 0 ? 'not-explained' : 'no-msi-domain');
  return out.sort();
}

/**
 * One row per function the kernel listed: expected and audited verdicts. `expect(bdf)` gives
 * the description's facts for bb:dd.f (null: the test knows nothing of it); `report` is
 * `dtmap audit --format json`'s output.
 */
export function compareAudit(facts, expect, report) {
  const rows = [];
  const byName = new Map(report.functions.map((f) => [f.name, f]));
  for (const [name, k] of [...facts].sort(([a], [b]) => a.localeCompare(b))) {
    const bdf = name.slice(5);
    const f = byName.get(name);
    const d = expect(bdf);
    const got = f ? f.verdicts.map((v) => v.kind).sort() : [];
    const want = d ? expectedVerdicts(k, d) : null;
    const why = [];
    if (!f) why.push('audit does not list it');
    else if (want && want.join(',') !== got.join(',')) why.push(`expected ${want.join(' + ')}`);
    const severity = f ? (f.verdicts.some((v) => v.severity === 'error') ? 'error' : '') : '';
    rows.push({
      bdf,
      driver: k.driver ?? 'no driver',
      kernel: `${k.group !== null ? `group ${k.group} (${k.type})` : 'no group'}, ${k.msi} MSI`,
      verdicts: got.join(' + ') + (severity ? ' (error)' : ''),
      expected: want ? want.join(' + ') : '-',
      agree: want !== null && why.length === 0,
      predicted: want !== null,
      why,
    });
    byName.delete(name);
  }
  for (const name of byName.keys())
    rows.push({
      bdf: name.slice(5),
      driver: '-',
      kernel: '-',
      verdicts: '-',
      expected: '-',
      agree: false,
      predicted: true,
      why: ['audit lists a function the kernel did not'],
    });
  return rows;
}
