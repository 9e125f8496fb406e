#!/usr/bin/env node
// `npm run test:kernel`: boots Debian 12's arm64 Linux (6.1 and 6.12) in QEMU (virt, GICv3 +
// ITS, SMMUv3, TCG), every variant on every kernel:
// - DT variants: QEMU's own DTB whose host-bridge maps alone are replaced; compares what the
//   kernel did for every PCI function (its of_map_id() log lines, iommu group, MSI count) with
//   what `dtmap query` predicts from the DTB;
// - ACPI variants (acpi.mjs): machine configurations booted through UEFI, whose IORT/VIOT the
//   guest dumps; compares the iommu group, MSIs and [Firmware Bug] lines of every PCI function
//   with what `dtmap query` predicts from the dumped table.
// Exit 0 when all agree (or when the packages cannot be had: "skipped: ..."), 1 on any
// disagreement.
//
// Options: --jobs N (boots at once, default 2), --timeout S (per boot, default 180), --budget M
// (minutes after which no further boot starts, default 45: with setup's 10 and one last round of
// boots the whole run stays under an hour whatever hangs),
// --only NAME[,NAME] (variants), --kernels 6.1[,6.12] (default both), --cache DIR (default
// .cache/kernel-test), --save-fixtures (write the ACPI tables to fixtures/acpi/qemu/).

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { availableModules, buildInitramfs, setup, SkipError } from './setup.mjs';
import { DEVICES, MODULES, VARIANTS } from './variants.mjs';
import { compare, filteredMsiLookup, parseConsole } from './compare.mjs';
import { ACPI_MODULES, ACPI_VARIANTS, acpiPredictions, compareAcpi, firmwareLines, parseAcpiConsole } from './acpi.mjs';
import { compareAudit, kernelFacts, snapshotFromConsole } from './audit.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lib = await import(pathToFileURL(join(repo, 'dist', 'index.js')).href);
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const jobs = Number(opt('jobs', '2'));
const bootTimeout = Number(opt('timeout', '180')) * 1000;
const budget = Number(opt('budget', '45')) * 60_000;
const only = opt('only', '');
const cache = resolve(repo, opt('cache', '.cache/kernel-test'));
const kernelNames = opt('kernels', '').split(',').filter(Boolean);
const saveFixtures = args.includes('--save-fixtures');
const fixtures = join(repo, 'fixtures', 'acpi', 'qemu');
const variants = only ? VARIANTS.filter((v) => only.split(',').includes(v.name)) : VARIANTS;
const acpiVariants = only ? ACPI_VARIANTS.filter((v) => only.split(',').includes(v.name)) : ACPI_VARIANTS;
const log = (s) => process.stderr.write(`test:kernel: ${s}\n`);

// -cpu max with QEMU's own pointer-authentication algorithm is many times slower under TCG;
// pauth-impdef keeps the feature (the kernel uses it) with a cheap algorithm.
const COMMON = ['-cpu', 'max,pauth-impdef=on', '-m', '512M', '-nographic', '-nic', 'none', '-no-reboot'];
const MACHINE = ['-M', 'virt,gic-version=3,its=on,iommu=smmuv3', ...COMMON];
const DEVICE_ARGS = DEVICES.filter((d) => d.qemu).flatMap((d) => ['-device', d.qemu]);
// The kernel decides; QEMU's SMMU and ITS use the real RID. Identity IOMMU domains and bypass
// for unused StreamIDs keep DMA working whatever StreamID the map gives, so a device's probe
// never stalls on DMA: what is measured is the kernel's reading of the maps alone.
const CMDLINE =
  'console=ttyAMA0 panic=-1 quiet dyndbg="file drivers/of/base.c +p" iommu.passthrough=1 arm_smmu_v3.disable_bypass=0';
// UEFI hands the kernel no DTB but an empty one; acpi=force makes the choice explicit
const ACPI_CMDLINE = 'console=ttyAMA0 acpi=force panic=-1 quiet iommu.passthrough=1 arm_smmu_v3.disable_bypass=0';
/** A variant with `passthrough: false` boots with DMA domains (the audit's "isolated"). */
const cmdline = (base, v) => (v.passthrough === false ? base.replace(' iommu.passthrough=1', '') : base);

const INIT = `#!/bin/sh
/bin/busybox --install -s
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/load-order); do insmod /lib/modules/$m; done
# wait (at most 40 s) until every function but the host bridge has a driver: a probe deferred
# for an IOMMU that never comes binds when the deferred-probe timeout (10 s) runs out
i=0
while [ $i -lt 40 ]; do
  pending=0
  for d in /sys/bus/pci/devices/*; do [ "$(cat $d/class)" = 0x060000 ] || [ -e $d/driver ] || pending=1; done
  [ $pending = 0 ] && break
  sleep 1; i=$((i+1))
done
echo @@dmesg
dmesg
for t in IORT VIOT; do
  [ -e /sys/firmware/acpi/tables/$t ] && { echo "@@table $t"; od -An -tx1 -v /sys/firmware/acpi/tables/$t; }
done
for d in /sys/bus/pci/devices/*; do
  g=$(readlink $d/iommu_group); n=$(ls $d/msi_irqs 2>/dev/null | wc -l); drv=$(readlink $d/driver)
  v=$(readlink $d/virtio*/driver); t=$(cat $d/iommu_group/type 2>/dev/null)
  echo "@@dev \${d##*/} group=\${g##*/} msi=$n driver=\${drv##*/} vdriver=\${v##*/} gtype=$t"
  echo "@@config \${d##*/}"; od -An -tx1 -v -N 256 $d/config
done
# dtmap audit's snapshot, written by \`dtmap audit --collect-script\` (audit.mjs)
cat >/audit.sh <<'DTMAP_AUDIT_EOF'
@@COLLECT_SCRIPT@@
DTMAP_AUDIT_EOF
sh /audit.sh /audit.json
echo @@audit
cat /audit.json
echo @@audit-end
echo @@end
poweroff -f
`;

function dtmap(argv) {
  try {
    return execFileSync(process.execPath, [join(repo, 'bin', 'dtmap.cjs'), ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
  } catch (err) {
    if (err.status === 1 && err.stdout?.length) return err.stdout.toString(); // findings: output is still complete
    throw new Error(`dtmap ${argv.join(' ')}: ${String(err.stderr ?? err.message).trim()}`, { cause: err });
  }
}

/** QEMU's DTB for exactly this machine and device set, as DTS with labels on the SMMU and ITS. */
function baseDts(prepared, dir) {
  const dtb = join(dir, 'qemu-virt.dtb');
  execFileSync(
    'qemu-system-aarch64',
    [...MACHINE, ...DEVICE_ARGS, '-kernel', prepared.kernel, '-machine', `dumpdtb=${dtb}`],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 },
  );
  let dts = execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', dtb]).toString();
  const label = (re, name) => {
    if (!re.test(dts)) throw new Error(`QEMU's DTB has no node matching ${re}`);
    dts = dts.replace(re, (m) => `${name}: ${m}`);
  };
  label(/\bsmmuv3@[0-9a-f]+ \{/, 'smmu');
  label(/\bits@[0-9a-f]+ \{/, 'its');
  // the dumped /chosen carries a fresh rng-seed and kaslr-seed each time: keep them out so a
  // variant's DTB is the same bytes every run (QEMU writes new seeds at boot anyway)
  dts = dts.replace(/^\s*(rng-seed|kaslr-seed) = [^;]*;\n/gm, '');
  return dts;
}

/** The full path of the node whose opening line holds `label:` in dtc's DTS output. */
function labelPath(dts, label) {
  const stack = [];
  for (const line of dts.split('\n')) {
    const open = /^\s*(?:([\w,.-]+): )?(\S+) \{$/.exec(line);
    if (open) {
      stack.push(open[2]);
      if (open[1] === label) return '/' + stack.slice(1).join('/');
    } else if (/^\s*\};$/.test(line)) stack.pop();
  }
  throw new Error(`no node labelled ${label}`);
}

/** The variant's DTS: QEMU's tree with the host bridge's maps replaced by `props`. */
function variantDts(base, { props, dropMsiCells }) {
  if (dropMsiCells) base = base.replace(/(\bits: its@[0-9a-f]+ \{[^}]*?)\n\s*#msi-cells = <[^>]*>;/, '$1');
  const start = base.search(/\bpcie@[0-9a-f]+ \{/);
  if (start < 0) throw new Error("QEMU's DTB has no pcie@ node");
  const end = base.indexOf('\n\t};', start);
  const body = base
    .slice(start, end)
    .split('\n')
    .filter((l) => !/^\s*(iommu-map|msi-map|iommu-map-mask|msi-map-mask|msi-parent)\b/.test(l))
    .join('\n');
  return base.slice(0, start) + body + props.map((p) => `\n\t\t${p}`).join('') + base.slice(end);
}

function boot(qemuArgs, consoleFile) {
  return new Promise((resolveBoot) => {
    const started = Date.now();
    const child = execFile(
      'qemu-system-aarch64',
      qemuArgs,
      { timeout: bootTimeout, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        writeFileSync(consoleFile, stdout + stderr);
        const seconds = (Date.now() - started) / 1000;
        if (err && err.killed) resolveBoot({ seconds, error: `timed out after ${bootTimeout / 1000} s` });
        else if (err) resolveBoot({ seconds, error: `qemu exited ${err.code}: ${stderr.trim().split('\n').pop()}` });
        else resolveBoot({ seconds, console: stdout });
      },
    );
    child.stdin?.end();
  });
}

async function pool(items, n, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

async function main() {
  const t0 = Date.now();
  let prepared;
  try {
    prepared = setup(cache, t0 + 10 * 60_000, log);
  } catch (err) {
    if (!(err instanceof SkipError)) throw err;
    console.log(
      `skipped: test:kernel needs qemu-system-arm and the arm64 linux-image and busybox-static packages, which could not be had within 10 minutes (${err.message})`,
    );
    return 0;
  }
  const notes = [...prepared.notes];
  const kernels = [];
  for (const k of prepared.kernels) {
    if (kernelNames.length && !kernelNames.includes(k.name)) continue;
    const lacking = [
      'CONFIG_DYNAMIC_DEBUG',
      'CONFIG_ARM_SMMU_V3',
      'CONFIG_ARM_GIC_V3_ITS',
      'CONFIG_PCI_HOST_GENERIC',
      'CONFIG_PCIEPORTBUS',
    ].filter((option) => !new RegExp(`^${option}=y$`, 'm').test(k.config));
    if (lacking.length) {
      if (k.name === '6.1') {
        console.log(`skipped: ${k.imageDeb} is not built with ${lacking.join(', ')}=y`);
        return 0;
      }
      notes.push(`kernel ${k.release} dropped: not built with ${lacking.join(', ')}=y`);
      continue;
    }
    kernels.push(k);
  }
  const runs = join(cache, 'runs');
  mkdirSync(runs, { recursive: true });
  for (const k of kernels) {
    k.initrd = join(cache, `initramfs-${k.release}.cpio`);
    const init = INIT.replace('@@COLLECT_SCRIPT@@', dtmap(['audit', '--collect-script']).trimEnd());
    const loaded = buildInitramfs(k, availableModules(k.modules, [...MODULES, ...ACPI_MODULES]), init, k.initrd);
    // without CONFIG_ACPI_VIOT (and a virtio-iommu driver) the kernel never reads the VIOT
    k.viotRead =
      /^CONFIG_ACPI_VIOT=y$/m.test(k.config) &&
      /^CONFIG_VIRTIO_IOMMU=[ym]$/m.test(k.config) &&
      availableModules(k.modules, ['virtio_iommu']).length === 1;
    log(`kernel ${k.release} (${k.imageDeb}); initramfs loads ${loaded.map((m) => m.split('/').pop()).join(' ')}`);
  }
  const base = baseDts(kernels[0], runs);
  const targets = { iommu: labelPath(base, 'smmu'), msi: labelPath(base, 'its') };
  const bridge = '/' + /\bpcie@[0-9a-f]+(?= \{)/.exec(base)[0];
  const rids = DEVICES.map((d) => `0x${d.rid.toString(16)}`);

  const prepare = (v) => {
    const dir = join(runs, v.name);
    mkdirSync(dir, { recursive: true });
    const dts = join(dir, `${v.name}.dts`);
    const dtb = join(dir, `${v.name}.dtb`);
    writeFileSync(dts, variantDts(base, v));
    dtmap(['compile', dts, '-o', dtb]);
    const checked = JSON.parse(dtmap(['check', '--format', 'json', dtb]));
    const query = JSON.parse(dtmap(['query', '--node', bridge, '--format', 'json', dtb, ...rids]));
    return { dir, dtb, checked, query, msiLookup: filteredMsiLookup(lib, readFileSync(dtb), dtb, bridge, targets.msi) };
  };
  const planned = variants.map((v) => ({ variant: v, ...prepare(v) }));
  if (acpiVariants.length && !prepared.firmware) notes.push('ACPI variants not booted: no UEFI firmware');
  const acpi = prepared.firmware ? acpiVariants : [];
  // one job per (variant, kernel), the ACPI ones first: they are fewer and each shows more
  const jobs_ = [
    ...acpi.flatMap((v) => kernels.map((k) => ({ type: 'acpi', variant: v, kernel: k }))),
    ...planned.flatMap((p) => kernels.map((k) => ({ type: 'dt', ...p, kernel: k }))),
  ];

  const bootsStart = Date.now();
  const results = await pool(jobs_, jobs, async (job) => {
    const tag = `${job.variant.name} on ${job.kernel.name}`;
    if (Date.now() - bootsStart > budget)
      return { ...job, seconds: 0, error: `not booted: the ${budget / 60_000} min budget for boots ran out`, rows: [] };
    if (job.type === 'dt') {
      const consoleFile = join(job.dir, `console-${job.kernel.name}.log`);
      const r = await boot(
        [
          ...MACHINE,
          ...DEVICE_ARGS,
          '-kernel',
          job.kernel.kernel,
          '-initrd',
          job.kernel.initrd,
          '-dtb',
          job.dtb,
        ].concat(['-append', cmdline(CMDLINE, job.variant)]),
        consoleFile,
      );
      log(`${tag}: ${r.error ?? 'booted'} in ${r.seconds.toFixed(1)} s`);
      if (r.error) return { ...job, seconds: r.seconds, error: r.error, rows: [] };
      const kernel = parseConsole(r.console);
      if (!kernel.complete)
        return { ...job, seconds: r.seconds, error: 'the console has no device list (init did not finish)', rows: [] };
      const maps = job.checked.files[0].maps;
      const rows = compare(DEVICES, job.query, maps, kernel, targets, job.msiLookup);
      const audit = runAudit(job.dir, `snapshot-${job.kernel.name}.json`, r.console, rows);
      return { ...job, seconds: r.seconds, rows, audit };
    }
    const v = job.variant;
    const dir = join(runs, `acpi-${v.name}`, job.kernel.name);
    mkdirSync(dir, { recursive: true });
    const r = await boot(
      ['-M', v.machine, ...COMMON, '-bios', prepared.firmware, ...(v.extra ?? [])]
        .concat(v.devices.flatMap((d) => ['-device', d]))
        .concat(['-kernel', job.kernel.kernel, '-initrd', job.kernel.initrd, '-append', cmdline(ACPI_CMDLINE, v)]),
      join(dir, 'console.log'),
    );
    log(`${tag}: ${r.error ?? 'booted'} in ${r.seconds.toFixed(1)} s`);
    if (r.error) return { ...job, seconds: r.seconds, error: r.error, rows: [] };
    const kernel = parseAcpiConsole(r.console);
    if (!kernel.complete)
      return { ...job, seconds: r.seconds, error: 'the console has no device list (init did not finish)', rows: [] };
    if (!kernel.tables.IORT) return { ...job, seconds: r.seconds, error: 'the guest has no IORT', rows: [] };
    // laid out as /sys/firmware/acpi/tables: dtmap reads the folder as the kernel reads its tables
    mkdirSync(join(dir, 'tables'), { recursive: true });
    for (const [name, bytes] of Object.entries(kernel.tables)) writeFileSync(join(dir, 'tables', name), bytes);
    const predict = acpiPredictions(dtmap, join(dir, 'tables'), kernel);
    const { rows, fwBug } = compareAcpi(kernel, predict, { viotRead: job.kernel.viotRead });
    writeFileSync(join(dir, 'firmware-lines.txt'), firmwareLines(kernel.dmesg).join('\n') + '\n');
    const audit = runAudit(dir, 'snapshot.json', r.console, rows);
    return { ...job, seconds: r.seconds, rows, fwBug, tables: kernel.tables, queryError: predict.error, audit };
  });

  const dtResults = results.filter((r) => r.type === 'dt');
  const acpiResults = results.filter((r) => r.type === 'acpi');
  if (dtResults.length) printTable(dtResults);
  if (acpiResults.length) {
    if (dtResults.length) console.log('');
    printAcpiTable(acpiResults);
  }
  const auditResults = results.filter((r) => r.audit);
  if (auditResults.length) {
    console.log('');
    printAuditTable(auditResults);
  }
  // one verdict per (variant, kernel, RID, map): iommu-map covers its log lines and the iommu
  // group, msi-map its log lines and the MSI count; a failed boot or an unexplained line fails its maps
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of dtResults) {
    if (r.error) failed += DEVICES.length * 2;
    for (const row of r.rows) {
      for (const which of ['iommu', 'msi']) {
        const bad = row.why.some(
          (w) =>
            (which === 'iommu' ? /^(iommu-map|iommu group)/ : /^(msi-map|MSI)/).test(w) ||
            !/^(iommu-map|iommu group|msi-map|MSI)/.test(w),
        );
        if (bad) failed++;
        else if (row.rid >= 0) passed++;
      }
    }
  }
  const dtFailed = failed;
  // one verdict per (ACPI variant, kernel, PCI function): group, MSIs and [Firmware Bug] lines
  for (const r of acpiResults) {
    if (r.error) failed++;
    for (const row of r.rows) {
      if (!row.predicted) skipped++;
      else if (row.agree) passed++;
      else failed++;
    }
  }
  // one verdict per (variant, kernel, PCI function): dtmap audit's verdicts on the snapshot
  const beforeAudit = failed;
  let auditRows = 0;
  const auditKinds = new Map();
  for (const r of auditResults) {
    for (const row of r.audit) {
      auditRows++;
      if (!row.predicted) skipped++;
      else if (row.agree) passed++;
      else failed++;
      for (const k of row.verdicts
        .replace(/ \(error\)$/, '')
        .split(' + ')
        .filter((x) => x && x !== '-'))
        auditKinds.set(k, (auditKinds.get(k) ?? 0) + 1);
    }
  }
  const auditFailed = failed - beforeAudit;
  notes.push(...fixtureNotes(acpiResults));
  const qemu = execFileSync('qemu-system-aarch64', ['--version']).toString().split('\n')[0];
  console.log('');
  for (const k of kernels) console.log(`kernel ${k.name}: Linux ${k.release} (${k.imageDeb})`);
  console.log(`QEMU: ${qemu}${prepared.firmware ? `; UEFI: ${prepared.firmware} (qemu-efi-aarch64)` : ''}`);
  for (const k of kernels) {
    const times = results
      .filter((r) => r.kernel === k)
      .map((r) => `${r.type === 'acpi' ? 'acpi:' : ''}${r.variant.name} ${r.seconds.toFixed(1)} s`);
    console.log(`boots on ${k.name}: ${times.join(', ')}`);
  }
  console.log(`total: ${((Date.now() - t0) / 1000).toFixed(1)} s for ${results.length} boots, ${jobs} at a time`);
  console.log(
    `DT: ${variants.length} variants x ${kernels.length} kernels x ${DEVICES.length} RIDs x 2 maps (iommu-map: log lines + iommu group; msi-map: log lines + MSI count): ${dtFailed} disagreements`,
  );
  const acpiRows = acpiResults.reduce((n, r) => n + r.rows.filter((row) => row.bdf !== '-').length, 0);
  const acpiFailed = failed - dtFailed - auditFailed;
  console.log(
    `ACPI: ${acpi.length} variants x ${kernels.length} kernels, ${acpiRows} PCI functions (iommu group, MSIs, [Firmware Bug] lines): ${acpiFailed} disagreements${skipped ? `, ${skipped} without a dtmap prediction yet` : ''}`,
  );
  console.log(
    `audit: ${auditResults.length} boots, ${auditRows} PCI functions, verdicts ${[...auditKinds].map(([k, n]) => `${k} ${n}`).join(', ')}: ${auditFailed} wrong`,
  );
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`test:kernel: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (saveFixtures) writeFixtures(acpiResults);
  return failed ? 1 : 0;
}

/** The same table from both kernels, and the same as the committed fixture (else a note). */
function fixtureNotes(acpiResults) {
  const notes = [];
  for (const v of ACPI_VARIANTS) {
    const boots = acpiResults.filter((r) => r.variant === v && r.tables);
    for (const name of ['IORT', 'VIOT']) {
      const dumps = boots.filter((r) => r.tables[name]).map((r) => r.tables[name]);
      if (dumps.some((b) => !b.equals(dumps[0])))
        notes.push(`${v.name}: the kernels were given different ${name} bytes`);
      const file = join(fixtures, `${v.name}.${name}`);
      if (dumps.length && existsSync(file) && !readFileSync(file).equals(dumps[0]))
        notes.push(
          `${v.name}: the ${name} differs from fixtures/acpi/qemu/${v.name}.${name} (--save-fixtures rewrites it)`,
        );
    }
    const errors = [...new Set(boots.map((r) => r.queryError).filter(Boolean))];
    for (const e of errors) notes.push(`${v.name}: no dtmap prediction: ${e}`);
  }
  return notes;
}

function writeFixtures(acpiResults) {
  mkdirSync(fixtures, { recursive: true });
  for (const r of acpiResults) {
    if (!r.tables) continue;
    for (const [name, bytes] of Object.entries(r.tables))
      writeFileSync(join(fixtures, `${r.variant.name}.${name}`), bytes);
  }
  log(`wrote the ACPI tables to ${fixtures}`);
}

function printAcpiTable(results) {
  const head = [
    'acpi variant',
    'kernel',
    'BDF',
    'driver',
    'iommu: dtmap',
    'group: dtmap/kernel',
    'msi: dtmap',
    'MSIs: dtmap/kernel',
    'firmware bug (dtmap)',
    '',
  ];
  const rows = [];
  for (const r of results) {
    if (r.error) {
      rows.push([r.variant.name, r.kernel.name, '-', '-', r.error, '', '', '', '', 'DISAGREE']);
      continue;
    }
    for (const row of r.rows) {
      rows.push([
        r.variant.name,
        r.kernel.name,
        row.bdf,
        row.kind,
        row.iommu,
        row.group,
        row.msi,
        row.msis,
        row.fw,
        !row.predicted ? '' : row.agree ? `ok${row.note ? ` (${row.note})` : ''}` : `DISAGREE: ${row.why.join('; ')}`,
      ]);
    }
  }
  printRows(head, rows);
  for (const r of results) {
    if (r.fwBug?.length)
      console.log(`${r.variant.name} on ${r.kernel.name}: kernel printed ${r.fwBug.map((l) => `"${l}"`).join(', ')}`);
  }
}

/** The one row of an audit that could not run: it disagrees, and says why. */
const failedAudit = (why) => ({
  bdf: '-',
  driver: '-',
  kernel: '-',
  verdicts: '-',
  expected: '-',
  agree: false,
  predicted: true,
  why: [why],
});

/**
 * dtmap audit on a boot's snapshot (the guest ran the collect script): written as `name` in
 * `dir`, audited, and compared per function (audit.mjs) with what init printed and what the
 * rows of the other comparison (`rows`, each with `expect`) say the description gives.
 */
function runAudit(dir, name, consoleText, rows) {
  const text = snapshotFromConsole(consoleText);
  const facts = kernelFacts(consoleText);
  const expect = (bdf) => rows.find((row) => row.bdf === bdf)?.expect ?? null;
  if (text === null) return [failedAudit('the guest printed no snapshot')];
  const file = join(dir, name);
  writeFileSync(file, text + '\n');
  let report;
  try {
    report = JSON.parse(dtmap(['audit', file, '--format', 'json']));
  } catch (err) {
    return [failedAudit(err.message.split('\n')[0])];
  }
  return compareAudit(facts, expect, report);
}

function printAuditTable(results) {
  const head = ['audit variant', 'kernel', 'BDF', 'driver', 'kernel did', 'dtmap audit', 'expected', ''];
  const rows = [];
  for (const r of results)
    for (const row of r.audit)
      rows.push([
        `${r.type === 'acpi' ? 'acpi:' : ''}${r.variant.name}`,
        r.kernel.name,
        row.bdf,
        row.driver,
        row.kernel,
        row.verdicts,
        row.expected,
        !row.predicted ? '' : row.agree ? 'ok' : `WRONG: ${row.why.join('; ')}`,
      ]);
  printRows(head, rows);
}

function printRows(head, rows) {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(width[i]))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

function printTable(results) {
  const head = [
    'variant',
    'kernel',
    'BDF',
    'RID',
    'iommu-map: dtmap',
    'kernel',
    'group: dtmap/kernel',
    'msi-map: dtmap',
    'kernel',
    'MSIs: dtmap/kernel',
    '',
  ];
  const rows = [];
  for (const r of results) {
    if (r.error) {
      rows.push([r.variant.name, r.kernel.name, '-', '-', r.error, '', '', '', '', '', 'DISAGREE']);
      continue;
    }
    for (const row of r.rows) {
      rows.push([
        r.variant.name,
        r.kernel.name,
        row.bdf,
        row.rid < 0 ? '-' : `0x${row.rid.toString(16)}`,
        row.iommu.dtmap,
        row.iommu.kernel,
        row.group,
        row.msi.dtmap,
        row.msi.kernel,
        row.msis,
        row.agree ? `ok${row.msiNote ? ` (${row.msiNote})` : ''}` : `DISAGREE: ${row.why.join('; ')}`,
      ]);
    }
  }
  printRows(head, rows);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`test:kernel: ${err.message}`);
    process.exit(2);
  },
);
