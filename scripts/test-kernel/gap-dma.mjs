#!/usr/bin/env node
// What a gap in iommu-map does to DMA, on the booted kernel: `npm run test:kernel`'s SMMUv3
// machine with the SMMU driver's default parameters (no iommu.passthrough, no
// arm_smmu_v3.disable_bypass=0), three e1000e NICs and a root port:
//   00:03.0 e1000e   RID 0x18   mapped: StreamID 0x18, the control
//   00:04.0 e1000e   RID 0x20   in the gap; its StreamID's level-2 table exists (0x00-0xff)
//   00:05.0 port     RID 0x28   mapped
//   01:00.0 e1000e   RID 0x100  in the gap; no level-2 table for StreamIDs 0x100-0x1ff
// (QEMU's SMMUv3 offers a 2-level stream table; Linux fills a level-2 table of 256 STEs when a
// master in that span is added: arm_smmu_init_l2_strtab(), every STE abort: 6.12's
// arm_smmu_init_initial_stes(), 6.1's arm_smmu_init_bypass_stes() with disable_bypass = true.)
// e1000e DMAs through QEMU's PCI address space, so through the SMMU; init brings each interface
// up and pings an absent neighbour (an ARP broadcast: the NIC reads its TX descriptor and
// buffer by DMA), then prints each interface's TX count and iommu group, and dmesg.
// dtmap's prediction: `dtmap query` on the same DTB (bypass: "no IOMMU", DMA per the target).
//
//   node scripts/build.mjs --no-types && node scripts/test-kernel/gap-dma.mjs [--kernels 6.1,6.12]
//
// --disable-bypass boots with arm_smmu_v3.disable_bypass=0 added: 6.1 then writes bypass STEs
// into the level-2 tables it allocates, so 00:04.0's DMA passes there, while 01:00.0's still
// meets no level-2 table; 6.12 has no such parameter (the kernel reports it unknown and passes it
// to init). dtmap words an SMMUv3 gap as "DMA aborted" (the default); this run shows the exception.
// Exit 0 when the kernel and the expectation agree on every NIC, 1 otherwise.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableModules, buildInitramfs, setup, SkipError } from './setup.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const cache = resolve(repo, opt('cache', '.cache/kernel-test'));
const kernelNames = opt('kernels', '6.1,6.12').split(',').filter(Boolean);
const log = (s) => process.stderr.write(`gap-dma: ${s}\n`);

export const NICS = [
  { bdf: '00:03.0', rid: 0x18, qemu: 'e1000e,addr=3.0,romfile=', mapped: true },
  { bdf: '00:04.0', rid: 0x20, qemu: 'e1000e,addr=4.0,romfile=', mapped: false },
  { bdf: '01:00.0', rid: 0x100, qemu: 'e1000e,bus=rp1,addr=0.0,romfile=', mapped: false },
];
const DEVICE_ARGS = [
  '-device',
  NICS[0].qemu,
  '-device',
  NICS[1].qemu,
  '-device',
  'pcie-root-port,id=rp1,addr=5.0,chassis=1',
  '-device',
  NICS[2].qemu,
];
/** StreamIDs 0x00-0x1f and 0x28-0xff; 0x20-0x27 (device 4) and bus 1 up are left out. */
export const PROPS = ['iommu-map = <0x0 &smmu 0x0 0x20>, <0x28 &smmu 0x28 0xd8>;', 'msi-map = <0x0 &its 0x0 0x10000>;'];
const COMMON = ['-cpu', 'max,pauth-impdef=on', '-m', '512M', '-nographic', '-nic', 'none', '-no-reboot'];
const MACHINE = ['-M', 'virt,gic-version=3,its=on,iommu=smmuv3', ...COMMON];
// the SMMUv3 driver's defaults: neither iommu.passthrough nor arm_smmu_v3.disable_bypass
const disableBypass = args.includes('--disable-bypass');
const CMDLINE = `console=ttyAMA0 panic=-1 quiet${disableBypass ? ' arm_smmu_v3.disable_bypass=0' : ''}`;
/** StreamIDs whose 256-ID level-2 table Linux allocates: a mapped master's (here 0x18, 0x28). */
const spanHasMaster = (sid) => [0x18, 0x28].some((m) => m >>> 8 === sid >>> 8);

const INIT = `#!/bin/sh
/bin/busybox --install -s
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/load-order); do insmod /lib/modules/$m; done
sleep 2
n=1
for i in /sys/class/net/eth*; do
  e=\${i##*/}
  ip link set $e up; ip addr add 10.0.$n.1/24 dev $e
  ping -c 2 -W 1 10.0.$n.2 >/dev/null 2>&1 &
  n=$((n+1))
done
sleep 6
echo @@dmesg
dmesg
for i in /sys/class/net/eth*; do
  d=$(readlink $i/device); g=$(readlink $i/device/iommu_group)
  echo "@@net \${d##*/} tx=$(cat $i/statistics/tx_packets) group=\${g##*/}"
done
echo @@end
poweroff -f
`;

function boot(qemuArgs, consoleFile) {
  return new Promise((done) => {
    const started = Date.now();
    execFile(
      'qemu-system-aarch64',
      qemuArgs,
      { timeout: 180_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        writeFileSync(consoleFile, stdout + stderr);
        done({
          seconds: (Date.now() - started) / 1000,
          error: err ? String(err.message).split('\n')[0] : null,
          stdout,
        });
      },
    ).stdin?.end();
  });
}

/** QEMU's own DTB for this machine, its host bridge's maps replaced by PROPS. */
function variantDts(kernel, dir) {
  const dtb = join(dir, 'qemu-virt.dtb');
  execFileSync('qemu-system-aarch64', [...MACHINE, ...DEVICE_ARGS, '-kernel', kernel, '-machine', `dumpdtb=${dtb}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let dts = execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', dtb]).toString();
  dts = dts.replace(/\bsmmuv3@[0-9a-f]+ \{/, (m) => `smmu: ${m}`).replace(/\bits@[0-9a-f]+ \{/, (m) => `its: ${m}`);
  dts = dts.replace(/^\s*(rng-seed|kaslr-seed) = [^;]*;\n/gm, '');
  const start = dts.search(/\bpcie@[0-9a-f]+ \{/);
  const end = dts.indexOf('\n\t};', start);
  const body = dts
    .slice(start, end)
    .split('\n')
    .filter((l) => !/^\s*(iommu-map|msi-map)\b/.test(l))
    .join('\n');
  return {
    dts: dts.slice(0, start) + body + PROPS.map((p) => `\n\t\t${p}`).join('') + dts.slice(end),
    bridge: '/' + /\bpcie@[0-9a-f]+(?= \{)/.exec(dts)[0],
  };
}

/** The console: dmesg, the SMMU's event lines, and per NIC its TX count and iommu group. */
export function parseGapConsole(text) {
  const dmesg = [];
  const nics = new Map();
  let inDmesg = false;
  let complete = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\[\s*\d+\.\d+\] /, '');
    if (raw.startsWith('@@dmesg')) inDmesg = true;
    else if (raw.startsWith('@@end')) complete = true;
    else if (raw.startsWith('@@net ')) {
      inDmesg = false;
      const m = /^@@net [0-9a-f]{4}:(\S+) tx=(\d+) group=(\S*)/.exec(raw);
      if (m) nics.set(m[1], { tx: Number(m[2]), group: m[3] || null });
    } else if (inDmesg) dmesg.push(line);
  }
  const smmu = dmesg.filter((l) => /arm-smmu-v3/.test(l) && /event|0x[0-9a-f]{16}|already in tree/.test(l));
  return { dmesg, nics, smmu, complete };
}

async function main() {
  let prepared;
  try {
    prepared = setup(cache, Date.now() + 10 * 60_000, log);
  } catch (err) {
    if (!(err instanceof SkipError)) throw err;
    console.log(`skipped: ${err.message}`);
    return 0;
  }
  const runs = join(cache, 'runs', disableBypass ? 'gap-dma-disable-bypass' : 'gap-dma');
  mkdirSync(runs, { recursive: true });
  const kernels = prepared.kernels.filter((k) => kernelNames.includes(k.name));
  const { dts, bridge } = variantDts(kernels[0].kernel, runs);
  writeFileSync(join(runs, 'gap-dma.dts'), dts);
  const dtb = join(runs, 'gap-dma.dtb');
  const dtmap = (argv) =>
    execFileSync(process.execPath, [join(repo, 'bin', 'dtmap.cjs'), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  dtmap(['compile', join(runs, 'gap-dma.dts'), '-o', dtb]);
  const query = JSON.parse(
    dtmap(['query', '--node', bridge, '--format', 'json', dtb, ...NICS.map((n) => `0x${n.rid.toString(16)}`)]),
  );
  let failed = 0;
  const rows = [];
  for (const k of kernels) {
    const initrd = join(runs, `initramfs-${k.release}.cpio`);
    buildInitramfs(k, availableModules(k.modules, ['e1000e']), INIT, initrd);
    const r = await boot(
      [...MACHINE, ...DEVICE_ARGS, '-kernel', k.kernel, '-initrd', initrd, '-dtb', dtb, '-append', CMDLINE],
      join(runs, `console-${k.name}.log`),
    );
    log(`${k.name}: ${r.error ?? 'booted'} in ${r.seconds.toFixed(1)} s`);
    const c = parseGapConsole(r.stdout ?? '');
    if (!c.complete) {
      failed++;
      rows.push([k.name, '-', '-', '-', '-', '-', 'DISAGREE: init did not finish']);
      continue;
    }
    for (const n of NICS) {
      const q = query.find((x) => x.rid === n.rid);
      const said = q?.iommu;
      const got = c.nics.get(n.bdf);
      const dmaOk = got && got.tx > 0;
      // dtmap: a mapped NIC translates; a gap one gets no IOMMU, and on an SMMUv3 its DMA is aborted
      const predictedOk = said?.status === 'translated';
      const verdictOk = predictedOk || q?.gapDma?.verdict === 'aborted';
      // with disable_bypass=0, 6.1's level-2 STEs bypass: a gap RID in a span with a master passes
      const passes = predictedOk || (disableBypass && k.name === '6.1' && spanHasMaster(n.rid));
      const agree = !!got && verdictOk && dmaOk === passes && !!got.group === predictedOk;
      if (!agree) failed++;
      rows.push([
        k.name,
        n.bdf,
        `0x${n.rid.toString(16)}`,
        said?.status === 'translated' ? `0x${said.id.toString(16)}` : `${said?.status}: ${q?.gapDma?.dma ?? '?'}`,
        got ? `tx=${got.tx}` : 'absent',
        got?.group ? `group ${got.group}` : 'no group',
        agree ? 'ok' : 'DISAGREE',
      ]);
    }
    for (const l of c.smmu) console.log(`${k.name}  ${l}`);
  }
  const head = ['kernel', 'BDF', 'RID', 'dtmap', 'kernel TX', 'iommu group', ''];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  for (const r of [head, ...rows])
    console.log(
      r
        .map((c, i) => String(c).padEnd(w[i]))
        .join('  ')
        .trimEnd(),
    );
  console.log(`gap-dma: ${rows.length - failed} agree, ${failed} disagree`);
  return failed ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
