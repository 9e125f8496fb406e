#!/usr/bin/env node
// `npm run test:kernel`: boots Debian's arm64 Linux in QEMU (virt, GICv3 + ITS, SMMUv3, TCG)
// once per map variant, with QEMU's own DTB whose host-bridge maps alone are replaced, and
// compares what the kernel did for every PCI function (its of_map_id() log lines, iommu group,
// MSI count) with what `dtmap query` predicts. Exit 0 when all agree (or when the packages
// cannot be had: "skipped: ..."), 1 on any disagreement.
//
// Options: --jobs N (boots at once, default 2), --timeout S (per boot, default 180),
// --only NAME[,NAME] (variants), --cache DIR (default .cache/kernel-test).

import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { buildInitramfs, setup, SkipError } from './setup.mjs';
import { DEVICES, MODULES, VARIANTS } from './variants.mjs';
import { compare, filteredMsiLookup, parseConsole } from './compare.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lib = await import(pathToFileURL(join(repo, 'dist', 'index.js')).href);
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const jobs = Number(opt('jobs', '2'));
const bootTimeout = Number(opt('timeout', '180')) * 1000;
const only = opt('only', '');
const cache = resolve(repo, opt('cache', '.cache/kernel-test'));
const variants = only ? VARIANTS.filter((v) => only.split(',').includes(v.name)) : VARIANTS;
const log = (s) => process.stderr.write(`test:kernel: ${s}\n`);

// -cpu max with QEMU's own pointer-authentication algorithm is many times slower under TCG;
// pauth-impdef keeps the feature (the kernel uses it) with a cheap algorithm.
const MACHINE = [
  '-M',
  'virt,gic-version=3,its=on,iommu=smmuv3',
  '-cpu',
  'max,pauth-impdef=on',
  '-m',
  '512M',
  '-nographic',
  '-nic',
  'none',
  '-no-reboot',
];
const DEVICE_ARGS = DEVICES.filter((d) => d.qemu).flatMap((d) => ['-device', d.qemu]);
// The kernel decides; QEMU's SMMU and ITS use the real RID. Identity IOMMU domains and bypass
// for unused StreamIDs keep DMA working whatever StreamID the map gives, so a device's probe
// never stalls on DMA: what is measured is the kernel's reading of the maps alone.
const CMDLINE =
  'console=ttyAMA0 panic=-1 quiet dyndbg="file drivers/of/base.c +p" iommu.passthrough=1 arm_smmu_v3.disable_bypass=0';

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
for d in /sys/bus/pci/devices/*; do
  g=$(readlink $d/iommu_group); n=$(ls $d/msi_irqs 2>/dev/null | wc -l); drv=$(readlink $d/driver)
  echo "@@dev \${d##*/} group=\${g##*/} msi=$n driver=\${drv##*/}"
done
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

function boot(prepared, initrd, dtb, consoleFile) {
  return new Promise((resolveBoot) => {
    const started = Date.now();
    const child = execFile(
      'qemu-system-aarch64',
      [...MACHINE, ...DEVICE_ARGS, '-kernel', prepared.kernel, '-initrd', initrd, '-dtb', dtb, '-append', CMDLINE],
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
  for (const option of [
    'CONFIG_DYNAMIC_DEBUG',
    'CONFIG_ARM_SMMU_V3',
    'CONFIG_ARM_GIC_V3_ITS',
    'CONFIG_PCI_HOST_GENERIC',
    'CONFIG_PCIEPORTBUS',
  ]) {
    if (!new RegExp(`^${option}=y$`, 'm').test(prepared.config)) {
      console.log(`skipped: ${prepared.imageDeb} is not built with ${option}=y`);
      return 0;
    }
  }
  const runs = join(cache, 'runs');
  mkdirSync(runs, { recursive: true });
  const initrd = join(cache, 'initramfs.cpio');
  const loaded = buildInitramfs(prepared, MODULES, INIT, initrd);
  log(
    `kernel ${prepared.release} (${prepared.imageDeb}); initramfs loads ${loaded.map((m) => m.split('/').pop()).join(' ')}`,
  );
  const base = baseDts(prepared, runs);
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

  const results = await pool(planned, jobs, async (p) => {
    const r = await boot(prepared, initrd, p.dtb, join(p.dir, 'console.log'));
    log(`${p.variant.name}: ${r.error ?? 'booted'} in ${r.seconds.toFixed(1)} s`);
    if (r.error) return { ...p, seconds: r.seconds, error: r.error, rows: [] };
    const kernel = parseConsole(r.console);
    if (!kernel.complete)
      return { ...p, seconds: r.seconds, error: 'the console has no device list (init did not finish)', rows: [] };
    const maps = p.checked.files[0].maps;
    return { ...p, seconds: r.seconds, rows: compare(DEVICES, p.query, maps, kernel, targets, p.msiLookup) };
  });

  printTable(results);
  // one verdict per (variant, RID, map): iommu-map covers its log lines and the iommu group,
  // msi-map its log lines and the MSI count; a failed boot or an unexplained line fails its maps
  let passed = 0;
  let failed = 0;
  for (const r of results) {
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
  const disagreements = failed;
  const times = results.map((r) => `${r.variant.name} ${r.seconds.toFixed(1)} s`).join(', ');
  console.log(
    `\nkernel: Linux ${prepared.release} (${prepared.imageDeb}); QEMU: ${execFileSync('qemu-system-aarch64', ['--version']).toString().split('\n')[0]}`,
  );
  console.log(`boots: ${times}`);
  console.log(`total: ${((Date.now() - t0) / 1000).toFixed(1)} s for ${results.length} boots, ${jobs} at a time`);
  console.log(
    `${results.length} variants x ${DEVICES.length} RIDs x 2 maps (iommu-map: log lines + iommu group; msi-map: log lines + MSI count): ${disagreements} disagreements`,
  );
  console.log(`test:kernel: ${passed} passed, ${failed} failed`);
  return disagreements ? 1 : 0;
}

function printTable(results) {
  const head = [
    'variant',
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
      rows.push([r.variant.name, '-', '-', r.error, '', '', '', '', '', 'DISAGREE']);
      continue;
    }
    for (const row of r.rows) {
      rows.push([
        r.variant.name,
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
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(width[i]))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`test:kernel: ${err.message}`);
    process.exit(2);
  },
);
